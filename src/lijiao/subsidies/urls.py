"""Subsidy screens: each views module declares its own ``urlpatterns``."""

from django.urls import URLPattern, URLResolver

from lijiao.subsidies.views import claims, review, schemes, worker

app_name = "subsidies"
urlpatterns: list[URLPattern | URLResolver] = [
    *schemes.urlpatterns,
    *claims.urlpatterns,
    *review.urlpatterns,
    *worker.urlpatterns,
]
