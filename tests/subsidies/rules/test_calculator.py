# ruff: noqa: F811
"""The policy calculator: ``lijiao subsidy-evaluate FACTS.json`` and ``POST /api/v1/subsidies/evaluate`` decide
facts and write nothing; bad input is a clear error."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.subsidies.models import ClaimEvaluation, SchemeVersion
from tests.subsidies.rules.conftest import scheme_admin, schemes  # noqa: F401
from tests.subsidies.rules.facts_data import facts

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "subsidy-facts.json"
API = "/api/v1/subsidies/evaluate"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("subsidy_evaluate", *args, stdout=out)
    return out.getvalue()


def test_the_documented_example_passes_with_the_built_in_defaults() -> None:
    text = _run(str(EXAMPLE), "--defaults")
    assert "符合补贴条件" in text and "1200.00元" in text
    assert "[✔ 通过] R9 实际参训课时达到计划课时的规定比例" in text
    assert "依据：" in text


@pytest.mark.django_db
def test_the_cli_uses_the_version_in_force_and_prints_json(
    schemes: dict[str, SchemeVersion], tmp_path: Path
) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({"kind": "skill_upgrade", **facts(**{"history.insured_months": 3})}), "utf-8")
    events = AuditEvent.objects.count()
    answer = json.loads(_run(str(path), "--json"))
    assert answer["passed"] is False and answer["failed_rules"] == ["R6"]
    assert answer["version"]["number"] == 1
    assert answer["version"]["content_hash"] == schemes["skill_upgrade"].content_hash
    text = _run(str(path), "--kind", "skill_upgrade", "--scheme-version", "1")
    assert "不足12个月" in text and "不符合补贴条件" in text
    assert AuditEvent.objects.count() == events and ClaimEvaluation.objects.count() == 0


def test_cli_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "training", ', "utf-8")
    with pytest.raises(CommandError, match="不是有效的 JSON"):
        _run(str(bad), "--defaults")
    with pytest.raises(CommandError, match="无法读取文件"):
        _run(str(tmp_path / "missing.json"), "--defaults")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(facts(application_date="明天")), "utf-8")
    with pytest.raises(CommandError, match="application_date"):
        _run(str(wrong), "--defaults", "--kind", "training")
    with pytest.raises(CommandError, match="补贴类型"):
        _run(str(wrong), "--defaults")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, body: Any) -> Any:
    return client.post(
        API, body if isinstance(body, str) else json.dumps(body), content_type="application/json"
    )


@pytest.mark.django_db
def test_the_api_decides_and_writes_nothing(
    schemes: dict[str, SchemeVersion], make_user: Callable[..., User]
) -> None:
    client = _client(make_user(Role.FIRST_REVIEWER))
    events = AuditEvent.objects.count()
    response = _post(client, {"kind": "training", "facts": facts()})
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["passed"] is True and answer["amount"] == "1200.00"
    assert [line["rule"] for line in answer["lines"]] == ["AGE", "R1", "R2", "R3", "R4", "R9", "R10", "R5"]
    assert answer["version"]["content_hash"] == schemes["training"].content_hash
    spoiled = _post(
        client, {"kind": "training", "version": 1, "facts": facts(**{"catalog_item.uplift": "0.3"})}
    )
    assert spoiled.json()["amount"] == "1560.00"
    assert AuditEvent.objects.count() == events and ClaimEvaluation.objects.count() == 0


@pytest.mark.django_db
def test_api_errors_are_clear_and_write_nothing(
    schemes: dict[str, SchemeVersion], make_user: Callable[..., User]
) -> None:
    client = _client(make_user(Role.CITY_ADMIN))
    events = AuditEvent.objects.count()
    not_json = _post(client, '{"kind": "training", "facts": ')
    assert not_json.status_code == 400 and not_json.json()["code"] == "invalid_json"
    not_object = _post(client, {"kind": "training", "facts": [1, 2]})
    assert not_object.status_code == 422
    bad_date = _post(client, {"kind": "training", "facts": facts(application_date="2026/03/02")})
    assert bad_date.status_code == 422
    assert "申请日期" in bad_date.json()["message"]
    bad_fact = _post(
        client,
        {"kind": "training", "version": 1, "facts": facts(**{"attendance.lesson_hours_attended": "很多"})},
    )
    assert bad_fact.status_code == 422 and "lesson_hours_attended" in bad_fact.json()["message"]
    assert _post(client, {"kind": "lottery", "facts": facts()}).status_code == 400
    assert _post(client, {"kind": "training", "version": 9, "facts": facts()}).status_code == 422
    assert AuditEvent.objects.count() == events and ClaimEvaluation.objects.count() == 0
    worker = _client(make_user(Role.WORKER))
    assert _post(worker, {"kind": "training", "facts": facts()}).status_code == 403
