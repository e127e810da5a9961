"""Facts for the pure decision tests: a claim that passes every rule of its kind, to be spoiled one fact at a time."""

from __future__ import annotations

import copy
from typing import Any

from lijiao.subsidies.policy import VersionData
from lijiao.subsidies.rules_data import default_scheme
from lijiao.subsidies.services.schemes import content_hash


def version(kind: str, number: int = 1, **changes: Any) -> VersionData:
    """The default version of ``kind`` with parameter values changed (``r6_min_insured_months=36``)."""
    data = default_scheme(kind)
    for name, value in changes.items():
        data["parameters"][name]["value"] = value
    return VersionData(
        kind=kind,
        number=number,
        content_hash=content_hash(data["parameters"], data["rules"]),
        parameters=data["parameters"],
        rules=data["rules"],
    )


BASE: dict[str, Any] = {
    "part": "full",
    "application_date": "2026-03-02",
    "person": {
        "birth_date": "1990-05-17",
        "gender": "M",
        "groups": ["insured"],
        "employed": True,
        "employer_kind": "",
    },
    "certificate": {
        "number": "S00012121020126400001",
        "level": 4,
        "occupation": "6-31-01-03",
        "work_type": "",
        "issued_on": "2026-01-10",
        "status": "valid",
        "matches_item": True,
    },
    "training_class": {
        "filed_on": "2025-10-08",
        "start_date": "2025-10-13",
        "end_date": "2025-12-19",
        "training_days": 20,
        "lesson_hours": 80,
        "approved": True,
        "provider_listed": True,
        "provider_blacklisted": False,
        "item_in_scope": True,
    },
    "attendance": {"lesson_hours_attended": 72, "lesson_hours_planned": 80},
    "catalog_item": {
        "subsidy_standard": "1200.00",
        "assessment_subsidy": "300.00",
        "uplift": "0",
        "edition_cap": "5500.00",
        "level": 4,
        "occupation": "6-31-01-03",
        "work_type": "",
    },
    "history": {
        "subsidies": {
            "calendar_year": {"total": 1, "by_kind": {"training": 1}},
            "rolling_12_months": {"total": 2, "by_kind": {"training": 2}},
        },
        "subsidised_levels": [{"kind": "training", "level": 5}],
        "certificate_claimed_elsewhere": False,
        "first_assessment": True,
        "assessment_claims": 0,
        "insured_months": 24,
        "graduate_conversion_claims": 0,
    },
    "apprenticeship": {
        "hire_type": "new",
        "hire_date": "2025-03-01",
        "contract_months": 36,
        "training_months": 24,
        "level": 3,
        "exceptional": False,
    },
    "graduate": {"graduation_year": 2025, "employed": False, "training_months": 4},
}


def facts(**changes: Any) -> dict[str, Any]:
    """BASE with dotted-path changes: ``facts(**{"person.birth_date": "2012-01-01"})``."""
    result = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = result
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        node[last] = value
    return result
