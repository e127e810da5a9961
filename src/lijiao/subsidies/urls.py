"""Subsidy screens: each views module declares its own ``urlpatterns``."""

from django.urls import URLPattern, URLResolver

app_name = "subsidies"
urlpatterns: list[URLPattern | URLResolver] = []

from lijiao.subsidies.views import findings as _findings_views  # noqa: E402
from lijiao.subsidies.views import registers as _registers_views  # noqa: E402

urlpatterns += [*_findings_views.urlpatterns, *_registers_views.urlpatterns]
