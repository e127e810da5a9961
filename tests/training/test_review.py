"""U2: the clerk's review page (checks, teachers' certificates, provider standing, history), the review queue's
waiting time in working days, the provider's confirmation before filing, and withdrawing a filing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from lijiao.audit.models import AuditEvent
from lijiao.core.errors import Conflict, NotFound, PermissionDenied
from lijiao.providers.models import BlacklistEntry, CreditEvent, Provider, Teacher
from lijiao.training import workflows
from lijiao.training.models import ClassStatus, TrainingClass
from lijiao.training.selectors import review as review_selectors
from lijiao.training.services import classes as services
from tests.training.conftest import make_class, today
from tests.training.test_classes_api import api_for

D = dt.date


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.fixture
def filed(provider, training_ref) -> TrainingClass:
    return make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)


# ---------------------------------------------------------------------------------------------------------------
# Confirmation before filing


def test_filing_needs_the_confirmation(provider_staff, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.DRAFT)
    staff = client_for(provider_staff)
    page = staff.get(reverse("training:class_detail", args=[tc.pk])).content.decode()
    assert 'id="confirm-filing"' in page and "经备案（审核通过）后方可开班" in page
    assert "审核前可以撤回申请" in page and 'name="confirm"' in page

    response = staff.post(reverse("training:class_file", args=[tc.pk]))
    assert response.status_code == 400 and "请先勾选确认" in response.content.decode()
    tc.refresh_from_db()
    assert tc.status == ClassStatus.DRAFT and tc.filed_on is None
    assert events("training.class.filed") == 0

    response = staff.post(reverse("training:class_file", args=[tc.pk]), {"confirm": "1"})
    assert response.status_code == 302
    tc.refresh_from_db()
    assert tc.status == ClassStatus.FILED


# ---------------------------------------------------------------------------------------------------------------
# Withdrawing a filing


def test_workflow_table_has_withdraw_from_filed_only() -> None:
    assert workflows.CLASS_WORKFLOW.sources("withdraw") == frozenset({ClassStatus.FILED})
    assert "withdraw" in workflows.PROVIDER_ACTIONS


def test_provider_withdraws_a_filing_not_yet_reviewed(provider_staff, filed) -> None:
    services.withdraw_class(actor=provider_staff, training_class=filed)
    filed.refresh_from_db()
    assert filed.status == ClassStatus.DRAFT and filed.filed_on is None
    event = AuditEvent.objects.get(action="training.class.withdrawn")
    assert event.actor == provider_staff and event.before["status"] == "filed"
    assert event.after["status"] == "draft"


@pytest.mark.parametrize("status", [s for s in ClassStatus.values if s != ClassStatus.FILED])
def test_withdraw_refused_once_reviewed_or_not_filed(status, provider_staff, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=status)
    with pytest.raises(Conflict):
        services.withdraw_class(actor=provider_staff, training_class=tc)
    tc.refresh_from_db()
    assert tc.status == status and events("training.class.withdrawn") == 0


def test_only_the_own_provider_withdraws(clerk, other_provider_staff, filed) -> None:
    with pytest.raises(PermissionDenied):
        services.withdraw_class(actor=clerk, training_class=filed)
    with pytest.raises(NotFound):
        services.withdraw_class(actor=other_provider_staff, training_class=filed)
    filed.refresh_from_db()
    assert filed.status == ClassStatus.FILED


def test_withdraw_loses_to_a_review_that_came_first(clerk, provider_staff, filed) -> None:
    stale = TrainingClass.objects.get(pk=filed.pk)
    services.approve_class(actor=clerk, training_class=filed)
    with pytest.raises(Conflict):
        services.withdraw_class(actor=provider_staff, training_class=stale)
    stale.refresh_from_db()
    assert stale.status == ClassStatus.APPROVED and events("training.class.withdrawn") == 0


def test_withdraw_on_the_screen_and_through_the_api(
    provider_staff, clerk, filed, provider, training_ref
) -> None:
    staff = client_for(provider_staff)
    page = staff.get(reverse("training:class_detail", args=[filed.pk])).content.decode()
    assert 'id="action-withdraw"' in page
    assert (
        'id="action-withdraw"'
        not in client_for(clerk).get(reverse("training:class_detail", args=[filed.pk])).content.decode()
    )
    response = staff.post(reverse("training:class_withdraw", args=[filed.pk]))
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.status == ClassStatus.DRAFT

    other = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    assert api_for(clerk).post(f"/classes/{other.pk}/withdraw").status_code == 403
    response = api_for(provider_staff).post(f"/classes/{other.pk}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "draft"
    assert api_for(provider_staff).post(f"/classes/{other.pk}/withdraw").status_code == 409
    assert events("training.class.withdrawn") == 2


@pytest.fixture
def seeded_areas(transactional_db: None) -> None:
    from lijiao.core.models import HandlingArea

    for code, name in (("ZS", "中山区"), ("XG", "西岗区")):
        HandlingArea.objects.get_or_create(code=code, defaults={"name": name})


@pytest.mark.django_db(transaction=True)
def test_concurrent_withdraw_and_approve_one_wins(seeded_areas, make_user, training_ref, provider) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent connections: PostgreSQL")
    from lijiao.accounts.roles import Role

    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    clerk = make_user(Role.DISTRICT_CLERK, area="ZS")
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(service, actor) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            service(actor=actor, training_class=TrainingClass.objects.get(pk=tc.pk))
            result = "ok"
        except Conflict:
            result = "conflict"
        finally:
            thread_connection.close()
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=attempt, args=(services.withdraw_class, staff)),
        threading.Thread(target=attempt, args=(services.approve_class, clerk)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    tc.refresh_from_db()
    assert tc.status in (ClassStatus.DRAFT, ClassStatus.APPROVED)
    assert events("training.class.withdrawn") + events("training.class.approved") == 1


# ---------------------------------------------------------------------------------------------------------------
# The review page


def test_review_page_shows_checks_certificates_standing_and_history(
    clerk, provider_staff, provider, training_ref, django_assert_max_num_queries
) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    Teacher.objects.filter(provider=provider, is_practical=True).update(
        certificates="电工 二级/技师 证书编号 2021000123"
    )
    CreditEvent.objects.create(
        provider=provider,
        kind=CreditEvent.Kind.COMPLAINT,
        occurred_on=today(),
        description="学员投诉",
        points=-2,
        created_by=clerk,
    )
    BlacklistEntry.objects.create(
        provider=provider,
        reason="虚报培训人数",
        starts_on=today() - dt.timedelta(days=800),
        ends_on=today() - dt.timedelta(days=435),
        created_by=clerk,
    )
    services.return_class(actor=clerk, training_class=tc, reason="请补充实操教师的证书")
    TrainingClass.objects.filter(pk=tc.pk).update(
        status=ClassStatus.FILED
    )  # filed again (as by the provider)

    client = client_for(clerk)
    client.get(reverse("training:review_queue"))  # the session is written
    with django_assert_max_num_queries(35):
        response = client.get(reverse("training:class_detail", args=[tc.pk]))
    html = response.content.decode()
    assert 'id="review-checks"' in html and "开班及结业日期" in html and "授课教师" in html
    assert "机构认定状态、办学许可证、黑名单" in html
    assert (
        "电工 二级/技师 证书编号 2021000123" in html and "未登记证书" in html
    )  # the theory teacher has none
    assert "投诉 1 次" in html and "信用分变动 -2" in html
    assert "目前未列入黑名单" in html and "曾列入" in html and "虚报培训人数" in html
    assert 'id="review-history"' in html and "退回修改" in html and "请补充实操教师的证书" in html
    assert 'id="review-waiting"' in html

    # The provider sees the history (each return with its reason) but not the clerk's panels.
    own = client_for(provider_staff).get(reverse("training:class_detail", args=[tc.pk])).content.decode()
    assert "请补充实操教师的证书" in own and 'id="review-checks"' not in own


def test_review_page_lists_failed_checks(clerk, provider, training_ref) -> None:
    tc = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED, capacity=45)
    Provider.objects.filter(pk=provider.pk).update(status="suspended")
    html = client_for(clerk).get(reverse("training:class_detail", args=[tc.pk])).content.decode()
    assert "超过场地" in html and "暂停" in html
    checks = review_selectors.filing_checks(TrainingClass.objects.get(pk=tc.pk), tc.filed_on)
    failed = {c.label for c in checks if not c.passed}
    assert failed == {"机构认定状态、办学许可证、黑名单", "培训场地及容纳人数"}


# ---------------------------------------------------------------------------------------------------------------
# The review queue: working days waited


def _filed_on(provider, training_ref, day: dt.date) -> TrainingClass:
    return make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED, filed_on=day)


def test_queue_shows_working_days_waited_and_marks_overdue(
    clerk, provider, training_ref, settings, monkeypatch, django_assert_max_num_queries
) -> None:
    settings.TRAINING_REVIEW_DEADLINE_WORKING_DAYS = 5
    monkeypatch.setattr(review_selectors, "_today", lambda: D(2025, 10, 13))
    late = _filed_on(provider, training_ref, D(2025, 9, 26))  # 9-28, 9-29, 9-30, 10-9, 10-10, 10-11, 10-13
    fresh = _filed_on(provider, training_ref, D(2025, 10, 10))  # 10-11 (make-up Saturday), 10-13
    for _n in range(6):
        _filed_on(provider, training_ref, D(2025, 10, 9))
    client = client_for(clerk)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("training:review_queue"))
    rows = {tc.pk: wait for tc, wait in response.context["rows"]}
    assert rows[late.pk].waited == 7 and rows[late.pk].overdue
    assert rows[fresh.pk].waited == 2 and not rows[fresh.pk].overdue
    html = response.content.decode()
    assert "审核时限 5 个工作日" in html and "7（已超时）" in html and 'class="row-overdue"' in html

    settings.TRAINING_REVIEW_DEADLINE_WORKING_DAYS = 10
    rows = {
        tc.pk: wait for tc, wait in client_for(clerk).get(reverse("training:review_queue")).context["rows"]
    }
    assert not rows[late.pk].overdue


def test_queue_shows_unknown_for_a_year_nobody_entered(clerk, provider, training_ref, monkeypatch) -> None:
    monkeypatch.setattr(review_selectors, "_today", lambda: D(2040, 1, 10))
    tc = _filed_on(provider, training_ref, D(2039, 12, 28))
    response = client_for(clerk).get(reverse("training:review_queue"))
    assert response.status_code == 200
    (wait,) = [w for c, w in response.context["rows"] if c.pk == tc.pk]
    assert wait.waited is None and wait.unknown_year == 2039 and not wait.overdue
    html = response.content.decode()
    assert "未知" in html and "未录入2039年节假日安排" in html


# ---------------------------------------------------------------------------------------------------------------
# U4: the roster of a class not yet approved says when enrollment opens


def test_roster_of_a_filed_class_says_when_enrollment_opens(
    provider_staff, provider, training_ref, monkeypatch
) -> None:
    tc = _filed_on(provider, training_ref, D(2025, 9, 26))
    html = client_for(provider_staff).get(reverse("training:roster", args=[tc.pk])).content.decode()
    assert 'id="enrollment-notice"' in html and "开班审核通过后方可报名" in html
    assert "2025-10-10前" in html  # 5 working days after 2025-09-26, over National Day
    assert 'id="enroll"' not in html

    draft = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.DRAFT)
    html = client_for(provider_staff).get(reverse("training:roster", args=[draft.pk])).content.decode()
    assert "开班审核通过后方可报名" in html and "尚未提交开班申请" in html


def test_roster_notice_without_a_date_for_an_unknown_year(provider, training_ref) -> None:
    tc = _filed_on(provider, training_ref, D(2039, 12, 28))
    notice = review_selectors.enrollment_notice(tc)
    assert notice is not None and "开班审核通过后方可报名" in notice and "前）完成审核" not in notice


def test_roster_of_an_approved_class_has_no_notice(provider_staff, approved_class) -> None:
    html = (
        client_for(provider_staff).get(reverse("training:roster", args=[approved_class.pk])).content.decode()
    )
    assert 'id="enrollment-notice"' not in html and 'id="enroll"' in html
