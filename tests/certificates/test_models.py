"""The certificate tables' own guarantees: the constraints and the seeded rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from lijiao.accounts.roles import Role
from lijiao.certificates.models import Certificate, EvaluatingBody, NumberFormat, PassRule
from lijiao.core.models import HandlingArea
from tests.certificates.conftest import make_certificate

pytestmark = pytest.mark.django_db


def test_pass_rules_and_number_formats_are_seeded() -> None:
    default = PassRule.objects.get(level=None)
    assert (default.theory_min, default.practical_min, default.needs_review) == (60, 60, False)
    assert PassRule.objects.get(level=2).needs_review and PassRule.objects.get(level=1).needs_review
    assert set(NumberFormat.objects.values_list("certificate_type", flat=True)) == {"special", "training"}


def test_a_body_code_is_four_digits_and_unique_per_kind() -> None:
    area = HandlingArea.objects.get(code="ZS")
    EvaluatingBody.objects.create(kind="S", code="0420", name="甲", handling_area=area)
    EvaluatingBody.objects.create(kind="Y", code="0420", name="乙", handling_area=area)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluatingBody.objects.create(kind="S", code="0420", name="丙", handling_area=area)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluatingBody.objects.create(kind="S", code="42", name="丁", handling_area=area)


def test_a_revoked_certificate_needs_a_date_and_a_reason(training_ref) -> None:
    certificate = make_certificate()
    certificate.status = Certificate.Status.REVOKED
    with pytest.raises(IntegrityError), transaction.atomic():
        certificate.save()
    certificate.revoked_on = dt.date(2026, 1, 5)
    certificate.revoked_reason = "以欺骗手段取得"
    certificate.save()
    assert Certificate.objects.get(pk=certificate.pk).status == "revoked"


def test_evaluator_fixture_holds_the_role(evaluator, social_body) -> None:
    assert evaluator.groups.filter(name=Role.EVALUATOR_STAFF.value).exists()
    assert evaluator.evaluator_membership.body == social_body
    assert evaluator.has_perm("certificates.record_levelassessment")
