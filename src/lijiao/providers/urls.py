"""Provider screens (SPEC C3, C11): ``/providers/``."""

from django.urls import path

from lijiao.providers import views

app_name = "providers"
urlpatterns = [
    # Public
    path("listed/", views.listed, name="listed"),
    # Bureau staff and provider staff
    path("", views.provider_list, name="list"),
    path("export.xlsx", views.provider_list_export, name="list_export"),
    path("register/", views.register, name="register"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/status/<str:action>/", views.change_status, name="change_status"),
    path("<int:pk>/scope/add/", views.scope_add, name="scope_add"),
    path("<int:pk>/scope/<int:entry_id>/remove/", views.scope_remove, name="scope_remove"),
    path("<int:pk>/teachers/add/", views.teacher_add, name="teacher_add"),
    path("<int:pk>/teachers/<int:teacher_id>/edit/", views.teacher_edit, name="teacher_edit"),
    path(
        "<int:pk>/teachers/<int:teacher_id>/deactivate/", views.teacher_deactivate, name="teacher_deactivate"
    ),
    path("<int:pk>/venues/add/", views.venue_add, name="venue_add"),
    path("<int:pk>/venues/<int:venue_id>/edit/", views.venue_edit, name="venue_edit"),
    path("<int:pk>/blacklist/add/", views.blacklist_add, name="blacklist_add"),
    path("<int:pk>/blacklist/<int:entry_id>/lift/", views.blacklist_lift, name="blacklist_lift"),
    path("<int:pk>/credit/add/", views.credit_add, name="credit_add"),
]
