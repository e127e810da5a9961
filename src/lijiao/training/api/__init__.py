"""Training API: classes (programs, filing, review, timetable) and enrollment (attendance, results), roster import."""

from ninja import Router

from lijiao.training.api.classes import router as classes_router
from lijiao.training.api.devices import device_router
from lijiao.training.api.devices import router as devices_router
from lijiao.training.api.enrollment import router as enrollment_router
from lijiao.training.api.roster import router as roster_router

router = Router()
router.add_router("", classes_router)
router.add_router("", enrollment_router)
router.add_router("", roster_router)
router.add_router("", devices_router)
router.add_router("", device_router)
