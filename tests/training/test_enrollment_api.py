"""Enrollment through the REST API and the screens: permissions, scope (provider B never sees provider A's
trainees), masked IDs, refusals with reasons and nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lijiao.accounts.models import User
from lijiao.audit.models import AuditEvent
from lijiao.people.models import Person, PersonGroup
from lijiao.training.models import Enrollment, TrainingClass
from lijiao.training.selectors.enrollment import (
    attendance_sheet,
    class_roster,
    get_enrollment,
    visible_enrollments,
    visible_people,
)
from lijiao.training.services.enrollment import enroll
from tests.training.conftest import make_class, next_monday, today
from tests.training.test_enrollment import citizen_id, make_person, years_ago

BASE = "/api/v1/training"


class Api:
    def __init__(self, user: User | None) -> None:
        self.client = Client()
        if user is not None:
            self.client.force_login(user)

    def get(self, path: str) -> Any:
        return self.client.get(BASE + path)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(BASE + path, json.dumps(body), content_type="application/json")

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(BASE + path, json.dumps(body), content_type="application/json")

    def delete(self, path: str) -> Any:
        return self.client.delete(BASE + path)


def person_body(number: str, name: str = "张三", **extra: Any) -> dict[str, Any]:
    return {"citizen_id": number, "name": name, **extra}


@pytest.fixture
def enrolled(provider_staff, approved_class) -> Enrollment:
    person = make_person("甲学员", phone="13812345678")
    return enroll(actor=provider_staff, training_class=approved_class, person=person)


# ------------------------------------------------------------------------------------------------ selectors


def test_selector_scope(enrolled, provider_staff, other_provider_staff, clerk, clerk_elsewhere, city_admin):
    assert list(visible_enrollments(provider_staff)) == [enrolled]
    assert list(visible_enrollments(clerk)) == [enrolled]
    assert list(visible_enrollments(city_admin)) == [enrolled]
    assert not visible_enrollments(other_provider_staff).exists()
    assert not visible_enrollments(clerk_elsewhere).exists()
    assert not visible_people(other_provider_staff).exists()
    assert list(visible_people(provider_staff)) == [enrolled.person]
    from lijiao.core.errors import NotFound

    with pytest.raises(NotFound):
        get_enrollment(other_provider_staff, enrolled.pk)


def test_attendance_sheet_is_set_based(provider_staff, running_class, django_assert_num_queries):
    for i in range(12):
        Enrollment.objects.create(training_class=running_class, person=make_person(f"学员{i}"))
    with django_assert_num_queries(3):
        sheet = attendance_sheet(running_class)
    assert len(sheet.rows) == 12 and len(sheet.sessions) == 10


# ------------------------------------------------------------------------------------------------ API


def test_api_enroll_registers_and_answers_masked(provider_staff, approved_class):
    api = Api(provider_staff)
    number = citizen_id(years_ago(25))
    response = api.post(
        f"/classes/{approved_class.pk}/enrollments",
        person_body(
            number.lower().replace("x", "x"),
            phone="138 1234 5678",
            household="rural",
            groups=[{"group": "rural_migrant"}],
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"]["citizen_id_masked"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in response.content.decode()
    assert body["person"]["phone_masked"] == "138****5678"
    assert body["eligibility"]["passed"] is True and body["eligibility"]["reasons"] == []
    assert body["eligibility"] == Enrollment.objects.get(pk=body["id"]).eligibility_decision.record
    assert [g["group"] for g in body["person"]["groups"]] == ["rural_migrant"]
    roster = api.get(f"/classes/{approved_class.pk}/enrollments").json()
    assert [r["id"] for r in roster] == [body["id"]]
    assert roster[0]["eligibility"] == body["eligibility"]
    assert api.get(f"/enrollments/{body['id']}").json()["eligibility"]["trace"]
    assert (
        api.get(f"/persons/{body['person']['id']}/enrollments").json()[0]["eligibility"]
        == body["eligibility"]
    )


def test_api_refusal_writes_nothing_not_even_the_person(provider_staff, approved_class):
    api = Api(provider_staff)
    number = citizen_id(years_ago(70))
    events = AuditEvent.objects.count()
    response = api.post(
        f"/classes/{approved_class.pk}/enrollments",
        person_body(number, groups=[{"group": "veteran"}]),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "not_eligible"
    assert [e["message"] for e in body["errors"]] == ["未达到法定退休年龄", "不超过60周岁"]
    assert not Person.objects.exists() and not PersonGroup.objects.exists()
    assert AuditEvent.objects.count() == events


def test_api_bad_id_and_group_evidence_are_field_errors(provider_staff, approved_class):
    api = Api(provider_staff)
    response = api.post(f"/classes/{approved_class.pk}/enrollments", person_body("3.70102E+17"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "citizen_id"
    assert "文本" in response.json()["errors"][0]["message"]
    response = api.post(
        f"/classes/{approved_class.pk}/enrollments",
        person_body(citizen_id(years_ago(25)), groups=[{"group": "unemployed"}]),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "groups[0].registration_number"
    assert not Person.objects.exists()


def test_api_overlap_and_full_are_409(provider_staff, provider, training_ref):
    start = next_monday(weeks_ahead=2)
    first = make_class(provider, training_ref["items"]["electrician5"], start=start)
    second = make_class(provider, training_ref["items"]["welder4"], start=start, capacity=1)
    api = Api(provider_staff)
    number = citizen_id(years_ago(30))
    assert api.post(f"/classes/{first.pk}/enrollments", person_body(number)).status_code == 201
    response = api.post(f"/classes/{second.pk}/enrollments", person_body(number))
    assert response.status_code == 409 and response.json()["code"] == "overlapping_class"
    assert first.code in response.json()["message"]
    other = citizen_id(years_ago(30))
    assert api.post(f"/classes/{second.pk}/enrollments", person_body(other, "李四")).status_code == 201
    response = api.post(f"/classes/{second.pk}/enrollments", person_body(citizen_id(years_ago(31)), "王五"))
    assert response.status_code == 409 and response.json()["code"] == "class_full"


def test_api_scope_other_provider_sees_nothing(enrolled, other_provider_staff, clerk_elsewhere):
    class_id = enrolled.training_class_id
    for user in (other_provider_staff, clerk_elsewhere):
        api = Api(user)
        assert api.get(f"/classes/{class_id}/enrollments").status_code == 404
        assert api.get(f"/enrollments/{enrolled.pk}").status_code == 404
        assert api.get(f"/persons/{enrolled.person_id}").status_code == 404
        assert api.get(f"/classes/{class_id}/attendance").status_code == 404
        assert api.get(f"/classes/{class_id}/results").status_code == 404
    response = Api(other_provider_staff).post(
        f"/classes/{class_id}/enrollments", person_body(citizen_id(years_ago(30)))
    )
    assert response.status_code == 404
    response = Api(other_provider_staff).post(f"/enrollments/{enrolled.pk}/withdraw", {"reason": "x"})
    assert response.status_code == 404
    assert Enrollment.objects.get(pk=enrolled.pk).status == Enrollment.Status.ACTIVE


def test_api_clerk_reads_but_cannot_write(enrolled, clerk):
    api = Api(clerk)
    class_id = enrolled.training_class_id
    assert api.get(f"/classes/{class_id}/enrollments").status_code == 200
    assert api.get(f"/persons/{enrolled.person_id}").json()["name"] == "甲学员"
    assert (
        api.post(f"/classes/{class_id}/enrollments", person_body(citizen_id(years_ago(30)))).status_code
        == 403
    )
    assert api.post(f"/enrollments/{enrolled.pk}/withdraw", {"reason": "x"}).status_code == 403
    assert api.post("/persons", person_body(citizen_id(years_ago(30)))).status_code == 403


def test_api_anonymous_is_401_and_unknown_ids_404(provider_staff):
    assert Api(None).get("/classes/1/enrollments").status_code == 401
    api = Api(provider_staff)
    assert api.get("/classes/999999/enrollments").status_code == 404
    assert api.get("/enrollments/999999").status_code == 404
    assert api.post("/enrollments/999999/withdraw", {"reason": "x"}).status_code == 404
    assert (
        api.post(
            "/sessions/999999/checkins", {"checked_at": "2025-01-01T09:00:00+08:00", "method": "qr"}
        ).status_code
        == 404
    )


def test_api_withdraw(enrolled, provider_staff):
    api = Api(provider_staff)
    response = api.post(f"/enrollments/{enrolled.pk}/withdraw", {"reason": ""})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"
    response = api.post(f"/enrollments/{enrolled.pk}/withdraw", {"reason": "找到工作"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert TrainingClass.objects.get(pk=enrolled.training_class_id).enrolled_count == 0


def test_api_person_register_lookup_and_groups(provider_staff, enrolled):
    api = Api(provider_staff)
    number = citizen_id(years_ago(22))
    messy = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number[:6]) + " " + number[6:].lower()
    response = api.post("/persons", person_body(messy, "孙毕业"))
    assert response.status_code == 200, response.content
    person_id = response.json()["id"]
    found = api.post("/persons/lookup", {"citizen_id": number, "name": "孙毕业"})
    assert found.status_code == 200 and found.json() == {"match": True, "person": None}  # not a trainee (yet)
    unknown = api.post("/persons/lookup", {"citizen_id": citizen_id(years_ago(40)), "name": "孙毕业"})
    assert unknown.status_code == 200 and unknown.json() == {"match": False, "person": None}
    assert api.post("/persons/lookup", {"citizen_id": "123", "name": "孙毕业"}).status_code == 400
    assert person_id
    # groups of a trainee of the provider's class
    pid = enrolled.person_id
    response = api.put(f"/persons/{pid}/groups/graduate", {"graduation_year": today().year - 1})
    assert response.status_code == 200
    assert [g["group"] for g in response.json()["groups"]] == ["graduate"]
    response = api.put(f"/persons/{pid}/groups/graduate", {})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "graduation_year"
    assert api.delete(f"/persons/{pid}/groups/graduate").status_code == 204
    assert api.delete(f"/persons/{pid}/groups/graduate").status_code == 404
    enrollments = api.get(f"/persons/{pid}/enrollments").json()
    assert [e["id"] for e in enrollments] == [enrolled.pk]


def test_roster_reads_the_decisions_in_one_query(provider_staff, approved_class, django_assert_num_queries):
    for age in (20, 30, 40, 50):  # four ages: four distinct decision records
        enroll(actor=provider_staff, training_class=approved_class, person=make_person(birth=years_ago(age)))
    with django_assert_num_queries(2):  # enrollments with person, result and decision; the groups
        rows = list(class_roster(approved_class))
        decisions = [e.eligibility for e in rows]
    assert len({e.eligibility_decision_id for e in rows}) == 4
    assert all(d["passed"] is True and d["trace"] for d in decisions)
    assert {c["actual"] for d in decisions for c in d["trace"] if c["fact"] == "age"} == {20, 30, 40, 50}


# ------------------------------------------------------------------------------------------------ screens


def test_roster_screen_enrolls_and_masks(client: Client, provider_staff, approved_class):
    client.force_login(provider_staff)
    url = reverse("training:roster", args=[approved_class.pk])
    page = client.get(url)
    assert page.status_code == 200 and "报名一名学员" in page.content.decode()
    number = citizen_id(years_ago(28))
    response = client.post(
        url,
        {
            "citizen_id": number[:-1] + number[-1].lower(),
            "name": "周学员",
            "groups": ["graduate"],
            "graduation_year": str(today().year - 2),
        },
    )
    assert response.status_code == 302, response.content.decode()
    page = client.get(url).content.decode()
    assert "周学员" in page and number not in page and number[:4] + "**********" + number[-4:] in page
    enrollment = Enrollment.objects.get(person__name="周学员")
    trace = enrollment.eligibility["trace"]
    assert f"符合（{len(trace)} 项检查）" in page  # the stored decision and its trace, on the roster
    assert all(c["label"] in page for c in trace)
    assert PersonGroup.objects.get(person=enrollment.person).graduation_year == today().year - 2


def test_roster_screen_shows_the_refusal_reasons(client: Client, provider_staff, approved_class):
    client.force_login(provider_staff)
    url = reverse("training:roster", args=[approved_class.pk])
    response = client.post(url, {"citizen_id": citizen_id(years_ago(70)), "name": "老人"})
    assert response.status_code == 200
    assert "不超过60周岁" in response.content.decode()
    assert not Person.objects.exists()
    response = client.post(url, {"citizen_id": "21020219900101123", "name": "错号"})
    assert "身份证号" in response.content.decode() and not Person.objects.exists()


def test_roster_screen_withdraw(client: Client, provider_staff, enrolled):
    client.force_login(provider_staff)
    response = client.post(reverse("training:withdraw", args=[enrolled.pk]), {"reason": "生病"})
    assert response.status_code == 302
    assert Enrollment.objects.get(pk=enrolled.pk).status == Enrollment.Status.WITHDRAWN


def test_screens_scope(client: Client, enrolled, other_provider_staff, clerk, clerk_elsewhere):
    class_id = enrolled.training_class_id
    urls = [
        reverse("training:roster", args=[class_id]),
        reverse("training:attendance", args=[class_id]),
        reverse("training:results", args=[class_id]),
        reverse("training:person", args=[enrolled.person_id]),
    ]
    for user in (other_provider_staff, clerk_elsewhere):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert (
            client.post(reverse("training:withdraw", args=[enrolled.pk]), {"reason": "x"}).status_code == 404
        )
    client.force_login(clerk)
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
    roster = client.get(urls[0]).content.decode()
    assert "甲学员" in roster and "报名一名学员" not in roster and "withdraw" not in roster
    assert client.post(urls[0], {"citizen_id": citizen_id(years_ago(30)), "name": "x"}).status_code == 403
    assert client.post(reverse("training:withdraw", args=[enrolled.pk]), {"reason": "x"}).status_code == 403
    assert Enrollment.objects.get(pk=enrolled.pk).status == Enrollment.Status.ACTIVE


def test_screens_need_login(client: Client, enrolled):
    response = client.get(reverse("training:roster", args=[enrolled.training_class_id]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_person_page_groups(client: Client, provider_staff, enrolled):
    client.force_login(provider_staff)
    url = reverse("training:person", args=[enrolled.person_id])
    response = client.post(url, {"group": "insured", "insured_months": "-1"})
    assert response.status_code == 200 and not PersonGroup.objects.exists()
    response = client.post(url, {"group": "insured", "insured_months": "36"})
    assert response.status_code == 302
    assert PersonGroup.objects.get().insured_months == 36
    response = client.post(reverse("training:person_group_remove", args=[enrolled.person_id, "insured"]))
    assert response.status_code == 302 and not PersonGroup.objects.exists()
