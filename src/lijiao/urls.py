"""URL map: public portal, staff screens per app, the REST API at /api/v1/, Django admin for back office."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from lijiao.api import api
from lijiao.certificates.views.credentials import public_urlpatterns as credential_urlpatterns

urlpatterns = [
    path("", include("lijiao.portal.urls")),
    path("accounts/", include("lijiao.accounts.urls")),
    path("catalog/", include("lijiao.catalog.urls")),
    path("audit/", include("lijiao.audit.urls")),
    path("providers/", include("lijiao.providers.urls")),
    path("training/", include("lijiao.training.urls")),
    path("certificates/", include("lijiao.certificates.urls")),
    path("subsidies/", include("lijiao.subsidies.urls")),
    path("", include((credential_urlpatterns, "credentials"))),  # JWKS, status lists, issuer (ADR 0019)
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's language switch
    path("api/v1/", api.urls),
    path(settings.ADMIN_PATH, admin.site.urls),  # LIJIAO_ADMIN_PATH
]
