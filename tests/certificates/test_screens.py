"""The registry and results screens: what each role sees and does, refusals, and query budgets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.certificates.models import EvaluatingBody, EvaluationSite, LevelAssessment
from lijiao.certificates.services import results
from lijiao.core.models import HandlingArea
from lijiao.providers.models import Provider
from lijiao.training.models import ClassStatus, Enrollment
from tests.certificates.conftest import make_person
from tests.query_budget import assert_constant
from tests.training.conftest import make_class, today


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_result(evaluator: User, body: EvaluatingBody, ref: dict[str, Any], **scores: str) -> LevelAssessment:
    return results.record_result(
        actor=evaluator,
        body=body,
        site=body.sites.get(),
        assessed_on=today() - dt.timedelta(days=1),
        occupation=ref["electrician"],
        level=4,
        citizen_id=make_person().citizen_id,
        theory_score=scores.get("theory", "80"),
        practical_score=scores.get("practical", "80"),
    )


def test_the_admin_registers_a_body_on_screen(city_admin: User, training_ref: dict[str, Any]) -> None:
    client = login(city_admin)
    area = HandlingArea.objects.get(code="ZS")
    response = client.post(
        reverse("certificates:body_create"),
        {
            "kind": "S",
            "code": "0777",
            "name": "屏幕测试评价中心",
            "province_code": "21",
            "handling_area": area.pk,
            "status": "active",
        },
    )
    body = EvaluatingBody.objects.get(code="0777")
    assert response.status_code == 302 and response["Location"].endswith(f"/bodies/{body.pk}/")
    response = client.post(
        reverse("certificates:site_add", args=[body.pk]),
        {"code": "21", "name": "站", "handling_area": area.pk},
    )
    assert response.status_code == 400 and "6位数字" in response.content.decode()
    assert not EvaluationSite.objects.filter(body=body).exists()
    response = client.post(
        reverse("certificates:accreditation_add", args=[body.pk]),
        {"occupation": "6-31-01-03", "levels": ["5", "4"]},
    )
    assert response.status_code == 302
    page = client.get(reverse("certificates:body_detail", args=[body.pk])).content.decode()
    assert "电工" in page and "屏幕测试评价中心" in page


def test_an_evaluator_records_on_screen_and_a_provider_cannot(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], provider_staff: User
) -> None:
    person = make_person("屏幕考生")
    url = reverse("certificates:results", args=[social_body.pk])
    data = {
        "site": social_body.sites.get().pk,
        "assessed_on": today().isoformat(),
        "occupation": "6-31-01-03",
        "level": "4",
        "citizen_id": person.citizen_id,
        "theory_score": "88",
        "practical_score": "59",
    }
    response = login(evaluator).post(url, data)
    assert response.status_code == 302
    assert LevelAssessment.objects.get().passed is False
    assert login(provider_staff).post(url, data).status_code in (403, 404)
    assert LevelAssessment.objects.count() == 1
    page = login(evaluator).get(url).content.decode()
    assert "屏幕考生" in page and "不合格" in page and person.citizen_id not in page


def test_the_class_sheet_records_a_class_and_refuses_the_own_provider(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], provider: Provider
) -> None:
    finished = make_class(
        provider,
        training_ref["items"]["electrician4"],
        status=ClassStatus.FINISHED,
        start=today() - dt.timedelta(days=40),
    )
    enrollments = [
        Enrollment.objects.create(training_class=finished, person=make_person(n)) for n in ("甲", "乙")
    ]
    url = reverse("certificates:results_class", args=[social_body.pk])
    client = login(evaluator)
    page = client.get(url, {"code": finished.code}).content.decode()
    assert "甲" in page and "乙" in page
    data = {
        "code": finished.code,
        "site": social_body.sites.get().pk,
        "assessed_on": today().isoformat(),
        "occupation": "6-31-01-03",
        "level": "4",
        f"theory_{enrollments[0].pk}": "90",
        f"practical_{enrollments[0].pk}": "90",
        f"theory_{enrollments[1].pk}": "900",
        f"practical_{enrollments[1].pk}": "90",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "0–100" in response.content.decode()
    assert not LevelAssessment.objects.exists()
    data[f"theory_{enrollments[1].pk}"] = "61"
    assert client.post(url, data).status_code == 302
    assert LevelAssessment.objects.count() == 2
    EvaluatingBody.objects.filter(pk=social_body.pk).update(provider=provider)
    assert client.get(url, {"code": finished.code}).status_code == 403


def test_the_clerk_confirms_on_the_queue(
    employer_evaluator: User,
    employer_body: EvaluatingBody,
    training_ref: dict[str, Any],
    make_user: Callable[..., User],
) -> None:
    result = results.record_result(
        actor=employer_evaluator,
        body=employer_body,
        site=employer_body.sites.get(),
        assessed_on=today(),
        occupation=training_ref["welder"],
        level=4,
        citizen_id=make_person("职工").citizen_id,
        theory_score="70",
        practical_score="70",
    )
    clerk_xg = login(make_user(Role.DISTRICT_CLERK, area="XG"))
    assert "职工" in clerk_xg.get(reverse("certificates:selfevaluation_queue")).content.decode()
    response = clerk_xg.post(
        reverse("certificates:selfevaluation_decide", args=[result.pk]), {"decision": "confirm"}
    )
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.status == LevelAssessment.Status.CONFIRMED
    clerk_zs = login(make_user(Role.DISTRICT_CLERK, area="ZS"))
    assert "职工" not in clerk_zs.get(reverse("certificates:selfevaluation_queue")).content.decode()


# --- query budgets -----------------------------------------------------------------------------------------


@pytest.fixture
def more_bodies(training_ref: dict[str, Any]) -> Callable[[], None]:
    def add() -> None:
        area = HandlingArea.objects.get(code="ZS")
        for n in range(5):
            body = EvaluatingBody.objects.create(
                kind="S", code=f"09{n:02d}", name=f"评价中心{n}", handling_area=area
            )
            EvaluationSite.objects.create(body=body, code=f"2102{n:02d}", name="考点", handling_area=area)

    return add


@pytest.mark.parametrize(
    ("url", "budget"), [("/certificates/bodies/", 14), ("/api/v1/certificates/bodies", 12)]
)
def test_body_lists_have_a_constant_query_count(
    city_admin: User, social_body: EvaluatingBody, more_bodies: Callable[[], None], url: str, budget: int
) -> None:
    assert_constant(login(city_admin), url, more_bodies, budget)


def test_body_detail_has_a_constant_query_count(
    city_admin: User, social_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    serial = iter(range(100))

    def add() -> None:
        area = HandlingArea.objects.get(code="ZS")
        for _n in range(4):
            n = next(serial)
            EvaluationSite.objects.create(
                body=social_body, code=f"2103{n:02d}", name=f"考点{n}", handling_area=area
            )

    assert_constant(login(city_admin), f"/certificates/bodies/{social_body.pk}/", add, 16)
    assert_constant(login(city_admin), f"/api/v1/certificates/bodies/{social_body.pk}", add, 12)


@pytest.mark.parametrize("where", ["screen", "api", "queue", "queue_api"])
def test_result_lists_have_a_constant_query_count(
    evaluator: User,
    employer_evaluator: User,
    social_body: EvaluatingBody,
    employer_body: EvaluatingBody,
    training_ref: dict[str, Any],
    city_admin: User,
    where: str,
) -> None:
    if where.startswith("queue"):

        def add_one() -> None:
            results.record_result(
                actor=employer_evaluator,
                body=employer_body,
                site=employer_body.sites.get(),
                assessed_on=today(),
                occupation=training_ref["welder"],
                level=4,
                citizen_id=make_person().citizen_id,
                theory_score="70",
                practical_score="70",
            )

        client, url = (
            login(city_admin),
            (
                "/certificates/self-evaluations/"
                if where == "queue"
                else "/api/v1/certificates/self-evaluations/queue"
            ),
        )
    else:

        def add_one() -> None:
            add_result(evaluator, social_body, training_ref)

        client = login(evaluator)
        url = (
            f"/certificates/bodies/{social_body.pk}/results/"
            if where == "screen"
            else f"/api/v1/certificates/bodies/{social_body.pk}/results"
        )
    add_one()

    def add() -> None:
        for _n in range(4):
            add_one()

    assert_constant(client, url, add, 16)


def test_the_class_sheet_has_a_constant_query_count(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any], provider: Provider
) -> None:
    finished = make_class(
        provider,
        training_ref["items"]["electrician4"],
        status=ClassStatus.FINISHED,
        start=today() - dt.timedelta(days=40),
    )
    Enrollment.objects.create(training_class=finished, person=make_person("一"))

    def add() -> None:
        for name in ("二", "三", "四", "五"):
            Enrollment.objects.create(training_class=finished, person=make_person(name))

    url = reverse("certificates:results_class", args=[social_body.pk]) + f"?code={finished.code}"
    assert_constant(login(evaluator), url, add, 16)
