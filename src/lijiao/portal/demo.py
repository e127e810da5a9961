"""Demo data for ``make run``: one user per role, catalog reference data, two published editions and a draft."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.core.models import HandlingArea
from lijiao.providers.models import Provider, ProviderStatus

DEMO_PASSWORD = "Lijiao-demo-2025"


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
    DemoUser("reviewer2", "复审 陈静", Role.SECOND_REVIEWER, "SBJ"),
    DemoUser("finance", "财务 赵磊", Role.FINANCE),
    DemoUser("leader", "局领导 孙伟", Role.LEADERSHIP),
    DemoUser("auditor", "审计 周敏", Role.AUDITOR),
    DemoUser("provider", "培训机构 吴凯", Role.PROVIDER_STAFF, provider_code="52210202MJ0000018T"),
    DemoUser("employer", "企业 郑华", Role.EMPLOYER_STAFF),
    DemoUser("school", "技工院校 冯雪", Role.SCHOOL_STAFF),
    DemoUser("worker", "劳动者 何军", Role.WORKER, None, "210202199003072311", "13898765432"),
)


DEMO_PROVIDER = {
    "credit_code": "52210202MJ0000018T",
    "name": "大连市海川职业培训学校",
    "type": Provider.Type.PRIVATE_SCHOOL,
    "area": "ZS",
}


def load_demo_provider() -> Provider:
    """The provider the demo provider-staff user belongs to (approved, Zhongshan handling area)."""
    provider, _ = Provider.objects.get_or_create(
        credit_code=DEMO_PROVIDER["credit_code"],
        defaults={
            "name": DEMO_PROVIDER["name"],
            "type": DEMO_PROVIDER["type"],
            "handling_area": HandlingArea.objects.get(code=DEMO_PROVIDER["area"]),
            "status": ProviderStatus.APPROVED,
            "address": "大连市中山区人民路 68 号",
            "licence_number": "教民121020270000018号",
        },
    )
    return provider


@transaction.atomic
def load_demo_users() -> int:
    """Create the demo users that do not exist yet; returns how many were created."""
    created = 0
    load_demo_provider()
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
            provider=Provider.objects.get(credit_code=demo.provider_code) if demo.provider_code else None,
        )
        created += 1
    return created
