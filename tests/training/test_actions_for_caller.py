"""``actions`` in the classes API are what the caller may do now (issue 9, Security 3; ADR 0005), computed for
each class of a list without a query per class."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lijiao.training.models import ClassStatus
from tests.training.conftest import make_class
from tests.training.test_classes_api import api_for


def test_actions_are_the_callers(
    provider_staff: Any, clerk: Any, clerk_elsewhere: Any, provider: Any, training_ref: Any
) -> None:
    filed = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.FILED)
    draft = make_class(provider, training_ref["items"]["electrician5"], status=ClassStatus.DRAFT)
    staff, reviewer = api_for(provider_staff), api_for(clerk)
    assert reviewer.get(f"/classes/{filed.pk}").json()["actions"] == ["approve", "return", "reject"]
    # a provider never reviews its own class; it may withdraw the filing before review
    assert staff.get(f"/classes/{filed.pk}").json()["actions"] == ["withdraw"]
    assert staff.get(f"/classes/{draft.pk}").json()["actions"] == ["file"]
    assert reviewer.get(f"/classes/{draft.pk}").json()["actions"] == []
    assert api_for(clerk_elsewhere).get(f"/classes/{filed.pk}").status_code == 404


def test_class_list_actions_cost_no_query_per_class(clerk: Any, provider: Any, training_ref: Any) -> None:
    item = training_ref["items"]["electrician5"]
    api = api_for(clerk)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            body = api.get("/classes?limit=50").json()
        assert all(c["actions"] == ["approve", "return", "reject"] for c in body["items"])
        return len(captured)

    make_class(provider, item, status=ClassStatus.FILED)
    few = queries()
    for _ in range(5):
        make_class(provider, item, status=ClassStatus.FILED)
    assert queries() <= few  # (the first request also records the token's use)
