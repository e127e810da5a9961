"""``lijiao subsidy-evaluate FACTS.json``: the policy calculator on the command line (writes nothing).

Reads a claim's facts (the JSON of README "补贴政策计算器"), decides them under the scheme version in force on the
facts' ``application_date`` (or ``--scheme-version N``; ``--defaults``: the built-in default version, no database
needed) and prints the decision with one line per rule in Chinese, or the JSON answer of the API (``--json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lijiao.core.errors import DomainError
from lijiao.subsidies.policy import KIND_NAMES, FactsError, SubsidyDecision, VersionData, decide
from lijiao.subsidies.rules_data import DEFAULT_EFFECTIVE_FROM, DEFAULT_SCHEMES, default_scheme
from lijiao.subsidies.services.evaluation import calculate
from lijiao.subsidies.services.schemes import content_hash


class Command(BaseCommand):
    help = (
        "Decide a subsidy claim's facts (JSON file, '-' for stdin) and print the decision (writes nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("facts", help="facts JSON file, or - for standard input")
        parser.add_argument("--kind", help='subsidy kind (default: the facts\' "kind")')
        parser.add_argument("--scheme-version", type=int, help="version number (default: the one in force)")
        parser.add_argument("--defaults", action="store_true", help="use the built-in default version")
        parser.add_argument("--json", action="store_true", help="print the JSON answer of the API")

    def handle(self, *args: Any, **options: Any) -> None:
        facts = _read(options["facts"])
        kind = options["kind"] or facts.get("kind")
        if not isinstance(kind, str) or not kind:
            raise CommandError(_("请用 --kind 或事实中的“kind”指明补贴类型"))
        try:
            if options["defaults"]:
                if kind not in DEFAULT_SCHEMES:
                    raise CommandError(_("未知的补贴类型“%(kind)s”") % {"kind": kind})
                data = default_scheme(kind)
                version = VersionData(
                    kind,
                    1,
                    content_hash(data["parameters"], data["rules"]),
                    data["parameters"],
                    data["rules"],
                )
                decision = decide(facts, version)
                info = {
                    "number": 1,
                    "status": "default",
                    "effective_from": DEFAULT_EFFECTIVE_FROM.isoformat(),
                    "effective_to": None,
                    "content_hash": version.content_hash,
                }
            else:
                stored, decision = calculate(kind=kind, facts=facts, number=options["scheme_version"])
                info = {
                    "number": stored.number,
                    "status": stored.status,
                    "effective_from": stored.effective_from.isoformat(),
                    "effective_to": stored.effective_to.isoformat() if stored.effective_to else None,
                    "content_hash": stored.content_hash,
                }
        except FactsError as exc:
            raise CommandError(_("事实数据有误：%(problem)s") % {"problem": exc}) from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            answer = {"kind": kind, "version": info, **decision.as_dict()}
            self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
            return
        self.stdout.write(_report(kind, info, decision))


def _read(name: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(
            _("无法读取文件 %(name)s：%(error)s") % {"name": name, "error": exc.strerror}
        ) from None
    try:
        facts = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            _("文件不是有效的 JSON（第%(line)s行第%(column)s列）：%(error)s")
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from None
    if not isinstance(facts, dict):
        raise CommandError(_("事实应为 JSON 对象"))
    return facts


def _report(kind: str, info: dict[str, Any], decision: SubsidyDecision) -> str:
    end = info["effective_to"] or "长期"
    lines = [
        f"补贴类型：{KIND_NAMES.get(kind, kind)}　政策第{info['number']}版（{info['effective_from']} 至 {end}）",
        f"政策内容摘要：{info['content_hash']}",
        f"结论：{'符合补贴条件' if decision.passed else '不符合补贴条件'}　核定金额：{decision.amount}元",
        "",
    ]
    for line in decision.lines:
        mark = "✔ 通过" if line.passed else "✘ 不通过"
        lines.append(f"[{mark}] {line.rule} {line.label}")
        lines.append(f"    {line.explanation}")
        if line.policy:
            lines.append(f"    依据：{line.policy}")
    return "\n".join(lines)
