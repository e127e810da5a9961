"""The demo logins: one user per role (the provider-staff logins are created with their institutions)."""

from __future__ import annotations

from dataclasses import dataclass

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.core.models import HandlingArea
from lijiao.demo import DEMO_PASSWORD


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    area: str | None = None
    citizen_id: str = ""
    phone: str = ""
    provider_code: str = ""


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "市级管理员 王敏", Role.CITY_ADMIN),
    DemoUser("catalog", "目录管理员 李强", Role.CATALOG_OFFICER),
    DemoUser("clerk", "中山区经办 张丽", Role.DISTRICT_CLERK, "ZS"),
    DemoUser("reviewer1", "初审 刘洋", Role.FIRST_REVIEWER, "ZS"),
    DemoUser("reviewer2", "复审 陈静", Role.SECOND_REVIEWER, "ZS"),
    DemoUser("finance", "财务 赵磊", Role.FINANCE),
    DemoUser("leader", "局领导 孙伟", Role.LEADERSHIP),
    DemoUser("auditor", "审计 周敏", Role.AUDITOR),
    DemoUser("provider", "培训机构 吴凯", Role.PROVIDER_STAFF, provider_code="52210202MJ0000018T"),
    DemoUser("employer", "企业 郑华", Role.EMPLOYER_STAFF),
    DemoUser("evaluator", "评价机构 钱进", Role.EVALUATOR_STAFF),
    DemoUser("school", "技工院校 冯雪", Role.SCHOOL_STAFF),
    DemoUser("worker", "劳动者 何军", Role.WORKER, None, "210202199003072311", "13898765432"),
)


def load_demo_users() -> dict[str, User]:
    """The demo users that are not provider staff (created when missing; the staff logins come with their
    institutions, see :mod:`lijiao.demo.providers`), by username."""
    users: dict[str, User] = {}
    areas = {a.code: a for a in HandlingArea.objects.all()}
    for demo in DEMO_USERS:
        if demo.provider_code:
            continue
        user = User.objects.filter(username=demo.username).first()
        if user is None:
            user = create_user(
                actor=None,
                username=demo.username,
                password=DEMO_PASSWORD,
                roles=[demo.role],
                display_name=demo.display_name,
                handling_area=areas[demo.area] if demo.area else None,
                citizen_id=demo.citizen_id,
                phone=demo.phone,
            )
        users[demo.username] = user
    return users
