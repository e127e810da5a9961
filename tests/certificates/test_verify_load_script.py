"""``benchmarks/verify_load.py`` without running it: its arguments, numbers, request bodies and wrk scripts.

The run itself (1,000,000 certificates, granian, wrk) is ``make bench-verify``; too slow for the suite.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from lijiao.certificates.selectors.verification import parse_number


def _load() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "verify_load.py"
    spec = importlib.util.spec_from_file_location("verify_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["verify_load"] = module
    spec.loader.exec_module(module)
    return module


bench = _load()


def test_defaults_are_the_issue_s_run() -> None:
    args = bench.parse([])
    assert (args.scale, args.duration, args.connections, args.workers) == (1.0, 10, 32, 2)


@pytest.mark.parametrize(
    "argv",
    [["--scale", "0"], ["--scale", "5"], ["--duration", "0"], ["--duration", "600"], ["--connections", "0"],
     ["--connections", "4", "--threads", "8"], ["--workers", "20"]],
)  # fmt: skip
def test_unbounded_or_nonsense_arguments_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        bench.parse(argv)


def test_numbers_are_well_formed_and_unique() -> None:
    numbers = [bench.certificate_number(i) for i in range(35 * 40)]
    assert len(set(numbers)) == len(numbers)
    for index, number in enumerate(numbers[:70]):
        assert re.fullmatch(r"S000121210201(19|2[0-5])[1-5]\d{6}", number)
        assert parse_number(number) == number
        assert int(number[15]) == 5 - (index // 7) % 5  # the level digit


def test_bodies_mix_right_and_wrong_names_and_unknown_numbers() -> None:
    bodies = [json.loads(b) for b in bench.sample_bodies(1_000, 500, 200, random.Random(1))]
    assert len(bodies) == 200
    assert all(set(b) == {"number", "name"} for b in bodies)
    assert sum(b["name"].startswith("错") for b in bodies) == 20
    assert sum("219999" in b["number"] for b in bodies) == 20
    assert all(parse_number(b["number"]) for b in bodies)


def test_lua_strings_cannot_be_closed_by_their_text() -> None:
    assert bench.lua_string("a]]b") == "[=[a]]b]=]"
    assert bench.lua_string('{"x": "]=]"}') == '[[{"x": "]=]"}]]'


def test_verify_script_posts_json_and_reports() -> None:
    script = bench.verify_lua(['{"number": "S1", "name": "\\u5f20"}', '{"number": "S2", "name": "x"}'])
    assert 'wrk.format("POST", [[/api/v1/certificates/verify]]' in script
    assert '[[{"number": "S1", "name": "\\u5f20"}]]' in script
    assert "WRK_JSON" in script and "percentile(99)" in script


def test_bare_script_gets_random_ids_in_range() -> None:
    script = bench.bare_lua(11, 1_000_010)
    assert "local first, last = 11, 1000010" in script
    assert "/certificates/bench/" in script


def test_wrk_summary_is_parsed() -> None:
    output = (
        'Running 10s test\nWRK_JSON {"requests": 25000, "duration_us": 10000000, "p50_us": 9000, '
        '"p99_us": 31000, "mean_us": 11000.5, "errors_status": 0, "errors_other": 2}\n'
    )
    load = bench.parse_wrk("verify", output)
    assert (load.rps, load.p50_ms, load.p99_ms, load.errors_other) == (2500.0, 9.0, 31.0, 2)
    with pytest.raises(RuntimeError):
        bench.parse_wrk("verify", "no summary")


def test_wrk_command_is_bounded() -> None:
    command = bench.wrk_command("http://127.0.0.1:1/x", Path("s.lua"), duration=10, connections=32, threads=2)
    assert command[:4] == ["wrk", "-t2", "-c32", "-d10s"]
    assert "--timeout" in command


def test_server_env_lifts_the_limit_and_routes_the_bench_endpoint_only_there() -> None:
    env = bench.server_env("postgres://x/y", {"LIJIAO_PII_KEY": "k"})
    assert env["LIJIAO_VERIFY_PER_MINUTE"] == env["LIJIAO_VERIFY_PER_DAY"] == "0"
    assert env["LIJIAO_BENCH_ENDPOINTS"] == "1" and env["LIJIAO_CONN_MAX_AGE"] == "600"
    assert env["LIJIAO_PII_KEY"] == "k" and env["DJANGO_SETTINGS_MODULE"] == "lijiao.settings"


def test_bench_endpoint_is_not_routed_by_default() -> None:
    from django.urls import NoReverseMatch, reverse

    with pytest.raises(NoReverseMatch):
        reverse("certificates:bench_by_pk", args=[1])


@pytest.mark.skipif(shutil.which("luajit") is None and shutil.which("luac") is None, reason="no Lua compiler")
def test_generated_lua_compiles(tmp_path: Path) -> None:
    script = tmp_path / "v.lua"
    script.write_text(bench.verify_lua(bench.sample_bodies(100, 50, 20, random.Random(2))), encoding="utf-8")
    tool = shutil.which("luajit")
    command = [tool, "-bl", str(script)] if tool else [shutil.which("luac"), "-p", str(script)]
    subprocess.run(command, check=True, capture_output=True)


def test_reuse_needs_a_database_name() -> None:
    with pytest.raises(SystemExit):
        bench.parse(["--reuse"])
    assert bench.parse(["--reuse", "--db", "kept"]).reuse
