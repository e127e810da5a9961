"""Demo data for ``make run``: one user per role, catalog reference data, two published editions and a draft."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.core.models import HandlingArea

DEMO_PASSWORD = "Lijiao-demo-2025"


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    area: str | None = None
    citizen_id: str = ""
    phone: str = ""


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "市级管理员 王敏", Role.CITY_ADMIN),
    DemoUser("catalog", "目录管理员 李强", Role.CATALOG_OFFICER),
    DemoUser("clerk", "中山区经办 张丽", Role.DISTRICT_CLERK, "ZS"),
    DemoUser("reviewer1", "初审 刘洋", Role.FIRST_REVIEWER, "ZS"),
    DemoUser("reviewer2", "复审 陈静", Role.SECOND_REVIEWER, "SBJ"),
    DemoUser("finance", "财务 赵磊", Role.FINANCE),
    DemoUser("leader", "局领导 孙伟", Role.LEADERSHIP),
    DemoUser("auditor", "审计 周敏", Role.AUDITOR),
    DemoUser("provider", "培训机构 吴凯", Role.PROVIDER_STAFF),
    DemoUser("employer", "企业 郑华", Role.EMPLOYER_STAFF),
    DemoUser("school", "技工院校 冯雪", Role.SCHOOL_STAFF),
    DemoUser("worker", "劳动者 何军", Role.WORKER, None, "210202199003072311", "13898765432"),
)


@transaction.atomic
def load_demo_users() -> int:
    """Create the demo users that do not exist yet; returns how many were created."""
    created = 0
    for demo in DEMO_USERS:
        if User.objects.filter(username=demo.username).exists():
            continue
        create_user(
            actor=None,
            username=demo.username,
            password=DEMO_PASSWORD,
            roles=[demo.role],
            display_name=demo.display_name,
            handling_area=HandlingArea.objects.get(code=demo.area) if demo.area else None,
            citizen_id=demo.citizen_id,
            phone=demo.phone,
        )
        created += 1
    return created
