"""Subsidies API: one router per concern, assembled here."""

from ninja import Router

from lijiao.subsidies.api import claims, findings, payment, publicity, registers, worker
from lijiao.subsidies.api import evaluate as evaluate_api
from lijiao.subsidies.api import schemes as schemes_api
from lijiao.subsidies.api import simulation as simulation_api

router = Router()
router.add_router("", schemes_api.router)
router.add_router("", evaluate_api.router)
router.add_router("", simulation_api.router)
router.add_router("", claims.router)
router.add_router("", worker.router)
router.add_router("", publicity.router)
router.add_router("", payment.router)
router.add_router("", findings.router)
router.add_router("", registers.router)
