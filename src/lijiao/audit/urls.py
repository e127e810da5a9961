from django.urls import path

from lijiao.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("chain/", views.chain, name="chain"),
]
