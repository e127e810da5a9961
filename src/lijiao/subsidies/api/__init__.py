"""Subsidies API: one router per concern, assembled here."""

from ninja import Router

router = Router()

from lijiao.subsidies.api import findings as _findings  # noqa: E402
from lijiao.subsidies.api import registers as _registers  # noqa: E402

router.add_router("", _findings.router)
router.add_router("", _registers.router)
