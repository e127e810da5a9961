from django.urls import path

from lijiao.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("editions/", views.public_editions, name="public_editions"),
    path("manage/", views.manage_editions, name="manage_editions"),
]
