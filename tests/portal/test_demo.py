"""``lijiao loaddemo`` builds the Dalian-like dataset once and changes nothing the second time."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from lijiao.accounts.models import User
from lijiao.accounts.roles import ROLES, roles_of
from lijiao.audit.models import AuditEvent
from lijiao.audit.services import verify_chain
from lijiao.catalog.models import CatalogItem, Edition
from lijiao.catalog.selectors import edition_in_force
from lijiao.portal.demo import DEMO_PASSWORD


@pytest.mark.django_db
def test_loaddemo_is_complete_and_idempotent():
    call_command("loaddemo")
    counts = (
        User.objects.count(),
        Edition.objects.count(),
        CatalogItem.objects.count(),
        AuditEvent.objects.count(),
    )
    call_command("loaddemo")
    assert (
        User.objects.count(),
        Edition.objects.count(),
        CatalogItem.objects.count(),
        AuditEvent.objects.count(),
    ) == counts

    assert {r for u in User.objects.all() for r in roles_of(u)} == set(ROLES)
    for user in User.objects.all():
        assert authenticate(None, username=user.username, password=DEMO_PASSWORD) == user

    assert sorted(Edition.objects.values_list("status", flat=True)) == ["draft", "published", "superseded"]
    e2025 = edition_in_force(dt.date(2025, 6, 1))
    assert e2025 is not None and e2025.year == 2025
    assert edition_in_force(dt.date(2024, 6, 1)).year == 2024
    items = CatalogItem.objects.filter(edition=e2025).order_by()
    assert items.filter(kind="occupation").values("occupation").distinct().count() == 162
    assert items.filter(kind="business_start").count() == 2
    assert items.filter(kind="special").count() == 61
    assert items.values("category").distinct().count() == 35
    assert items.exclude(shortage_tier="").values("occupation").distinct().count() == 42
    assert verify_chain().ok
