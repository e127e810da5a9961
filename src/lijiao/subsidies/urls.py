"""Subsidy screens: each views module declares its own ``urlpatterns``."""

from django.urls import URLPattern, URLResolver

from lijiao.subsidies.views import claims, findings, registers, review, schemes, worker
from lijiao.subsidies.views import payment as payment_views
from lijiao.subsidies.views import publicity as publicity_views

app_name = "subsidies"
urlpatterns: list[URLPattern | URLResolver] = [
    *schemes.urlpatterns,
    *claims.urlpatterns,
    *review.urlpatterns,
    *worker.urlpatterns,
    *publicity_views.urlpatterns,
    *payment_views.urlpatterns,
    *findings.urlpatterns,
    *registers.urlpatterns,
]
