"""Assessment results: when they may be recorded, score and date validation, upsert with audit, the bulk form
(service, API, screen), permissions and scope — nothing written on every refusal."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from lijiao.audit.models import AuditEvent
from lijiao.core.errors import Conflict, DomainError, PermissionDenied
from lijiao.training.models import AssessmentResult, ClassStatus, Enrollment, TrainingClass
from lijiao.training.services.assessment import ResultInput, parse_score, record_result, record_results
from tests.training.conftest import make_class, next_monday, today
from tests.training.test_enrollment import make_person


@pytest.fixture
def finished_class(provider, training_ref, program) -> TrainingClass:
    return make_class(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.FINISHED,
        start=next_monday(weeks_ahead=-4),
        program=program,
    )


@pytest.fixture
def trainees(finished_class) -> list[Enrollment]:
    return [
        Enrollment.objects.create(training_class=finished_class, person=make_person(f"学员{i}"))
        for i in range(3)
    ]


def result(**overrides):
    values = {
        "theory_score": "85.5",
        "practical_score": 90,
        "passed": True,
        "assessed_on": today(),
    }
    values.update(overrides)
    return values


def assert_no_results() -> None:
    assert not AssessmentResult.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="training.assessment").exists()


def test_record_and_correct(provider_staff, trainees):
    enrollment = trainees[0]
    saved = record_result(actor=provider_staff, enrollment=enrollment, **result())
    assert saved.theory_score == Decimal("85.50") and saved.practical_score == Decimal("90.00")
    corrected = record_result(
        actor=provider_staff, enrollment=enrollment, **result(practical_score="59", passed=False)
    )
    assert corrected.pk == saved.pk and not corrected.passed
    events = list(AuditEvent.objects.filter(action__startswith="training.assessment").order_by("sequence"))
    assert [e.action for e in events] == ["training.assessment.recorded", "training.assessment.corrected"]
    assert events[1].before["practical_score"] == "90.00" and events[1].after["practical_score"] == "59.00"
    # the same values again change nothing and log nothing
    record_result(actor=provider_staff, enrollment=enrollment, **result(practical_score="59", passed=False))
    assert AuditEvent.objects.filter(action__startswith="training.assessment").count() == 2


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"theory_score": "100.5"}, "theory_score", "0–100"),
        ({"practical_score": -1}, "practical_score", "0–100"),
        ({"theory_score": "85.555"}, "theory_score", "两位小数"),
        ({"theory_score": "八十"}, "theory_score", "不是数字"),
        ({"theory_score": None, "practical_score": ""}, "theory_score", "至少"),
        ({"passed": None}, "passed", "是否合格"),
        ({"assessed_on": None}, "assessed_on", "考核日期"),
        ({"assessed_on": today() + dt.timedelta(days=1)}, "assessed_on", "晚于今天"),
        ({"assessed_on": next_monday(weeks_ahead=-5)}, "assessed_on", "早于开班日期"),
    ],
)
def test_bad_values_are_field_errors(provider_staff, trainees, overrides, field, text):
    with pytest.raises(DomainError) as exc:
        record_result(actor=provider_staff, enrollment=trainees[0], **result(**overrides))
    assert exc.value.errors[0].field == field
    assert text in exc.value.errors[0].message
    assert_no_results()


def test_parse_score():
    assert parse_score("  ", "f", "成绩") == (None, None)
    assert parse_score(60, "f", "成绩") == (Decimal("60.00"), None)
    assert parse_score(59.5, "f", "成绩") == (Decimal("59.50"), None)
    assert parse_score("85.50", "f", "成绩") == (Decimal("85.50"), None)
    for bad in ("NaN", "Infinity", True, "1e3"):
        assert parse_score(bad, "f", "成绩")[1] is not None


@pytest.mark.parametrize("status", [ClassStatus.APPROVED, ClassStatus.CLOSED])
def test_class_state(provider_staff, trainees, finished_class, status):
    TrainingClass.objects.filter(pk=finished_class.pk).update(status=status)
    with pytest.raises(Conflict) as exc:
        record_result(actor=provider_staff, enrollment=trainees[0], **result())
    assert exc.value.code == "class_not_assessable"
    assert_no_results()


def test_running_class_before_its_last_day_is_refused(provider_staff, running_class):
    enrollment = Enrollment.objects.create(training_class=running_class, person=make_person())
    with pytest.raises(Conflict) as exc:
        record_result(actor=provider_staff, enrollment=enrollment, **result())
    assert exc.value.code == "class_not_assessable"
    assert_no_results()


def test_running_class_on_its_last_day(provider_staff, provider, training_ref):
    start = today() - dt.timedelta(days=3)
    from tests.training.conftest import aware

    sessions = [
        {
            "starts_at": aware(start + dt.timedelta(days=d), 9),
            "ends_at": aware(start + dt.timedelta(days=d), 12),
        }
        for d in range(4)
    ]
    klass = make_class(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.RUNNING,
        start=start,
        sessions=sessions,
    )
    assert klass.end_date == today()
    enrollment = Enrollment.objects.create(training_class=klass, person=make_person())
    record_result(actor=provider_staff, enrollment=enrollment, **result())
    assert AssessmentResult.objects.count() == 1


def test_assessed_class_may_still_be_corrected(provider_staff, trainees, finished_class):
    record_result(actor=provider_staff, enrollment=trainees[0], **result())
    TrainingClass.objects.filter(pk=finished_class.pk).update(status=ClassStatus.ASSESSED)
    record_result(actor=provider_staff, enrollment=trainees[0], **result(theory_score=70))
    assert AssessmentResult.objects.get().theory_score == 70


def test_withdrawn_trainee(provider_staff, trainees):
    Enrollment.objects.filter(pk=trainees[0].pk).update(status=Enrollment.Status.WITHDRAWN)
    with pytest.raises(DomainError) as exc:
        record_result(actor=provider_staff, enrollment=trainees[0], **result())
    assert "退出" in exc.value.errors[0].message
    assert_no_results()


def test_permissions(other_provider_staff, clerk, trainees):
    for actor in (other_provider_staff, clerk):
        with pytest.raises(PermissionDenied):
            record_result(actor=actor, enrollment=trainees[0], **result())
    assert_no_results()


def test_bulk_is_all_or_nothing(provider_staff, finished_class, trainees, running_class):
    rows = [ResultInput(e.pk, "80", "75", True, today()) for e in trainees]
    bad = [*rows[:2], ResultInput(trainees[2].pk, "101", "75", True, today())]
    with pytest.raises(DomainError) as exc:
        record_results(actor=provider_staff, training_class=finished_class, rows=bad)
    assert exc.value.errors[0].field == f"results[{trainees[2].pk}].theory_score"
    assert "学员2" in exc.value.errors[0].message
    assert_no_results()
    stranger = Enrollment.objects.create(training_class=running_class, person=make_person("外班"))
    with pytest.raises(DomainError) as exc:
        record_results(
            actor=provider_staff,
            training_class=finished_class,
            rows=[*rows, ResultInput(stranger.pk, "80", "80", True, today())],
        )
    assert exc.value.errors[0].field == f"results[{stranger.pk}].enrollment"
    with pytest.raises(DomainError):
        record_results(actor=provider_staff, training_class=finished_class, rows=[rows[0], rows[0]])
    assert_no_results()
    saved = record_results(actor=provider_staff, training_class=finished_class, rows=rows)
    assert len(saved) == 3 and AssessmentResult.objects.count() == 3
    # one audit event for the sheet, with every result; a correction is audited with its before
    event = AuditEvent.objects.get(action="training.assessment.results_recorded")
    assert event.after["recorded"] == 3 and set(event.after["results"]) == {str(e.pk) for e in trainees}
    rows[0] = ResultInput(trainees[0].pk, "55", "75", False, today())
    record_results(actor=provider_staff, training_class=finished_class, rows=rows)
    event = AuditEvent.objects.filter(action="training.assessment.results_recorded").latest("sequence")
    assert event.after["corrected"] == 1 and list(event.after["results"]) == [str(trainees[0].pk)]
    assert event.after["results"][str(trainees[0].pk)]["before"]["theory_score"] == "80.00"
    assert AssessmentResult.objects.get(enrollment=trainees[0]).passed is False


def test_results_api(provider_staff, clerk, other_provider_staff, finished_class, trainees):
    client = Client()
    client.force_login(provider_staff)
    url = f"/api/v1/training/classes/{finished_class.pk}/results"
    body = {
        "assessed_on": today().isoformat(),
        "rows": [
            {"enrollment_id": trainees[0].pk, "theory_score": "88", "practical_score": 92.5, "passed": True}
        ],
    }
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    rows = {r["enrollment_id"]: r for r in response.json()}
    assert rows[trainees[0].pk]["passed"] is True and rows[trainees[1].pk]["passed"] is None
    body["rows"][0]["theory_score"] = "88.888"
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == f"results[{trainees[0].pk}].theory_score"
    client.force_login(clerk)
    assert client.get(url).status_code == 200
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 403
    client.force_login(other_provider_staff)
    assert client.get(url).status_code == 404


def test_results_screen(client: Client, provider_staff, clerk, finished_class, trainees):
    client.force_login(provider_staff)
    url = reverse("training:results", args=[finished_class.pk])
    page = client.get(url).content.decode()
    assert f'name="theory_{trainees[0].pk}"' in page
    data = {
        "assessed_on": today().isoformat(),
        f"theory_{trainees[0].pk}": "90",
        f"practical_{trainees[0].pk}": "80",
        f"passed_{trainees[0].pk}": "1",
        f"theory_{trainees[1].pk}": "120",
        f"passed_{trainees[1].pk}": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "0–100" in response.content.decode()
    assert_no_results()
    data[f"theory_{trainees[1].pk}"] = "40"
    assert client.post(url, data).status_code == 302
    assert AssessmentResult.objects.count() == 2
    client.force_login(clerk)
    page = client.get(url).content.decode()
    assert 'name="theory_' not in page and "合格" in page
    assert client.post(url, data).status_code == 403


def test_result_counts_on_the_class_follow_the_results(provider_staff, finished_class, trainees):
    """Each class carries its results' counts for the credit record (ADR 0014): recording, correcting and a
    whole sheet keep them equal to counting the results."""
    from django.db.models import Count, Q

    from lijiao.providers.selectors import credit_record
    from lijiao.training.models import AssessmentResult
    from lijiao.training.services.assessment import ResultInput, record_result, record_results

    tc, enrollments = finished_class, trainees

    def counts() -> tuple[int, int]:
        tc.refresh_from_db()
        truth = AssessmentResult.objects.filter(enrollment__training_class=tc).aggregate(
            a=Count("pk"), p=Count("pk", filter=Q(passed=True))
        )
        assert (tc.assessed_count, tc.passed_count) == (truth["a"], truth["p"])
        return tc.assessed_count, tc.passed_count

    first = enrollments[0]
    record_result(actor=provider_staff, enrollment=first, **result())
    assert counts() == (1, 1)
    record_result(actor=provider_staff, enrollment=first, **result(passed=False, theory_score=50))
    assert counts() == (1, 0)
    rows = [ResultInput(e.pk, 90, 90, True, today()) for e in enrollments]
    record_results(actor=provider_staff, training_class=tc, rows=rows)
    assert counts() == (len(enrollments), len(enrollments))
    record = credit_record(tc.provider)
    assert (record.assessed_count, record.passed_count) == (len(enrollments), len(enrollments))
