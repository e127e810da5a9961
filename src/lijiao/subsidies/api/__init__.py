"""Subsidies API: one router per concern, assembled here."""

from ninja import Router

from lijiao.subsidies.api import payment, publicity

router = Router()
router.add_router("", publicity.router)
router.add_router("", payment.router)
