"""Subsidy screens: each views module declares its own ``urlpatterns``."""

from django.urls import URLPattern, URLResolver

app_name = "subsidies"
urlpatterns: list[URLPattern | URLResolver] = []
