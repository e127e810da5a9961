# ruff: noqa: F811  (fixtures imported from the certificates conftest are used as parameters)
"""我的证书 (issue 11 item 8): a worker sees their own certificates, downloads and the pipeline; nobody else's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.certificates.models import Certificate, EvaluatingBody, LevelAssessment
from lijiao.certificates.selectors import worker as selectors
from lijiao.people.models import Person
from tests.certificates.conftest import make_certificate, make_person, social_body, training_ref  # noqa: F401
from tests.query_budget import assert_constant
from tests.training.conftest import today

pytestmark = pytest.mark.django_db
URL = "/certificates/mine/"


@pytest.fixture
def holder() -> Person:
    return make_person("王小明")


@pytest.fixture
def worker(make_user: Callable[..., User], holder: Person) -> User:
    user = make_user(Role.WORKER)
    user.citizen_id = holder.citizen_id
    user.save()
    return user


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assessment(person: Person, body: EvaluatingBody, **extra: Any) -> LevelAssessment:
    values: dict[str, Any] = {
        "person": person,
        "body": body,
        "site": body.sites.get(),
        "occupation": body.accreditations.filter(occupation__isnull=False).first().occupation,  # type: ignore[union-attr]
        "level": 4,
        "theory_score": Decimal("80"),
        "practical_score": Decimal("75"),
        "passed": True,
        "assessed_on": today() - dt.timedelta(days=3),
    }
    values.update(extra)
    return LevelAssessment.objects.create(**values)


def test_worker_sees_own_certificates_with_status_and_steps(worker: User, holder: Person) -> None:
    mine = make_certificate(holder, report_status=Certificate.Report.ACCEPTED)
    revoked = make_certificate(
        holder, status="revoked", revoked_on=today(), revoked_reason="更正", report_status="pending"
    )
    someone_else = make_certificate(make_person("赵六"))
    text = login(worker).get(URL).content.decode()
    assert mine.number in text and revoked.number in text
    assert someone_else.number not in text
    assert "已撤销" in text and "有效" in text
    assert "可在全国证书查询系统查到" in text and "待上报" in text
    assert reverse("certificates:verify_link", args=[mine.verification_token]) in text


def test_pdf_and_credential_links_only_when_those_screens_exist(worker: User, holder: Person) -> None:
    certificate = make_certificate(holder)
    text = login(worker).get(URL).content.decode()
    for name in ("certificates:certificate_pdf", "certificates:certificate_credential"):
        try:
            url = reverse(name, args=[certificate.pk])
        except NoReverseMatch:
            continue
        assert url in text


def test_pending_assessment_shows_where_it_is(
    worker: User, holder: Person, social_body: EvaluatingBody
) -> None:
    assessment(holder, social_body)
    assessment(holder, social_body, passed=False, theory_score=Decimal("40"))  # failed: not pending
    text = login(worker).get(URL).content.decode()
    assert "办理中" in text and "等待发证" in text
    assert text.count('class="cert-item"') == 1


def test_self_evaluation_waits_for_the_bureau(holder: Person, social_body: EvaluatingBody) -> None:
    pending = assessment(
        holder, social_body, kind=LevelAssessment.Kind.SELF_EVALUATION, status=LevelAssessment.Status.RECORDED
    )
    steps = selectors.assessment_steps(pending)
    assert [s.state for s in steps] == ["current", "waiting", "waiting"]
    assert "待人社部门确认" in str(steps[0].note)


def test_certificate_steps_follow_the_report_status(holder: Person) -> None:
    certificate = make_certificate(holder)
    states = {}
    for report in Certificate.Report.values:
        certificate.report_status = report
        states[report] = selectors.certificate_steps(certificate)[2].state
    assert states == {
        "not_required": "skipped",
        "pending": "current",
        "exported": "current",
        "accepted": "done",
        "failed": "failed",
    }


def test_a_user_without_an_id_number_sees_nothing(make_user: Callable[..., User], holder: Person) -> None:
    make_certificate(holder)
    user = make_user(Role.WORKER)
    response = login(user).get(URL)
    assert response.status_code == 200
    assert 'id="no-identity"' in response.content.decode()
    assert not selectors.my_certificates(user).exists()


def test_another_worker_sees_only_their_own(make_user: Callable[..., User], holder: Person) -> None:
    make_certificate(holder)
    other_person = make_person("孙七")
    theirs = make_certificate(other_person)
    other = make_user(Role.WORKER)
    other.citizen_id = other_person.citizen_id
    other.save()
    assert list(selectors.my_certificates(other)) == [theirs]


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_query_budget(worker: User, holder: Person, social_body: EvaluatingBody) -> None:
    make_certificate(holder, body=social_body)
    assessment(holder, social_body)

    def more() -> None:
        for _n in range(4):
            make_certificate(holder, body=social_body, report_status="exported")
            assessment(holder, social_body)

    assert_constant(login(worker), URL, more, budget=8)
