"""Training API: classes (programs, filing, review, timetable) and enrollment (roster, attendance, results)."""

from ninja import Router

from lijiao.training.api.classes import router as classes_router
from lijiao.training.api.enrollment import router as enrollment_router

router = Router()
router.add_router("", classes_router)
router.add_router("", enrollment_router)
