"""公示 (issue 12 item 6): the 5-working-day notice across holidays, unknown years, objections, approval."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.core.calendar import CalendarUnknown
from lijiao.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from lijiao.people.models import Notification
from lijiao.subsidies.models import ClaimStatus, Objection, Publicity
from lijiao.subsidies.services import publicity as services
from tests.subsidies.payment.conftest import make_claim, make_publicity

pytestmark = pytest.mark.django_db
D = dt.date


def first_approved(n: int = 1, **kw: object) -> list:
    return [make_claim(status=ClaimStatus.FIRST_APPROVED, **kw) for _ in range(n)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "first", "end"),
    [
        # 国庆 2025: Oct 1–8 off; Sunday 9-28 is a make-up workday: Fri 9-26, Sun 9-28, 9-29, 9-30, then 10-9.
        (D(2025, 9, 26), D(2025, 9, 26), D(2025, 10, 9)),
        # Starting on a holiday moves to the first working day (10-9), then Sat 10-11 (make-up) counts.
        (D(2025, 10, 1), D(2025, 10, 9), D(2025, 10, 14)),
        (D(2025, 10, 9), D(2025, 10, 9), D(2025, 10, 14)),
        # an ordinary week, and a Saturday start (→ Monday)
        (D(2025, 11, 3), D(2025, 11, 3), D(2025, 11, 7)),
        (D(2025, 11, 8), D(2025, 11, 10), D(2025, 11, 14)),
        # across 2026's New Year (Jan 1–3 off; Sun Jan 4 a make-up workday)
        (D(2025, 12, 30), D(2025, 12, 30), D(2026, 1, 6)),
    ],
)
def test_publish_counts_five_working_days(reviewer2: User, start: D, first: D, end: D) -> None:
    claims = first_approved(2)
    notice = services.publish_claims(claims=claims, actor=reviewer2, starts_on=start)
    assert (notice.starts_on, notice.ends_on, notice.working_days) == (first, end, 5)
    assert notice.number == f"GS{first:%Y}000001"
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.PUBLICITY and claim.publicity == notice
        assert claim.second_reviewed_by == reviewer2
    assert notice.handling_area.code == "ZS"
    assert notice.objection_contact


def test_publicity_numbers_come_from_a_counter(reviewer2: User) -> None:
    one = services.publish_claims(claims=first_approved(), actor=reviewer2, starts_on=D(2025, 11, 3))
    Publicity.objects.filter(pk=one.pk).update(
        number="GS2025999999"
    )  # count()+1 would collide; a counter not
    two = services.publish_claims(claims=first_approved(), actor=reviewer2, starts_on=D(2025, 11, 4))
    assert two.number == "GS2025000002"


def test_unknown_year_is_refused_and_nothing_written(reviewer2: User) -> None:
    claims = first_approved(1)
    events = AuditEvent.objects.count()
    with pytest.raises(CalendarUnknown) as caught:
        services.publish_claims(claims=claims, actor=reviewer2, starts_on=D(2031, 3, 3))
    assert "2031" in caught.value.message and caught.value.status == 409
    assert not Publicity.objects.exists()
    claims[0].refresh_from_db()
    assert claims[0].status == ClaimStatus.FIRST_APPROVED
    assert AuditEvent.objects.count() == events


def test_an_entered_year_is_counted(reviewer2: User) -> None:
    from lijiao.core.models import HolidayArrangement

    HolidayArrangement.objects.create(year=2031, entered_at=timezone.now(), updated_at=timezone.now())
    notice = services.publish_claims(claims=first_approved(), actor=reviewer2, starts_on=D(2031, 3, 3))
    assert notice.ends_on == D(2031, 3, 7)


def test_publish_refusals(reviewer2: User, make_user: Callable[..., User]) -> None:
    with pytest.raises(PermissionDenied):
        services.publish_claims(claims=first_approved(), actor=make_user(Role.FINANCE))
    with pytest.raises(DomainError):
        services.publish_claims(claims=[], actor=reviewer2)
    with pytest.raises(Conflict):
        services.publish_claims(claims=[make_claim(status=ClaimStatus.SUBMITTED)], actor=reviewer2)
    with pytest.raises(NotFound):  # a ZS reviewer and a XG claim
        services.publish_claims(claims=first_approved(area="XG"), actor=reviewer2)
    assert not Publicity.objects.exists()


# ------------------------------------------------------------------------------------------------ objections


def on_notice(reviewer: User, *, ends: int = 2, **kw: object):
    today = timezone.localdate()
    notice = make_publicity(
        reviewer, starts_on=today - dt.timedelta(days=5), ends_on=today + dt.timedelta(days=ends)
    )
    return make_claim(status=ClaimStatus.PUBLICITY, publicity=notice, **kw)  # type: ignore[arg-type]


def test_public_objection_during_notice(reviewer2: User) -> None:
    claim = on_notice(reviewer2)
    objection = services.raise_objection(
        claim=claim, source=Objection.Source.PUBLIC, text="此人当时并未参加培训。", contact="13800001111"
    )
    assert objection.status == Objection.Status.OPEN and objection.raised_by is None
    assert AuditEvent.objects.filter(
        action="subsidies.objection.raised", object_id=str(objection.pk)
    ).exists()


@pytest.mark.parametrize(
    ("text", "contact"), [("", ""), ("短", ""), ("x" * 1001, ""), ("内容足够长了", "1" * 101)]
)
def test_objection_text_is_validated(reviewer2: User, text: str, contact: str) -> None:
    claim = on_notice(reviewer2)
    with pytest.raises(DomainError) as caught:
        services.raise_objection(claim=claim, source="public", text=text, contact=contact)
    assert caught.value.errors
    assert not Objection.objects.exists()


def test_public_objection_outside_notice_refused(reviewer2: User) -> None:
    claim = on_notice(reviewer2, ends=-1)  # the notice ended yesterday
    with pytest.raises(Conflict):
        services.raise_objection(claim=claim, source="public", text="公示已结束后的异议")
    with pytest.raises(Conflict):
        services.raise_objection(
            claim=make_claim(status=ClaimStatus.APPROVED), source="public", text="不在公示中的异议"
        )
    with pytest.raises(DomainError):
        services.raise_objection(claim=claim, source="nobody", text="来源无效的异议")
    assert not Objection.objects.exists()


def test_person_objects_to_own_claim_only(reviewer2: User, make_user: Callable[..., User]) -> None:
    claim = make_claim(status=ClaimStatus.PAID)
    worker = make_user(Role.WORKER, citizen_id=claim.person.citizen_id)
    stranger = make_user(Role.WORKER)
    objection = services.raise_objection(
        claim=claim, source="person", text="我只收到400元，不是1500元。", actor=worker
    )
    assert objection.raised_by == worker
    with pytest.raises(NotFound):
        services.raise_objection(claim=claim, source="person", text="别人的申请我也想异议", actor=stranger)
    with pytest.raises(NotFound):
        services.raise_objection(claim=claim, source="person", text="匿名冒充本人异议")
    # staff may record what the person said at the counter
    assert services.raise_objection(claim=claim, source="person", text="窗口代为登记的异议", actor=reviewer2)


def test_upheld_objection_returns_the_claim(reviewer2: User) -> None:
    claim = on_notice(reviewer2)
    objection = services.raise_objection(claim=claim, source="public", text="该学员没有参加培训")
    services.resolve_objection(objection=objection, upheld=True, resolution="经核实未参训", actor=reviewer2)
    claim.refresh_from_db()
    objection.refresh_from_db()
    assert objection.status == Objection.Status.UPHELD and objection.resolved_by == reviewer2
    assert claim.status == ClaimStatus.RETURNED and "经核实未参训" in claim.status_reason
    assert Notification.objects.filter(person=claim.person, kind="subsidy_objection").exists()
    with pytest.raises(Conflict):  # resolved once
        services.resolve_objection(objection=objection, upheld=False, resolution="再处理", actor=reviewer2)


def test_upheld_objection_on_approved_claim_holds_payment(reviewer2: User) -> None:
    claim = make_claim(status=ClaimStatus.APPROVED)
    objection = services.raise_objection(
        claim=claim, source="person", text="窗口登记：金额不对", actor=reviewer2
    )
    services.resolve_objection(objection=objection, upheld=True, resolution="金额有误", actor=reviewer2)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.payment_hold


def test_dismissed_objection_moves_nothing(reviewer2: User, make_user: Callable[..., User]) -> None:
    claim = on_notice(reviewer2)
    objection = services.raise_objection(claim=claim, source="public", text="我觉得金额太高了")
    with pytest.raises(PermissionDenied):
        services.resolve_objection(
            objection=objection, upheld=False, resolution="x", actor=make_user(Role.FINANCE)
        )
    with pytest.raises(DomainError):
        services.resolve_objection(objection=objection, upheld=False, resolution="  ", actor=reviewer2)
    services.resolve_objection(objection=objection, upheld=False, resolution="按标准核定", actor=reviewer2)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLICITY


# ------------------------------------------------------------------------------------------------ approval


def test_approval_refused_before_the_end(reviewer2: User) -> None:
    claim = on_notice(reviewer2, ends=0)  # the notice's last day is today
    with pytest.raises(Conflict) as caught:
        services.approve_after_publicity(claim=claim, actor=reviewer2)
    assert "期满后方可批准" in caught.value.message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLICITY


def test_approval_refused_with_open_objection(reviewer2: User) -> None:
    claim = on_notice(reviewer2, ends=0)
    objection = services.raise_objection(claim=claim, source="public", text="异议内容在此")
    from lijiao.subsidies.models import Publicity as P

    P.objects.filter(pk=claim.publicity_id).update(ends_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(Conflict) as caught:
        services.approve_after_publicity(claim=claim, actor=reviewer2)
    assert "异议" in caught.value.message
    services.resolve_objection(objection=objection, upheld=False, resolution="不成立", actor=reviewer2)
    approved = services.approve_after_publicity(claim=claim, actor=reviewer2)
    assert approved.status == ClaimStatus.APPROVED and approved.approved_at is not None


def test_approval_after_the_end_runs_register_check(reviewer2: User, monkeypatch: pytest.MonkeyPatch) -> None:
    claim = on_notice(reviewer2, ends=-1)
    calls = []

    def held(*, claim, actor):  # type: ignore[no-untyped-def]
        calls.append(claim.pk)
        type(claim).objects.filter(pk=claim.pk).update(payment_hold=True, hold_reason="养老金领取人员")
        return []

    monkeypatch.setattr(services, "check_registers", held)
    approved = services.approve_after_publicity(claim=claim, actor=reviewer2)
    assert calls == [claim.pk]
    assert approved.status == ClaimStatus.APPROVED and approved.payment_hold  # approved, but not payable


def test_bulk_approval_of_ended_notices(reviewer2: User) -> None:
    done = on_notice(reviewer2, ends=-1)
    objected = on_notice(reviewer2, ends=-1)
    services.raise_objection(claim=objected, source="person", text="窗口登记的异议", actor=reviewer2)
    running = on_notice(reviewer2, ends=1)
    result = services.approve_ended_publicities(actor=reviewer2)
    assert [c.pk for c in result.approved] == [done.pk]
    assert [c.pk for c, _ in result.skipped] == [objected.pk]
    running.refresh_from_db()
    assert running.status == ClaimStatus.PUBLICITY
    assert Publicity.objects.get(pk=done.publicity_id).closed_at is not None


def test_a_notice_running_into_an_unknown_year_is_refused(reviewer2: User) -> None:
    """Mon 2026-12-28 … Thu 12-31 are four working days; the fifth would be in 2027, which nobody has entered."""
    claims = first_approved(1)
    with pytest.raises(CalendarUnknown) as caught:
        services.publish_claims(claims=claims, actor=reviewer2, starts_on=D(2026, 12, 28))
    assert caught.value.year == 2027
    assert not Publicity.objects.exists()


def test_approval_is_scoped_to_the_reviewers_area(reviewer2: User, make_user: Callable[..., User]) -> None:
    claim = on_notice(reviewer2, ends=-1)
    elsewhere = make_user(Role.SECOND_REVIEWER, area="XG")
    with pytest.raises(NotFound):
        services.approve_after_publicity(claim=claim, actor=elsewhere)
    with pytest.raises(PermissionDenied):
        services.approve_after_publicity(claim=claim, actor=make_user(Role.FIRST_REVIEWER))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLICITY


def test_person_cannot_object_to_a_draft(reviewer2: User) -> None:
    with pytest.raises(Conflict):
        services.raise_objection(
            claim=make_claim(status=ClaimStatus.DRAFT),
            source="person",
            text="草稿不能异议的内容",
            actor=reviewer2,
        )
