"""Subsidies API: one router per concern, assembled here."""

from ninja import Router

from lijiao.subsidies.api import claims, worker

router = Router()
router.add_router("", claims.router)
router.add_router("", worker.router)
