"""Certificate screens: each views module declares its own ``urlpatterns``."""

from lijiao.certificates.views import bodies, credentials, issuance, results, verification, worker

app_name = "certificates"
urlpatterns = [
    *bodies.urlpatterns,
    *results.urlpatterns,
    *issuance.urlpatterns,
    *verification.urlpatterns,
    *credentials.urlpatterns,
    *worker.urlpatterns,
]
