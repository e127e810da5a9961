"""The certificates API for bodies and results: the same rules as the services, over HTTP."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client

from lijiao.accounts.models import User
from lijiao.certificates.models import EvaluatingBody, LevelAssessment
from lijiao.providers.models import Provider
from lijiao.training.models import ClassStatus, Enrollment
from tests.certificates.conftest import make_person
from tests.training.conftest import make_class, today

API = "/api/v1/certificates"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_city_admin_registers_a_body_with_a_site_and_accreditation(
    city_admin: User, training_ref: dict[str, Any], clerk: User, clerk_elsewhere: User
) -> None:
    admin = client_for(city_admin)
    response = post(
        admin, f"{API}/bodies", {"kind": "S", "code": "0456", "name": "大连新评价中心", "handling_area": "ZS"}
    )
    assert response.status_code == 201, response.content
    body_id = response.json()["id"]
    assert (
        post(
            admin,
            f"{API}/bodies/{body_id}/sites",
            {"code": "210299", "name": "甘井子考点", "handling_area": "ZS"},
        ).status_code
        == 201
    )
    response = post(
        admin, f"{API}/bodies/{body_id}/accreditations", {"occupation_code": "6-31-01-03", "levels": [5, 4]}
    )
    assert response.status_code == 201, response.content
    assert response.json()["levels"] == [5, 4]
    detail = admin.get(f"{API}/bodies/{body_id}").json()
    assert [s["code"] for s in detail["sites"]] == ["210299"]
    assert detail["accreditations"][0]["occupation"]["name"] == "电工"
    # the clerk of the body's area reads it, but may not change it; another area's clerk does not see it
    assert client_for(clerk).get(f"{API}/bodies/{body_id}").status_code == 200
    assert (
        post(
            client_for(clerk),
            f"{API}/bodies",
            {"kind": "S", "code": "0457", "name": "x", "handling_area": "ZS"},
        ).status_code
        == 403
    )
    assert client_for(clerk_elsewhere).get(f"{API}/bodies/{body_id}").status_code == 404
    assert client_for(clerk_elsewhere).get(f"{API}/bodies").json()["count"] == 0


def test_a_bad_body_is_refused_with_field_errors(city_admin: User, training_ref: dict[str, Any]) -> None:
    response = post(
        client_for(city_admin),
        f"{API}/bodies",
        {"kind": "S", "code": "12a", "name": "", "handling_area": "ZS"},
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"code", "name"}
    assert not EvaluatingBody.objects.exists()


def test_an_evaluator_records_a_result_over_http(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    person = make_person("赵六")
    response = post(
        client_for(evaluator),
        f"{API}/bodies/{social_body.pk}/results",
        {
            "site_code": "210201",
            "assessed_on": (today() - dt.timedelta(days=2)).isoformat(),
            "occupation_code": "6-31-01-03",
            "level": 4,
            "citizen_id": person.citizen_id,
            "theory_score": "72",
            "practical_score": "58",
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["passed"] is False and data["person_name"] == "赵六"
    assert data["citizen_id_masked"].startswith(person.citizen_id[:4]) and "*" in data["citizen_id_masked"]
    listed = client_for(evaluator).get(f"{API}/bodies/{social_body.pk}/results?passed=false").json()
    assert listed["count"] == 1


def test_pass_cannot_be_typed(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    response = post(
        client_for(evaluator),
        f"{API}/bodies/{social_body.pk}/results",
        {
            "site_code": "210201",
            "assessed_on": today().isoformat(),
            "occupation_code": "6-31-01-03",
            "level": 4,
            "citizen_id": make_person().citizen_id,
            "theory_score": "10",
            "practical_score": "10",
            "passed": True,
        },
    )
    assert response.status_code == 422
    assert not LevelAssessment.objects.exists()


def test_a_provider_is_refused_over_http(
    evaluator: User,
    social_body: EvaluatingBody,
    training_ref: dict[str, Any],
    provider: Provider,
    provider_staff: User,
) -> None:
    """培评分离: the provider's own staff have no route; the body linked to the provider is refused its trainees."""
    finished = make_class(
        provider,
        training_ref["items"]["electrician4"],
        status=ClassStatus.FINISHED,
        start=today() - dt.timedelta(days=40),
    )
    enrollment = Enrollment.objects.create(training_class=finished, person=make_person("学员"))
    body = {
        "site_code": "210201",
        "assessed_on": today().isoformat(),
        "occupation_code": "6-31-01-03",
        "level": 4,
        "enrollment_id": enrollment.pk,
        "theory_score": "90",
        "practical_score": "90",
    }
    url = f"{API}/bodies/{social_body.pk}/results"
    assert post(client_for(provider_staff), url, body).status_code in (403, 404)
    EvaluatingBody.objects.filter(pk=social_body.pk).update(provider=provider)
    response = post(client_for(evaluator), url, body)
    assert response.status_code == 403
    assert "培评分离" in response.json()["message"]
    assert not LevelAssessment.objects.exists()


def test_the_self_evaluation_queue_and_decisions(
    employer_evaluator: User, employer_body: EvaluatingBody, training_ref: dict[str, Any], city_admin: User
) -> None:
    response = post(
        client_for(employer_evaluator),
        f"{API}/bodies/{employer_body.pk}/results",
        {
            "site_code": "210202",
            "assessed_on": today().isoformat(),
            "occupation_code": "6-18-02-04",
            "level": 3,
            "citizen_id": make_person().citizen_id,
            "theory_score": "90",
            "practical_score": "90",
        },
    )
    assert response.status_code == 201, response.content
    result_id = response.json()["id"]
    assert response.json()["status"] == "recorded"
    admin = client_for(city_admin)
    queue = admin.get(f"{API}/self-evaluations/queue").json()
    assert [r["id"] for r in queue["items"]] == [result_id]
    assert post(admin, f"{API}/results/{result_id}/reject", {"reason": ""}).status_code == 400
    response = post(admin, f"{API}/results/{result_id}/reject", {"reason": "考评记录不全"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert response.json()["decision_reason"] == "考评记录不全"
    assert client_for(city_admin).post(f"{API}/results/{result_id}/confirm").status_code == 409
    assert client_for(employer_evaluator).get(f"{API}/self-evaluations/queue").status_code == 403
