"""From results to certificates: the "颁发证书" action on a body's results."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from lijiao.accounts.models import User
from lijiao.certificates.models import Certificate, EvaluatingBody, LevelAssessment
from lijiao.certificates.services import results, results_issue, selfevaluation
from lijiao.core.errors import DomainError, PermissionDenied
from tests.certificates.conftest import make_person
from tests.training.conftest import today


def record(
    actor: User, body: EvaluatingBody, occupation: Any, level: int, theory: str = "80"
) -> LevelAssessment:
    return results.record_result(
        actor=actor,
        body=body,
        site=body.sites.get(),
        assessed_on=today() - dt.timedelta(days=1),
        occupation=occupation,
        level=level,
        citizen_id=make_person().citizen_id,
        theory_score=theory,
        practical_score="80",
    )


def test_the_body_issues_its_passed_results(
    evaluator: User, social_body: EvaluatingBody, training_ref: dict[str, Any]
) -> None:
    passed = record(evaluator, social_body, training_ref["electrician"], 4)
    record(evaluator, social_body, training_ref["electrician"], 4, theory="10")  # failed: never certified
    client = Client()
    client.force_login(evaluator)
    response = client.post(
        f"/api/v1/certificates/bodies/{social_body.pk}/results/issue",
        json.dumps({}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    [certificate] = Certificate.objects.all()
    assert (
        certificate.assessment == passed
        and response.json()["certificates"][0]["number"] == certificate.number
    )
    assert len(certificate.number) == 22 and certificate.number.startswith("S0001")
    with pytest.raises(DomainError, match="没有可颁证的结果"):
        results_issue.issue_results(actor=evaluator, body=social_body)


def test_a_self_evaluation_is_certified_only_once_confirmed(
    employer_evaluator: User, employer_body: EvaluatingBody, training_ref: dict[str, Any], city_admin: User
) -> None:
    result = record(employer_evaluator, employer_body, training_ref["welder"], 3)
    with pytest.raises(DomainError):
        results_issue.issue_results(actor=city_admin, body=employer_body, assessment_ids=[result.pk])
    selfevaluation.confirm_self_evaluation(actor=city_admin, assessment=result)
    [certificate] = results_issue.issue_results(actor=city_admin, body=employer_body)
    assert certificate.source == Certificate.Source.SELF_EVALUATION and certificate.number.startswith("Y0002")


def test_others_may_not_issue(
    evaluator: User,
    social_body: EvaluatingBody,
    training_ref: dict[str, Any],
    employer_evaluator: User,
    clerk: User,
) -> None:
    record(evaluator, social_body, training_ref["electrician"], 4)
    for actor in (employer_evaluator, clerk):
        with pytest.raises(PermissionDenied):
            results_issue.issue_results(actor=actor, body=social_body)
    assert not Certificate.objects.exists()
