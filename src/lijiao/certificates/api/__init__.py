"""Certificates API: evaluating bodies and results, issuance, verification, credentials, the worker's own."""

from ninja import Router

from lijiao.certificates.api import bodies, credentials, issuance, results, verification, worker

router = Router()
for module in (bodies, results, issuance, verification, credentials, worker):
    router.add_router("", module.router)
