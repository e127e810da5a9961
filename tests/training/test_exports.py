"""Every staff list exports to xlsx (issue 9, Usability 1; ADR 0007): classes, review queue, a class's roster,
attendance sheet and results. Each download is a valid xlsx (read back with python-calamine) holding the rows the
screen's filters show, within the user's scope, IDs masked as on the screen, text as text, in a bounded number of
queries, and audited."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import python_calamine
from django.test import Client
from django.utils import timezone

from lijiao.audit.models import AuditEvent
from lijiao.core.pii import PIIKind, mask
from lijiao.training.models import AssessmentResult, CheckIn, ClassStatus, Enrollment
from tests.training.conftest import make_class
from tests.training.test_roster_import import cid, row, run, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read_xlsx(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # never a formula
    rows: list[list[Any]] = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    )
    return rows


def exported(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("sequence")


def test_class_list_export_respects_filters_and_scope(
    approved_class,
    provider,
    other_provider,
    training_ref,
    provider_staff,
    clerk,
    django_assert_max_num_queries,
) -> None:
    item = training_ref["items"]["electrician5"]
    draft = make_class(provider, item, status=ClassStatus.DRAFT, name="草稿班")
    foreign = make_class(other_provider, item, status=ClassStatus.APPROVED, name="别家的班")
    client = client_for(provider_staff)
    with django_assert_max_num_queries(12):
        response = client.get("/training/classes/export.xlsx")
    rows = read_xlsx(response)
    assert rows[1][:3] == ["班级编号", "班级名称", "培训机构"]
    codes = {r[0] for r in rows[2:]}
    assert codes == {approved_class.code, draft.code}  # the other provider's class is absent
    assert foreign.code not in codes
    filtered = read_xlsx(client_for(provider_staff).get("/training/classes/export.xlsx?status=draft"))
    assert [r[0] for r in filtered[2:]] == [draft.code]
    event = exported("training.classes.exported")
    assert event.after["rows"] == 1 and event.after["filters"] == {"status": ["draft"]}
    # the clerk of 中山区 sees the classes of the area, not 西岗区's
    clerk_codes = {r[0] for r in read_xlsx(client_for(clerk).get("/training/classes/export.xlsx"))[2:]}
    assert approved_class.code in clerk_codes and foreign.code not in clerk_codes


def test_class_list_export_refuses_bad_filters(approved_class, provider_staff) -> None:
    response = client_for(provider_staff).get("/training/classes/export.xlsx?start_from=not-a-date")
    assert response.status_code == 400
    assert "开班日期不早于" in response.content.decode()
    assert not AuditEvent.objects.filter(action="training.classes.exported").exists()


def test_class_list_query_count_does_not_grow_with_rows(
    provider, training_ref, provider_staff, django_assert_max_num_queries
) -> None:
    for _ in range(15):
        make_class(provider, training_ref["items"]["electrician5"])
    client = client_for(provider_staff)
    with django_assert_max_num_queries(12):
        response = client.get("/training/classes/export.xlsx")
    rows = read_xlsx(response)
    assert len(rows) == 2 + 15


def test_review_queue_export(
    provider,
    other_provider,
    training_ref,
    clerk,
    clerk_elsewhere,
    provider_staff,
    django_assert_max_num_queries,
) -> None:
    item = training_ref["items"]["electrician5"]
    filed = make_class(provider, item, status=ClassStatus.FILED, name="待审核班")
    make_class(other_provider, item, status=ClassStatus.FILED, name="西岗待审核班")
    client = client_for(clerk)
    with django_assert_max_num_queries(12):
        response = client.get("/training/review/export.xlsx")
    rows = read_xlsx(response)
    assert [r[0] for r in rows[2:]] == [filed.code]
    assert rows[1][-1] == "申请日期"
    assert [
        r[1] for r in read_xlsx(client_for(clerk).get("/training/review/export.xlsx?q=没有这个班"))[2:]
    ] == []
    assert client_for(provider_staff).get("/training/review/export.xlsx").status_code == 403
    assert exported("training.review_queue.exported").actor == clerk


def _enrol(training_class: Any, actor: Any, names: list[str]) -> list[str]:
    numbers = [cid() for _ in names]
    result = run(
        actor, training_class, xlsx([row(n, number) for n, number in zip(names, numbers, strict=True)])
    )
    assert result.ok, result.errors
    return numbers


def test_roster_export_masks_ids_respects_filters_and_scope(
    approved_class,
    provider_staff,
    other_provider_staff,
    clerk,
    clerk_elsewhere,
    django_assert_max_num_queries,
) -> None:
    numbers = _enrol(approved_class, provider_staff, ["张三", "李四", "王五"])
    url = f"/training/classes/{approved_class.pk}/roster/export.xlsx"
    client = client_for(provider_staff)
    with django_assert_max_num_queries(15):
        response = client.get(url)
    rows = read_xlsx(response)
    assert rows[1][:3] == ["姓名", "身份证号", "性别"]
    assert [r[:2] for r in rows[2:]] == [
        [name, mask(PIIKind.CITIZEN_ID, number)]
        for name, number in zip(["张三", "李四", "王五"], numbers, strict=True)
    ]
    assert all(number not in repr(rows) for number in numbers)
    assert [r[0] for r in read_xlsx(client_for(provider_staff).get(url + "?q=李"))[2:]] == ["李四"]
    assert read_xlsx(client_for(clerk).get(url))[2][0] == "张三"  # the area's clerk
    assert client_for(other_provider_staff).get(url).status_code == 404
    assert client_for(clerk_elsewhere).get(url).status_code == 404
    event = exported("training.roster.exported")
    assert event.object_id == str(approved_class.pk) and event.after["rows"] == 3


def test_attendance_export(
    running_class, provider_staff, other_provider_staff, django_assert_max_num_queries
) -> None:
    TrainingClass = type(running_class)
    TrainingClass.objects.filter(pk=running_class.pk).update(status=ClassStatus.APPROVED)
    _enrol(running_class, provider_staff, ["张三", "李四"])
    TrainingClass.objects.filter(pk=running_class.pk).update(status=ClassStatus.RUNNING)
    first = running_class.sessions.order_by("starts_at").first()
    enrollment = Enrollment.objects.get(training_class=running_class, person__name="张三")
    CheckIn.objects.create(
        session=first,
        enrollment=enrollment,
        person=enrollment.person,
        checked_at=first.starts_at,
        method=CheckIn.Method.MANUAL,
        reason="设备故障",
        recorded_by=provider_staff,
    )
    url = f"/training/classes/{running_class.pk}/attendance/export.xlsx"
    client = client_for(provider_staff)
    with django_assert_max_num_queries(15):
        response = client.get(url)
    rows = read_xlsx(response)
    sessions = running_class.sessions.count()
    assert len(rows[1]) == 3 + sessions + 2 and rows[1][-2:] == ["出勤次数", "出勤率"]
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name["张三"][3] == "✓" and by_name["张三"][-2] == 1
    assert by_name["李四"][3] == "" and by_name["李四"][-2] == 0
    assert client_for(other_provider_staff).get(url).status_code == 404
    assert exported("training.attendance.exported").after["rows"] == 2


def test_results_export(
    approved_class, provider_staff, other_provider_staff, django_assert_max_num_queries
) -> None:
    _enrol(approved_class, provider_staff, ["张三", "李四"])
    enrollment = Enrollment.objects.get(training_class=approved_class, person__name="张三")
    AssessmentResult.objects.create(
        enrollment=enrollment,
        theory_score=Decimal("88.50"),
        practical_score=Decimal("90"),
        passed=True,
        evaluating_organisation="大连市职业技能鉴定中心",
        assessed_on=timezone.localdate() - dt.timedelta(days=1),
    )
    url = f"/training/classes/{approved_class.pk}/results/export.xlsx"
    client = client_for(provider_staff)
    with django_assert_max_num_queries(15):
        response = client.get(url)
    rows = read_xlsx(response)
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name["张三"][3:6] == [88.5, 90.0, "合格"]
    assert by_name["李四"][3:6] == ["", "", ""]
    assert client_for(other_provider_staff).get(url).status_code == 404
    assert exported("training.results.exported").after["rows"] == 2


def test_every_training_screen_offers_the_export(approved_class, provider_staff, clerk) -> None:
    staff = client_for(provider_staff)
    for url, target in [
        ("/training/classes/?status=approved", "/training/classes/export.xlsx?status=approved"),
        (
            f"/training/classes/{approved_class.pk}/roster/",
            f"/training/classes/{approved_class.pk}/roster/export.xlsx",
        ),
        (
            f"/training/classes/{approved_class.pk}/attendance/",
            f"/training/classes/{approved_class.pk}/attendance/export.xlsx",
        ),
        (
            f"/training/classes/{approved_class.pk}/results/",
            f"/training/classes/{approved_class.pk}/results/export.xlsx",
        ),
    ]:
        page = staff.get(url).content.decode()
        assert f'href="{target}"' in page and "导出 Excel" in page, url
    assert (
        'href="/training/review/export.xlsx"' in client_for(clerk).get("/training/review/").content.decode()
    )
