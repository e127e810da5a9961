"""Public verification under load (issue 11, ADR 0018): the verification API against a bare ORM endpoint.

Usage::

    .venv/bin/python benchmarks/verify_load.py [--scale 1.0] [--duration 10] [--connections 32] [--json FILE]

``--scale 1`` seeds 1,000,000 certificates (and 500,000 holders) in the scratch PostgreSQL database
``lijiao_verify_<pid>`` on ``LIJIAO_CITY_SERVER`` (default ``postgres://postgres@127.0.0.1:5432``) with COPY
(:func:`lijiao.core.bulk_write.bulk_insert`, the holders' ID numbers encrypted and digested by the project's own
field code; the helpers of ``benchmarks/city_scale.py``), then serves the app with granian (WSGI, 2 workers,
127.0.0.1, a free port, ``CONN_MAX_AGE`` set, the verification rate limit lifted, ``LIJIAO_BENCH_ENDPOINTS=1``)
and drives, with ``wrk`` (Debian package; ``make bench-verify`` installs it), for ``--duration`` seconds at
``--connections`` connections each:

* ``POST /api/v1/certificates/verify`` — a Lua script cycling through varied bodies: right names (80 %), wrong
  names (10 %) and unknown numbers (10 %), revoked certificates among them;
* ``GET /certificates/bench/<pk>`` — one certificate row by primary key through the ORM (the baseline).

It prints requests/s, p50 and p99 for both, the ratio, and the goals (≥ 2,000 requests/s, p99 ≤ 50 ms, ≥ 0.7×
the bare endpoint). Load stays on loopback, each run is bounded (``--duration``; the server is stopped and the
database dropped at the end unless ``--keep``; ``--db NAME --reuse`` load-tests a kept database again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CERTIFICATES = 1_000_000
HOLDER_SHARE = 2  # certificates per holder on average
REVOKED_EVERY = 50  # 2 % revoked
SAMPLES = 4_000  # distinct request bodies in the Lua script
VERIFY_PATH = "/api/v1/certificates/verify"
BARE_PATH = "/certificates/bench/"
GOAL_RPS, GOAL_P99_MS, GOAL_RATIO = 2_000.0, 50.0, 0.7
BATCH = 50_000
# wrk prints one line of JSON from done(); latencies are in microseconds
_DONE_LUA = """
done = function(summary, latency, requests)
  io.write(string.format(
    "WRK_JSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p99_us\\": %d, " ..
    "\\"mean_us\\": %.1f, \\"errors_status\\": %d, \\"errors_other\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _city() -> ModuleType:
    """``benchmarks/city_scale.py`` (its database and person helpers), imported by path."""
    spec = importlib.util.spec_from_file_location("city_scale", ROOT / "benchmarks" / "city_scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("city_scale", module)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------------------- the data


def certificate_number(index: int) -> str:
    """A well-formed 22-character 职业技能等级证书 number, unique per index below 10^6 × 35."""
    year = 19 + index % 7
    level = 5 - (index // 7) % 5
    return f"S000121210201{year:02d}{level}{index // 35:06d}"


def seed(count: int, progress: Any) -> dict[str, Any]:
    """``count`` certificates of ``count / 2`` holders, 2 % revoked; returns what the load scripts need."""
    from lijiao.certificates.models import Certificate, CertificateType, EvaluatingBody, EvaluationSite
    from lijiao.core.bulk_write import bulk_insert
    from lijiao.core.models import HandlingArea

    city = _city()
    area = HandlingArea.objects.get(code="ZS")
    body = EvaluatingBody.objects.create(
        kind="S", code="0001", name="大连市职业技能评价中心", handling_area=area
    )
    site = EvaluationSite.objects.create(body=body, code="210201", name="中山考点", handling_area=area)
    holders = max(1, count // HOLDER_SHARE)
    person_ids = city.make_persons(holders, progress)
    fields = [
        "certificate_type",
        "number",
        "holder_id",
        "holder_name",
        "subject_name",
        "level",
        "body_id",
        "site_id",
        "issuer_name",
        "issued_on",
        "source",
        "status",
        "revoked_on",
        "revoked_reason",
        "flags",
        "imported_from",
        "report_status",
        "status_index",
        "verification_token",
    ]
    task = progress.add_task("certificates", total=count)
    start_day = dt.date(2019, 6, 1)
    first_id = None
    for start, stop in city._chunks(count, BATCH):
        rows = []
        for index in range(start, stop):
            holder = index % holders
            revoked = index % REVOKED_EVERY == 0
            issued = start_day + dt.timedelta(days=index % 2_300)
            rows.append(
                [
                    CertificateType.SKILL_LEVEL,
                    certificate_number(index),
                    person_ids[holder],
                    city.person_name(holder),
                    "电工",
                    5 - (index // 7) % 5,
                    body.pk,
                    site.pk,
                    body.name,
                    issued,
                    Certificate.Source.IMPORT,
                    "revoked" if revoked else "valid",
                    issued + dt.timedelta(days=30) if revoked else None,
                    "基准测试撤销" if revoked else "",
                    [],
                    "benchmark",
                    "accepted",
                    index + 1,
                    secrets.token_urlsafe(16),
                ]
            )
        ids = bulk_insert(Certificate, fields, rows, return_ids=True)
        first_id = first_id if first_id is not None else ids[0]
        progress.advance(task, stop - start)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"certificates": count, "holders": holders, "first_id": first_id, "last_id": first_id + count - 1}


def sample_bodies(count: int, holders: int, samples: int, rng: random.Random) -> list[str]:
    """JSON bodies for the verification API: 80 % right names, 10 % wrong names, 10 % unknown numbers."""
    city = _city()
    bodies = []
    for n in range(samples):
        index = rng.randrange(count)
        name = city.person_name(index % holders)
        kind = n % 10
        number = certificate_number(index)
        if kind == 8:  # a wrong name
            name = "错" + name[1:]
        elif kind == 9:  # a well-formed number nobody holds (another site)
            number = number[:7] + "219999" + number[13:]
        bodies.append(json.dumps({"number": number, "name": name}, ensure_ascii=True))
    return bodies


def lua_string(text: str) -> str:
    """A Lua long-bracket literal that cannot be closed by ``text``."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def verify_lua(bodies: Sequence[str], path: str = VERIFY_PATH) -> str:
    """The wrk script POSTing ``bodies`` in turn (each thread from its own offset) to the verification API."""
    table = ",\n".join(f"  {lua_string(body)}" for body in bodies)
    return (
        f"local bodies = {{\n{table}\n}}\n"
        "local n = 0\n"
        "setup = function(thread) thread:set('offset', math.random(#bodies)) end\n"
        "init = function(args) n = tonumber(offset) or 0 end\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n"
        "  n = n + 1\n"
        f'  return wrk.format("POST", {lua_string(path)}, nil, bodies[(n % #bodies) + 1])\n'
        "end\n" + _DONE_LUA
    )


def bare_lua(first_id: int, last_id: int, path: str = BARE_PATH) -> str:
    """The wrk script GETting random certificate ids through the bare ORM endpoint."""
    return (
        f"local first, last = {int(first_id)}, {int(last_id)}\n"
        "init = function(args) math.randomseed(os.time() + math.random(1000000)) end\n"
        "request = function()\n"
        f'  return wrk.format("GET", {lua_string(path)} .. math.random(first, last))\n'
        "end\n" + _DONE_LUA
    )


# --------------------------------------------------------------------------------------------------- the load


@dataclass
class Load:
    name: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    errors_status: int
    errors_other: int


def parse_wrk(name: str, output: str) -> Load:
    """The figures of wrk's run from the JSON line the script's ``done`` prints."""
    match = re.search(r"^WRK_JSON (\{.*\})$", output, re.M)
    if match is None:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    data = json.loads(match.group(1))
    seconds = data["duration_us"] / 1e6
    return Load(
        name=name,
        requests=data["requests"],
        seconds=round(seconds, 2),
        rps=round(data["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=round(data["p50_us"] / 1000, 2),
        p99_ms=round(data["p99_us"] / 1000, 2),
        mean_ms=round(data["mean_us"] / 1000, 2),
        errors_status=data["errors_status"],
        errors_other=data["errors_other"],
    )


def wrk_command(url: str, script: Path, *, duration: int, connections: int, threads: int) -> list[str]:
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url,
    ]


def run_wrk(name: str, url: str, script: Path, args: argparse.Namespace, *, duration: int) -> Load:
    command = wrk_command(url, script, duration=duration, connections=args.connections, threads=args.threads)
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True)
    return parse_wrk(name, done.stdout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, keys: dict[str, str]) -> dict[str, str]:
    """The production settings on loopback: plain http, the rate limit lifted, the bench endpoint routed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIJIAO_", "DJANGO_"))}
    env.update(keys)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "lijiao.settings",
            "LIJIAO_DATABASE_URL": database_url,
            "LIJIAO_CONN_MAX_AGE": "600",
            "LIJIAO_PLAIN_HTTP": "1",
            "LIJIAO_VERIFY_PER_MINUTE": "0",
            "LIJIAO_VERIFY_PER_DAY": "0",
            "LIJIAO_BENCH_ENDPOINTS": "1",
            "LIJIAO_LOG_LEVEL": "WARNING",
            "LIJIAO_VAR_DIR": tempfile.mkdtemp(prefix="lijiao-verify-var-"),
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    return env


def start_server(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    granian = Path(sys.executable).with_name("granian")
    command = [
        str(granian),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "--log-level",
        "warning",
        "lijiao.wsgi:application",
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def wait_ready(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer {url} within {timeout:.0f} s")
        time.sleep(0.3)


def check_answers(base: str, bodies: Sequence[str]) -> None:
    """Before timing: the served app answers the samples as expected (8 of 10 match: right names)."""
    matched = 0
    for body in bodies:
        request = urllib.request.Request(  # noqa: S310  (loopback)
            base + VERIFY_PATH, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            matched += bool(json.loads(response.read())["matched"])
    if matched != sum(1 for n in range(len(bodies)) if n % 10 < 8):
        raise RuntimeError(f"the served app matched {matched} of {len(bodies)} samples: wrong keys or data?")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --------------------------------------------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    console = Console()
    city = _city()
    name = args.db or f"lijiao_verify_{os.getpid()}"
    state_file = ROOT / "var" / f"verify-load-{name}.json"  # a kept database's keys (benchmark-only, 0600)
    if args.reuse:
        state = json.loads(state_file.read_text(encoding="utf-8"))
        keys, seeded = state["keys"], state["seeded"]
    else:
        keys = {
            "LIJIAO_SECRET_KEY": secrets.token_urlsafe(40),
            "LIJIAO_PII_KEY": secrets.token_urlsafe(32),
            "LIJIAO_AUDIT_KEY": secrets.token_urlsafe(32),
        }
        city.create_database(name)
    os.environ.update(keys)  # the seeding process and the server encrypt and read with the same keys
    server = None
    try:
        city.setup_django(name)
        from django.db import connections

        if not args.reuse:
            from django.core.management import call_command

            started = time.monotonic()
            call_command("migrate", verbosity=0)
            count = max(10, int(CERTIFICATES * args.scale))
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console, disable=args.quiet) as progress:
                seeded = seed(count, progress)
            seeded["seed_seconds"] = round(time.monotonic() - started, 1)
            if args.keep:
                state_file.parent.mkdir(parents=True, exist_ok=True)
                state_file.touch(mode=0o600)
                state_file.write_text(json.dumps({"keys": keys, "seeded": seeded}), encoding="utf-8")
        count = seeded["certificates"]
        connections.close_all()
        rng = random.Random(args.seed)
        workdir = Path(tempfile.mkdtemp(prefix="lijiao-verify-wrk-"))
        verify_script = workdir / "verify.lua"
        bodies = sample_bodies(count, seeded["holders"], args.samples, rng)
        verify_script.write_text(verify_lua(bodies), encoding="utf-8")
        bare_script = workdir / "bare.lua"
        bare_script.write_text(bare_lua(seeded["first_id"], seeded["last_id"]), encoding="utf-8")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(
            server_env(f"{city.SERVER}/{name}", keys), port, args.workers, args.blocking_threads
        )
        wait_ready(f"{base}{BARE_PATH}{seeded['first_id']}")
        check_answers(base, bodies[:10])
        if not args.quiet:
            console.print(seeded)
        loads = {}
        for label, path, script in (
            ("verify", VERIFY_PATH, verify_script),
            ("bare", f"{BARE_PATH}1", bare_script),
        ):
            run_wrk(label, base + path, script, args, duration=args.warmup)  # warm every worker's connection
            loads[label] = run_wrk(label, base + path, script, args, duration=args.duration)
        verify, bare = loads["verify"], loads["bare"]
        ratio = round(verify.rps / bare.rps, 3) if bare.rps else 0.0
        goals = {
            "rps": verify.rps >= GOAL_RPS,
            "p99": verify.p99_ms <= GOAL_P99_MS,
            "ratio": ratio >= GOAL_RATIO,
            "no_errors": verify.errors_status == verify.errors_other == 0,
        }
        table = Table(
            title=f"Verification under load: {count:,} certificates, {args.connections} connections, "
            f"{args.duration} s, granian {args.workers} workers × {args.blocking_threads} threads"
        )
        for column in ("endpoint", "requests", "req/s", "p50 ms", "p99 ms", "errors"):
            table.add_column(column, justify="left" if column == "endpoint" else "right")
        for load in (verify, bare):
            table.add_row(
                load.name, f"{load.requests:,}", f"{load.rps:,.0f}", f"{load.p50_ms:.1f}", f"{load.p99_ms:.1f}",
                str(load.errors_status + load.errors_other),
            )  # fmt: skip
        console.print(table)
        console.print(
            f"ratio verify/bare: {ratio:.2f}   goals: ≥ {GOAL_RPS:,.0f} req/s "
            f"{'ok' if goals['rps'] else 'MISSED'}, p99 ≤ {GOAL_P99_MS:.0f} ms {'ok' if goals['p99'] else 'MISSED'}, "
            f"≥ {GOAL_RATIO}× bare {'ok' if goals['ratio'] else 'MISSED'}, "
            f"no errors {'ok' if goals['no_errors'] else 'MISSED'}"
        )
        report = {
            "scale": args.scale,
            "seeded": seeded,
            "connections": args.connections,
            "duration": args.duration,
            "workers": args.workers,
            "blocking_threads": args.blocking_threads,
            "verify": asdict(verify),
            "bare": asdict(bare),
            "ratio": ratio,
            "goals": goals,
        }
        if args.json:
            Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        return report
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep and not args.reuse:
            city.drop_database(name)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000,000 certificates")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint (1–120)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load first (1–30)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument("--blocking-threads", type=int, default=4, help="granian threads per worker")
    parser.add_argument("--samples", type=int, default=SAMPLES, help="distinct request bodies")
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--db", help="database name (default lijiao_verify_<pid>)")
    parser.add_argument(
        "--reuse", action="store_true", help="load-test a database kept with --keep (--db NAME): no reseeding"
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.reuse and not args.db:
        parser.error("--reuse needs --db NAME (a database kept with --keep)")
    if not 0 < args.scale <= 2:
        parser.error("--scale must be in (0, 2]")
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be 1–120 seconds (the load stays bounded)")
    if not 1 <= args.warmup <= 30:
        parser.error("--warmup must be 1–30 seconds")
    if not 1 <= args.connections <= 256 or not 1 <= args.threads <= args.connections:
        parser.error("--connections must be 1–256 and --threads 1–connections")
    if not 1 <= args.workers <= 8 or not 1 <= args.blocking_threads <= 64:
        parser.error("--workers must be 1–8 and --blocking-threads 1–64")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    return run(parse(argv))


if __name__ == "__main__":
    main()
