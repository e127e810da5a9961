"""The provider list exports to xlsx (issue 9, Usability 1; ADR 0007): the rows the filters show, within scope,
the contact phone masked, audited, in a bounded number of queries."""

from __future__ import annotations

import io
from typing import Any

import pytest
import python_calamine
from django.test import Client

from lijiao.accounts.models import User
from lijiao.audit.models import AuditEvent
from lijiao.providers.models import Provider
from tests.providers.conftest import make_provider

pytestmark = pytest.mark.django_db
URL = "/providers/export.xlsx"


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows_of(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data = b"".join(response.streaming_content)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows: list[list[Any]] = book.get_sheet_by_index(0).to_python()
    return rows


def test_provider_export_respects_filters_scope_and_masks_the_phone(
    zs_clerk: User, own_provider: Provider, applied: Provider, staff: User, django_assert_max_num_queries: Any
) -> None:
    xg = make_provider(96, area="XG", name="西岗学校")
    Provider.objects.filter(pk=own_provider.pk).update(contact_name="王老师", contact_phone="13812345678")
    client = login(zs_clerk)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    rows = rows_of(response)
    assert rows[1][:2] == ["机构名称", "统一社会信用代码"]
    names = {r[0] for r in rows[2:]}
    assert own_provider.name in names and applied.name in names and xg.name not in names
    own = next(r for r in rows[2:] if r[0] == own_provider.name)
    assert own[6:8] == ["王老师", "138****5678"]
    assert [r[0] for r in rows_of(client.get(URL, {"status": "applied"}))[2:]] == [applied.name]
    event = AuditEvent.objects.filter(action="providers.list.exported").latest("sequence")
    assert (
        event.actor == zs_clerk
        and event.after["rows"] == 1
        and event.after["filters"] == {"status": ["applied"]}
    )
    # provider staff export only their own institution
    assert [r[0] for r in rows_of(login(staff).get(URL))[2:]] == [own_provider.name]


def test_the_list_screen_offers_the_export(zs_clerk: User, own_provider: Provider) -> None:
    html = login(zs_clerk).get("/providers/?status=approved").content.decode()
    assert 'href="/providers/export.xlsx?status=approved"' in html and "导出 Excel" in html


def test_bad_filters_are_refused(zs_clerk: User) -> None:
    assert login(zs_clerk).get(URL, {"status": "nonsense"}).status_code == 400
    assert not AuditEvent.objects.filter(action="providers.list.exported").exists()
