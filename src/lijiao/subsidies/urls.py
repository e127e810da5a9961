"""Subsidy screens: each views module declares its own ``urlpatterns``."""

from django.urls import URLPattern, URLResolver

from lijiao.subsidies.views import schemes

app_name = "subsidies"
urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += schemes.urlpatterns
