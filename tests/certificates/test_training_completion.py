"""Training's provider assessment is completion (结业考核/培训合格) only: no evaluating organisation typed, and the
screen says level certificates come from evaluating bodies (培评分离)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.urls import reverse

from lijiao.accounts.models import User
from lijiao.providers.models import Provider
from lijiao.training.models import AssessmentResult, ClassStatus, Enrollment
from tests.certificates.conftest import make_person
from tests.training.conftest import make_class, today


def test_the_provider_records_completion_without_naming_an_assessor(
    provider: Provider, provider_staff: User, training_ref: dict[str, Any]
) -> None:
    finished = make_class(
        provider,
        training_ref["items"]["electrician4"],
        status=ClassStatus.FINISHED,
        start=today() - dt.timedelta(days=40),
    )
    enrollment = Enrollment.objects.create(training_class=finished, person=make_person("结业学员"))
    client = Client()
    client.force_login(provider_staff)
    url = f"/api/v1/training/classes/{finished.pk}/results"
    row = {"enrollment_id": enrollment.pk, "theory_score": "80", "practical_score": "80", "passed": True}
    typed = {"evaluating_organisation": "某鉴定中心", "assessed_on": today().isoformat(), "rows": [row]}
    response = client.post(url, json.dumps(typed), content_type="application/json")
    assert response.status_code == 422  # the field no longer exists for providers
    assert not AssessmentResult.objects.exists()
    body = {"assessed_on": today().isoformat(), "rows": [row]}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert "evaluating_organisation" not in response.json()[0]
    assert AssessmentResult.objects.get().evaluating_organisation == ""
    page = client.get(reverse("training:results", args=[finished.pk])).content.decode()
    assert "结业考核" in page and "职业技能等级证书由评价机构" in page and "评价机构 / 日期" not in page
