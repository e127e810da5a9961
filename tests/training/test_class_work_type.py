"""Issue 9, policy 1: a class of a 工种 item carries that 工种 (taken from its catalog item, never typed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from lijiao.accounts.models import User
from lijiao.catalog.models import CatalogItem, WorkType
from lijiao.core.errors import DomainError
from lijiao.providers.models import Provider
from lijiao.training.services import classes as services
from lijiao.training.services.classes import ClassInput
from lijiao.training.services.classes.filing import resolve_subject
from tests.training.conftest import next_monday


@pytest.fixture
def arc_welder_item(training_ref: dict[str, Any]) -> CatalogItem:
    welder = training_ref["welder"]
    arc = WorkType.objects.create(code="6-18-02-04-01", occupation=welder, name="电焊工")
    return CatalogItem.objects.create(
        edition=training_ref["edition"],
        kind="occupation",
        occupation=welder,
        work_type=arc,
        level=4,
        category=training_ref["equipment"],
        subsidy_standard=Decimal("1300"),
        min_lesson_hours=56,
    )


def _input(item: CatalogItem, provider: Provider) -> ClassInput:
    start = next_monday()
    return ClassInput(
        name="焊工（电焊工）四级培训班",
        catalog_item=item,
        start_date=start,
        end_date=start + dt.timedelta(days=13),
        capacity=30,
        venue=provider.venues.first(),
        teachers=list(provider.teachers.all()),
    )


@pytest.mark.django_db
def test_a_class_takes_the_work_type_of_its_item(
    provider_staff: User, provider: Provider, training_ref: dict[str, Any], arc_welder_item: CatalogItem
) -> None:
    training_class = services.create_class(actor=provider_staff, data=_input(arc_welder_item, provider))
    assert training_class.work_type == arc_welder_item.work_type
    plain = training_ref["items"]["welder4"]
    training_class = services.update_class(
        actor=provider_staff, training_class=training_class, data=_input(plain, provider)
    )
    training_class.refresh_from_db()
    assert training_class.catalog_item == plain and training_class.work_type is None


@pytest.mark.django_db
def test_the_subject_is_resolved_with_its_work_type(
    training_ref: dict[str, Any], arc_welder_item: CatalogItem
) -> None:
    welder, arc = training_ref["welder"], arc_welder_item.work_type
    assert resolve_subject(occupation=welder, work_type=arc, level=4) == arc_welder_item
    assert resolve_subject(occupation=welder, level=4) == training_ref["items"]["welder4"]
    other = WorkType.objects.create(
        code="6-31-01-03-01", occupation=training_ref["electrician"], name="维修电工"
    )
    with pytest.raises(DomainError) as caught:
        resolve_subject(occupation=welder, work_type=other, level=4)
    assert "工种“维修电工”不属于所选职业" in caught.value.errors[0].message


@pytest.mark.django_db
def test_the_api_files_a_class_for_a_work_type(
    provider_staff: User, provider: Provider, arc_welder_item: CatalogItem
) -> None:
    from tests.training.test_classes_api import api_for, class_body, fields

    api = api_for(provider_staff)
    body = class_body(provider, subject_code="6-18-02-04", work_type_code="6-18-02-04-01", level=4)
    response = api.post("/classes", body)
    assert response.status_code == 201, response.content
    item = response.json()["catalog_item"]
    assert (item["id"], item["subject_name"], item["work_type_name"]) == (
        arc_welder_item.pk,
        "焊工（电焊工）",
        "电焊工",
    )
    before = CatalogItem.objects.count(), provider.classes.count()
    response = api.post("/classes", {**body, "work_type_code": "6-18-02-04-99"})
    assert response.status_code == 400
    assert fields(response)["work_type_code"] == "未知的工种编码“6-18-02-04-99”"
    assert (CatalogItem.objects.count(), provider.classes.count()) == before
