"""``benchmarks/claims_audit.py`` at a tiny scale on PostgreSQL: the generator writes rows the constraints accept,
the audit finds each planted pattern, and the floor SQL and the naive loop run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def _load() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "claims_audit.py"
    spec = importlib.util.spec_from_file_location("claims_audit", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["claims_audit"] = module
    spec.loader.exec_module(module)
    return module


def test_tiny_run_finds_the_planted_patterns() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark writes with COPY and its floor is PostgreSQL SQL")
    bench: Any = _load()
    counts = bench.generate(2_000, log=lambda _m: None)
    assert counts["claims"] > 2_000
    result = bench.measure(counts, naive=50)
    found = result["findings"]
    for check in (
        "r2_cap",
        "r3_repeat",
        "r4_certificate_reuse",
        "overlap_attendance",
        "cross_provider",
        "short_class",
        "shared_phone",
        "certificate_before_class_end",
        "evaluator_spike",
        "identity_age",
        "identity_name",
        "register_pension",
        "register_student",
        "register_payroll",
        "register_unemployment",
    ):
        assert found.get(check, 0) >= 1, check
    assert set(result["floor"]) >= {"r2_cap", "registers", "total"}
    assert result["naive"]["sample"] == 50
