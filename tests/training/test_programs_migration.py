"""training 0008: existing programs get today's funding names and their old per-kind item limits as data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lijiao.training.models import Program

BEFORE = [("training", "0007_h9_attendance_hours")]


@pytest.mark.django_db(transaction=True)
def test_funding_renamed_and_item_limits_written_as_data():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps.get_model("training", "Program")
        for code, kind, funding in (
            ("OLD-MASTER", "master_craftsman", "职业技能提升行动专账资金"),
            ("OLD-IND", "industry_plus", "行业主管部门专项资金"),
            ("OLD-TRANS", "job_transfer", "失业保险基金"),
            ("OLD-ELDER", "elder_child", "就业补助资金"),
        ):
            old.objects.create(code=code, name=code, kind=kind, year=2025, funding_source=funding)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    programs = {p.code: p for p in Program.objects.all()}
    assert programs["OLD-MASTER"].funding_source == "失业保险基金（技能提升）"
    assert programs["OLD-TRANS"].funding_source == "失业保险基金（技能提升）"
    assert programs["OLD-IND"].funding_source == "就业补助资金"
    assert programs["OLD-MASTER"].item_rule["value"] == [1, 2]
    assert programs["OLD-ELDER"].item_rule["fact"] == "is_elder_child_care"
    assert programs["OLD-IND"].item_rule == {} and programs["OLD-TRANS"].item_rule == {}
