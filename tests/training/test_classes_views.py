"""Class and program screens: provider staff's classes, form, timetable editor and filing (with every failed
check shown); the clerk's review queue and decisions; nothing of another provider or area; programs for staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.providers.models import Provider
from lijiao.training.models import ClassStatus, Program, TrainingClass
from tests.training.conftest import make_class, next_monday, today, weekday_sessions


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def timetable_rows(start: dt.date, count: int = 10, practical: int = 6) -> list[dict[str, Any]]:
    return [
        {
            "day": f"{s['starts_at']:%Y-%m-%d}",
            "start": "09:00",
            "end": "12:00",
            "kind": s["kind"],
            "topic": s["topic"],
        }
        for s in weekday_sessions(start, count, practical=practical)
    ]


def rows_post(rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """The timetable row editor's POST: the formset's management form and one prefixed field per cell."""
    data: dict[str, Any] = {"s-TOTAL_FORMS": str(len(rows)), "s-INITIAL_FORMS": "0", **extra}
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"s-{index}-{name}"] = value
    return data


def class_form(provider: Provider, ref: dict[str, Any], **changes: Any) -> dict[str, Any]:
    start = next_monday()
    data = {
        "name": "屏幕新建电工班",
        "catalog_item": ref["items"]["electrician5"].pk,
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=13)).isoformat(),
        "capacity": "30",
        "mode": "offline",
        "venue": provider.venues.first().pk,
        "teachers": list(provider.teachers.values_list("pk", flat=True)),
    }
    data.update(changes)
    return data


@pytest.fixture
def staff(provider_staff: User) -> Client:
    return client_for(provider_staff)


@pytest.fixture
def clerk_client(clerk: User) -> Client:
    return client_for(clerk)


# ---------------------------------------------------------------------------------------------------------------
# Provider staff


def test_provider_creates_sets_timetable_and_files(staff, provider, training_ref, program) -> None:
    response = staff.post(
        reverse("training:class_create"), class_form(provider, training_ref, program=program.pk)
    )
    tc = TrainingClass.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "training:class_sessions", args=[tc.pk]
    )

    page = staff.get(reverse("training:class_sessions", args=[tc.pk]))
    assert page.status_code == 200 and "至少 40 课时" in page.content.decode()
    response = staff.post(
        reverse("training:class_sessions", args=[tc.pk]), rows_post(timetable_rows(tc.start_date))
    )
    assert response.status_code == 302
    tc.refresh_from_db()
    assert (tc.sessions.count(), tc.lesson_hours, tc.practical_hours) == (10, 40, 24)

    detail = staff.get(reverse("training:class_detail", args=[tc.pk])).content.decode()
    assert "全部检查通过" in detail and 'id="action-file"' in detail

    response = staff.post(reverse("training:class_file", args=[tc.pk]), {"confirm": "1"})
    assert response.status_code == 302
    tc.refresh_from_db()
    assert tc.status == ClassStatus.FILED


def test_filing_failure_shows_every_failed_check(staff, provider_staff, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician4"], status=ClassStatus.DRAFT, capacity=45)
    precheck = staff.get(reverse("training:class_detail", args=[tc.pk])).content.decode()
    assert "检查不能通过" in precheck
    response = staff.post(reverse("training:class_file", args=[tc.pk]), {"confirm": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="action-errors"' in html
    assert "至少需要 56 课时" in html and "超过场地" in html
    tc.refresh_from_db()
    assert tc.status == ClassStatus.DRAFT


def test_class_form_shows_field_errors(staff, provider, training_ref, other_provider) -> None:
    response = staff.post(
        reverse("training:class_create"),
        class_form(provider, training_ref, start_date=(today() - dt.timedelta(days=2)).isoformat()),
    )
    assert response.status_code == 200
    assert "开班日期不能早于今天" in response.content.decode()
    response = staff.post(
        reverse("training:class_create"),
        class_form(provider, training_ref, venue=other_provider.venues.first().pk),
    )
    assert response.status_code == 200 and "venue" in response.context["form"].errors
    assert not TrainingClass.objects.exists()


def test_timetable_editor_reports_every_error_at_once(staff, provider, training_ref) -> None:
    """Rows that do not parse and rows the service refuses are all reported in one answer, each on its row and
    in the overall list; nothing is saved."""
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.DRAFT)
    day = tc.start_date.isoformat()
    rows = [
        {"day": "2025-13-01", "start": "09:00", "end": "12:00", "kind": "theory"},  # no such date
        {"day": day, "start": "09:00", "end": "12:00", "kind": "theory", "lesson_hours": "5"},  # 5 × 45 > 180
        {"day": day, "start": "11:00", "end": "13:00", "kind": "practical"},  # overlaps row 2
    ]
    response = staff.post(reverse("training:class_sessions", args=[tc.pk]), rows_post(rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert "日期格式不对" in html and "5课时需要至少225分钟" in html and "重叠" in html
    assert "课程表有 3 处错误，未保存" in html
    forms = response.context["formset"].forms
    assert [bool(form.errors) for form in forms] == [True, True, True]
    assert tc.sessions.count() == 10


def test_timetable_editor_prefills_existing_sessions(staff, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.DRAFT)
    html = staff.get(reverse("training:class_sessions", args=[tc.pk])).content.decode()
    assert f'value="{tc.start_date:%Y-%m-%d}"' in html and 'value="第1次课"' in html
    assert "本班次须安排至少 40 课时（其中实操不少于 24 课时）" in html
    assert "已安排 40 课时（理论 16、实操 24）" in html


def test_edit_and_delete_draft(staff, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.DRAFT)
    response = staff.post(
        reverse("training:class_edit", args=[tc.pk]), class_form(provider, training_ref, name="改名")
    )
    assert response.status_code == 302
    tc.refresh_from_db()
    assert tc.name == "改名"
    assert staff.post(reverse("training:class_delete", args=[tc.pk])).status_code == 302
    assert not TrainingClass.objects.filter(pk=tc.pk).exists()


def test_edit_of_a_filed_class_redirects(staff, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    response = staff.get(reverse("training:class_edit", args=[tc.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "training:class_detail", args=[tc.pk]
    )


def test_my_classes_lists_only_my_providers(staff, provider, other_provider, training_ref) -> None:
    mine = make_class(provider, training_ref["items"]["electrician5"])
    theirs = make_class(other_provider, training_ref["items"]["electrician5"])
    html = staff.get(reverse("training:class_list")).content.decode()
    assert "我的培训班" in html and mine.code in html and theirs.code not in html
    filtered = staff.get(reverse("training:class_list"), {"status": "draft"}).content.decode()
    assert mine.code not in filtered


def test_other_provider_gets_404_everywhere(other_provider_staff, provider, training_ref) -> None:
    client = client_for(other_provider_staff)
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.DRAFT)
    for name in ("class_detail", "class_edit", "class_sessions"):
        assert client.get(reverse(f"training:{name}", args=[tc.pk])).status_code == 404, name
    for name in ("class_file", "class_start", "class_delete", "class_approve"):
        assert client.post(reverse(f"training:{name}", args=[tc.pk])).status_code == 404, name
    tc.refresh_from_db()
    assert tc.status == ClassStatus.DRAFT


def test_roster_link_on_the_class_page(staff, approved_class) -> None:
    html = staff.get(reverse("training:class_detail", args=[approved_class.pk])).content.decode()
    assert reverse("training:roster", args=[approved_class.pk]) in html


# ---------------------------------------------------------------------------------------------------------------
# District clerk


def test_clerk_queue_detail_and_approval(clerk_client, provider, other_provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    elsewhere = make_class(other_provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    queue = clerk_client.get(reverse("training:review_queue")).content.decode()
    assert tc.code in queue and elsewhere.code not in queue
    detail = clerk_client.get(reverse("training:class_detail", args=[tc.pk])).content.decode()
    assert (
        'id="action-approve"' in detail and 'id="reason-return"' in detail and 'id="reason-reject"' in detail
    )
    assert 'id="action-file"' not in detail and "编排课程表" not in detail
    response = clerk_client.post(reverse("training:class_approve", args=[tc.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("training:review_queue")
    tc.refresh_from_db()
    assert tc.status == ClassStatus.APPROVED


def test_clerk_returns_with_a_reason(clerk_client, provider_staff, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    response = clerk_client.post(reverse("training:class_return", args=[tc.pk]), {"reason": ""})
    assert response.status_code == 400 and "请填写原因" in response.content.decode()
    tc.refresh_from_db()
    assert tc.status == ClassStatus.FILED
    clerk_client.post(reverse("training:class_return", args=[tc.pk]), {"reason": "请补充场地证明"})
    tc.refresh_from_db()
    assert tc.status == ClassStatus.RETURNED
    html = client_for(provider_staff).get(reverse("training:class_detail", args=[tc.pk])).content.decode()
    assert "请补充场地证明" in html and 'id="edit-class"' in html


def test_clerk_of_another_area_gets_404(clerk_elsewhere, provider, training_ref) -> None:
    client = client_for(clerk_elsewhere)
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    assert client.get(reverse("training:class_detail", args=[tc.pk])).status_code == 404
    assert client.post(reverse("training:class_approve", args=[tc.pk])).status_code == 404
    assert client.post(reverse("training:class_reject", args=[tc.pk]), {"reason": "x"}).status_code == 404
    tc.refresh_from_db()
    assert tc.status == ClassStatus.FILED


def test_approval_refused_shows_the_listing_problem(clerk_client, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    Provider.objects.filter(pk=provider.pk).update(status="suspended")
    response = clerk_client.post(reverse("training:class_approve", args=[tc.pk]))
    assert response.status_code == 400 and "暂停" in response.content.decode()


def test_state_conflict_is_shown(clerk_client, approved_class) -> None:
    response = clerk_client.post(reverse("training:class_approve", args=[approved_class.pk]))
    assert response.status_code == 409 and "不能变更" in response.content.decode()


def test_provider_cannot_use_review_screens(staff, approved_class) -> None:
    assert staff.get(reverse("training:review_queue")).status_code == 403
    tc = make_class(approved_class.provider, approved_class.catalog_item, status=ClassStatus.FILED)
    assert staff.post(reverse("training:class_approve", args=[tc.pk])).status_code == 403


def test_anonymous_and_unrelated_roles(make_user, approved_class) -> None:
    response = Client().get(reverse("training:class_list"))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert Client().post(reverse("training:class_file", args=[approved_class.pk])).status_code == 302
    worker = client_for(make_user(Role.WORKER))
    assert worker.get(reverse("training:class_list")).status_code == 403
    assert worker.get(reverse("training:class_detail", args=[approved_class.pk])).status_code == 403


# ---------------------------------------------------------------------------------------------------------------
# Lifecycle buttons for the provider


def test_start_and_finish_buttons(staff, provider, training_ref) -> None:
    start = today() - dt.timedelta(days=7)
    tc = make_class(
        provider,
        training_ref["items"]["electrician5"],
        start=start,
        sessions=weekday_sessions(start, 2),
        end_date=today(),
    )
    assert 'id="action-start"' in staff.get(reverse("training:class_detail", args=[tc.pk])).content.decode()
    staff.post(reverse("training:class_start", args=[tc.pk]))
    tc.refresh_from_db()
    assert tc.status == ClassStatus.RUNNING
    staff.post(reverse("training:class_finish", args=[tc.pk]))
    tc.refresh_from_db()
    assert tc.status == ClassStatus.FINISHED


# ---------------------------------------------------------------------------------------------------------------
# Programs


def test_program_list_and_detail_for_staff(staff, clerk_client, program, graduate_program) -> None:
    html = clerk_client.get(reverse("training:program_list")).content.decode()
    assert program.name in html and graduate_program.name in html and "新建培训项目" not in html
    detail = staff.get(reverse("training:program_detail", args=[graduate_program.pk])).content.decode()
    assert "高校毕业生（毕业年度及离校3年内）" in detail and "contains_any" in detail
    assert staff.get(reverse("training:program_create")).status_code == 403


def test_city_admin_creates_and_edits_a_program(city_admin) -> None:
    client = client_for(city_admin)
    data = {
        "code": "2026-TRANS",
        "name": "转岗培训",
        "kind": "job_transfer",
        "year": "2026",
        "lead_department": "市人力资源和社会保障局",
        "target_groups": ["employee", "insured"],
        "eligibility_rule": '{"all": [{"fact": "groups", "op": "contains_any", "value": ["employee"]}]}',
        "quota": "100",
        "attendance_threshold": "0.8",
        "funding_source": "失业保险基金（技能提升）",
        "active": "on",
    }
    bad = client.post(reverse("training:program_create"), {**data, "eligibility_rule": "{not json"})
    assert bad.status_code == 200 and "不是有效的 JSON" in bad.content.decode()
    bad = client.post(reverse("training:program_create"), {**data, "eligibility_rule": '{"all": []}'})
    assert bad.status_code == 200 and "参训条件规则有误" in bad.content.decode()
    assert not Program.objects.exists()
    response = client.post(reverse("training:program_create"), data)
    program = Program.objects.get()
    assert response.status_code == 302 and program.target_groups == ["employee", "insured"]
    response = client.post(reverse("training:program_edit", args=[program.pk]), {**data, "quota": "150"})
    program.refresh_from_db()
    assert response.status_code == 302 and program.quota == 150
    html = client.get(reverse("training:program_edit", args=[program.pk])).content.decode()
    assert "contains_any" in html
