# ruff: noqa: F811  (fixtures imported from the training and certificates conftests are used as parameters)
"""Claim fixtures: the schemes, a stand-in ``evaluate_claim`` (so the workflow tests choose which rule fails; tests marked ``real_rules`` run the real one), a
finished class of provider ``provider`` (ZS) with two certified trainees and one without a certificate, the
reviewers (ZS, and one of XG) and the worker whose person is the first trainee.

The fake evaluation passes every rule unless ``claim.facts["fail"]`` names a rule; an overridden rule counts as
passed; the amount is the catalog standard (or ``facts["amount"]``) when passed, 0 otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.certificates.models import Certificate
from lijiao.people.models import Person
from lijiao.providers.models import Provider
from lijiao.subsidies.models import Claim, ClaimEvaluation, Scheme, SchemeKind, SchemeVersion
from lijiao.subsidies.services import evaluation
from lijiao.training.models import ClassStatus, Enrollment, Program, TrainingClass
from tests.certificates.conftest import (  # noqa: F401
    city_admin,
    clerk,
    clerk_elsewhere,
    employer_body,
    employer_evaluator,
    evaluator,
    make_certificate,
    make_person,
    other_provider,
    other_provider_staff,
    program,
    provider,
    provider_staff,
    social_body,
    today,
    training_ref,
)
from tests.conftest import PASSWORD
from tests.training.conftest import make_class


def fake_evaluate(*, claim: Claim, actor: Any, reason: str = "") -> ClaimEvaluation:
    version = SchemeVersion.objects.filter(scheme=claim.scheme).order_by("-number").first()
    if version is None:
        version = SchemeVersion.objects.create(
            scheme=claim.scheme,
            number=1,
            status=SchemeVersion.Status.PUBLISHED,
            effective_from=dt.date(2020, 1, 1),
            content_hash="0" * 64,
        )
    fail = str((claim.facts or {}).get("fail", ""))
    overridden = set(claim.overrides.values_list("rule", flat=True))
    lines = [
        {
            "rule": "R1",
            "label": "已取得证书",
            "inputs": {"证书": claim.certificate_id},
            "passed": True,
            "policy": "先培训后取证再申领",
            "explanation": "已取得证书",
        },
    ]
    if fail:
        lines.append(
            {
                "rule": fail,
                "label": "测试规则",
                "inputs": {},
                "passed": False,
                "policy": "测试政策",
                "explanation": "未通过",
            }
        )
    passed = all(line["passed"] or line["rule"] in overridden for line in lines)
    stated = (claim.facts or {}).get("amount")
    standard = (
        Decimal(str(stated))
        if stated
        else (claim.catalog_item.subsidy_standard if claim.catalog_item else Decimal("500"))
    )
    amount = standard if passed else Decimal("0")
    ClaimEvaluation.objects.filter(claim=claim, current=True).update(current=False)
    row = ClaimEvaluation.objects.create(
        claim=claim,
        scheme_version=version,
        version_hash=version.content_hash,
        facts=dict(claim.facts or {}),
        lines=lines,
        passed=passed,
        amount=amount,
        current=True,
        reason=reason[:200],
        evaluated_by=actor if isinstance(actor, User) else None,
    )
    Claim.objects.filter(pk=claim.pk).update(amount=amount, decision_passed=passed, scheme_version=version)
    claim.amount, claim.decision_passed, claim.scheme_version = amount, passed, version
    return row


@pytest.fixture(autouse=True)
def _fake_rules(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workflow tests decide pass/fail themselves; a test marked ``real_rules`` runs the real evaluator."""
    if request.node.get_closest_marker("real_rules") is None:
        monkeypatch.setattr(evaluation, "evaluate_claim", fake_evaluate)


@pytest.fixture
def schemes(db: None) -> dict[str, Scheme]:
    return {
        kind: Scheme.objects.get_or_create(kind=kind, defaults={"name": str(label)})[0]
        for kind, label in SchemeKind.choices
    }


@pytest.fixture
def finished_class(
    provider: Provider, training_ref: dict[str, Any], program: Program, provider_staff: User
) -> TrainingClass:
    start = today() - dt.timedelta(days=40)
    return make_class(
        provider,
        training_ref["items"]["electrician5"],
        status=ClassStatus.FINISHED,
        start=start,
        program=program,
        created_by=provider_staff,
        name="电工五级培训班（已结业）",
    )


@pytest.fixture
def trainees(finished_class: TrainingClass) -> dict[str, Any]:
    """张三 and 李四 certified, 王五 without a certificate, 赵六 withdrawn."""
    out: dict[str, Any] = {}
    for name in ("张三", "李四", "王五", "赵六"):
        person = make_person(name)
        enrollment = Enrollment.objects.create(
            training_class=finished_class,
            person=person,
            status=Enrollment.Status.WITHDRAWN if name == "赵六" else Enrollment.Status.COMPLETED,
        )
        out[name] = enrollment
    for name in ("张三", "李四", "赵六"):
        enrollment = out[name]
        out[f"cert_{name}"] = make_certificate(
            enrollment.person,
            enrollment=enrollment,
            training_class=finished_class,
            level=5,
            issued_on=finished_class.end_date + dt.timedelta(days=3),
        )
    return out


@pytest.fixture
def reviewer1(make_user: Callable[..., User]) -> User:
    return make_user(Role.FIRST_REVIEWER, username="reviewer1_zs", area="ZS")


@pytest.fixture
def reviewer1_xg(make_user: Callable[..., User]) -> User:
    return make_user(Role.FIRST_REVIEWER, username="reviewer1_xg", area="XG")


@pytest.fixture
def reviewer2(make_user: Callable[..., User]) -> User:
    return make_user(Role.SECOND_REVIEWER, username="reviewer2_zs", area="ZS")


@pytest.fixture
def finance(make_user: Callable[..., User]) -> User:
    return make_user(Role.FINANCE, username="finance1")


@pytest.fixture
def employer_staff(make_user: Callable[..., User]) -> User:
    return make_user(Role.EMPLOYER_STAFF, username="employer1")


@pytest.fixture
def worker_of(make_user: Callable[..., User]) -> Callable[[Person], User]:
    """A worker login whose ID number is ``person``'s."""

    def factory(person: Person) -> User:
        return make_user(Role.WORKER, username=f"worker{person.pk}", citizen_id=person.citizen_id)

    return factory


@pytest.fixture
def password() -> str:
    return PASSWORD


__all__ = ["Certificate"]
