"""The subsidy demo files through the services and, with the rules in place, reaches each review state."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from lijiao.demo.subsidies import CYCLE, load_subsidy_demo
from lijiao.subsidies.models import Claim

pytestmark = pytest.mark.django_db


class _Clock:
    def now(self) -> None:
        return None


def test_demo_claims_in_every_state(
    trainees: dict[str, Any], provider_staff: Any, reviewer1: Any, finished_class: Any, make_user: Any
) -> None:
    from lijiao.training.models import Enrollment
    from tests.certificates.conftest import make_certificate, make_person

    for n in range(5):  # seven certified trainees: one claim per state of the cycle
        person = make_person(f"演示学员{n}")
        enrollment = Enrollment.objects.create(
            training_class=finished_class, person=person, status=Enrollment.Status.COMPLETED
        )
        make_certificate(person, enrollment=enrollment, training_class=finished_class, level=5)
    counts = load_subsidy_demo(users={"provider": provider_staff}, clock=_Clock())  # type: ignore[arg-type]
    assert counts["claims_filed"] == 7 and counts["claims_skipped"] == 2
    states = Counter(Claim.objects.values_list("status", flat=True))
    assert states == Counter(CYCLE)
    # again: only the rejected claim's trainee may be claimed for anew (a rejected claim holds nothing)
    again = load_subsidy_demo(users={"provider": provider_staff}, clock=_Clock())  # type: ignore[arg-type]
    assert again["claims_filed"] == 1
