"""Subsidy schemes and their versions: the default schemes, a new draft from an existing version, publish, retire.

Rules are data (ADR 0020): a version's ``parameters`` and ``rules`` are hashed (SHA-256 of canonical JSON) and the
hash is stored on every decision the version made. A published version is never edited: the only change ever made
to one is closing an open-ended version's ``effective_to`` when a later version is published (its content and
hash stay the same). Published versions of a scheme never overlap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.models import User
from lijiao.audit.services import record_event
from lijiao.core.actors import Actor
from lijiao.core.decisions import canonical_json
from lijiao.core.errors import Conflict, DomainError
from lijiao.core.permissions import require_perm
from lijiao.subsidies.models import Scheme, SchemeKind, SchemeVersion
from lijiao.subsidies.policy import VersionData, validate_version_rules
from lijiao.subsidies.rules_data import (
    DEFAULT_EFFECTIVE_FROM,
    DEFAULT_SCHEMES,
    PARAMETER_LABELS,
    SKILL_UPGRADE_2025_CHANGES,
    SKILL_UPGRADE_2025_EFFECTIVE_FROM,
    SKILL_UPGRADE_2025_POLICIES,
    default_scheme,
)

__all__ = [
    "content_hash",
    "create_draft_version",
    "install_default_schemes",
    "publish_version",
    "retire_version",
    "version_data",
]

_DAY = dt.timedelta(days=1)


def content_hash(parameters: Mapping[str, Any], rules: Mapping[str, Any]) -> str:
    """SHA-256 of the version's content (parameters and rules) as canonical JSON."""
    record = {"parameters": parameters, "rules": rules}
    return hashlib.sha256(canonical_json(record).encode()).hexdigest()


def version_data(version: SchemeVersion) -> VersionData:
    """The version as the plain data :func:`lijiao.subsidies.policy.decide` reads."""
    return VersionData(
        kind=version.scheme.kind,
        number=version.number,
        content_hash=version.content_hash,
        parameters=version.parameters,
        rules=version.rules,
    )


def _user(actor: Actor | None) -> User | None:
    return cast(User, actor) if actor is not None and getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def install_default_schemes(*, actor: Actor | None) -> list[SchemeVersion]:
    """One scheme per kind with version 1 published from 2020-01-01 (idempotent: a kind that already has a
    scheme is left alone). ``actor`` None is the system (migrations, demo). Returns the versions created."""
    if actor is not None:
        require_perm(actor, "subsidies.add_scheme")
    created: list[SchemeVersion] = []
    existing = set(Scheme.objects.values_list("kind", flat=True))
    for kind in SchemeKind.values:
        if kind in existing or kind not in DEFAULT_SCHEMES:
            continue
        data = default_scheme(kind)
        scheme = Scheme.objects.create(kind=kind, name=data["name"], description=data["description"])
        version = SchemeVersion.objects.create(
            scheme=scheme,
            number=1,
            status=SchemeVersion.Status.PUBLISHED,
            effective_from=DEFAULT_EFFECTIVE_FROM,
            document_number=data["document_number"],
            policy_text=data["policy_text"],
            parameters=data["parameters"],
            rules=data["rules"],
            content_hash=content_hash(data["parameters"], data["rules"]),
            created_by=_user(actor),
            published_at=timezone.now(),
            published_by=_user(actor),
        )
        record_event(
            actor=actor,
            action="subsidies.scheme.installed",
            obj=version,
            after={"kind": kind, "number": 1, "content_hash": version.content_hash},
        )
        created.append(version)
        if kind == SchemeKind.SKILL_UPGRADE:
            created.append(_install_skill_upgrade_2025_draft(actor=actor, base=version))
    return created


def _install_skill_upgrade_2025_draft(*, actor: Actor | None, base: SchemeVersion) -> SchemeVersion:
    """Version 2 of 技能提升补贴 as a ready-to-publish draft: version 1 plus the 2025 yearly limit (R6)."""
    parameters = {name: dict(entry) for name, entry in base.parameters.items()}
    for name, value in SKILL_UPGRADE_2025_CHANGES.items():
        parameters[name] = {"value": value, "policy": SKILL_UPGRADE_2025_POLICIES[name]}
    rules = dict(base.rules)
    draft = SchemeVersion.objects.create(
        scheme=base.scheme,
        number=base.number + 1,
        status=SchemeVersion.Status.DRAFT,
        effective_from=SKILL_UPGRADE_2025_EFFECTIVE_FROM,
        document_number=base.document_number,
        policy_text=f"{base.policy_text}；2025年技能提升补贴政策调整",
        parameters=parameters,
        rules=rules,
        content_hash=content_hash(parameters, rules),
        created_by=_user(actor),
    )
    record_event(
        actor=actor,
        action="subsidies.version.created",
        obj=draft,
        after={"based_on": base.number, "changes": dict(SKILL_UPGRADE_2025_CHANGES), "draft": True},
    )
    return draft


def _changed_parameters(
    base: Mapping[str, Any], changes: Mapping[str, Any], policies: Mapping[str, str]
) -> dict[str, Any]:
    parameters = {name: dict(entry) for name, entry in base.items()}
    errors: dict[str, str] = {}
    for name, value in changes.items():
        if name not in parameters:
            errors[name] = _("没有名为“%(name)s”的参数") % {"name": name}
            continue
        old = parameters[name].get("value")
        if not _same_shape(old, value):
            errors[name] = _("参数“%(name)s”的取值类型与原值不同") % {
                "name": PARAMETER_LABELS.get(name, name)
            }
            continue
        parameters[name]["value"] = value
    for name, policy in policies.items():
        if name not in parameters:
            errors[name] = _("没有名为“%(name)s”的参数") % {"name": name}
        elif not policy.strip():
            errors[name] = _("请填写参数“%(name)s”的政策依据") % {"name": PARAMETER_LABELS.get(name, name)}
        else:
            parameters[name]["policy"] = policy.strip()
    if errors:
        raise DomainError.for_fields(_("政策参数有误"), errors, code="invalid_parameters")
    return parameters


def _same_shape(old: Any, new: Any) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool)
    if isinstance(old, int):
        return isinstance(new, int)
    if isinstance(old, str):
        return isinstance(new, str)
    if isinstance(old, list):
        return isinstance(new, list)
    if isinstance(old, dict):
        return isinstance(new, dict)
    return True


@transaction.atomic
def create_draft_version(
    *,
    actor: Actor,
    base: SchemeVersion,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    changes: Mapping[str, Any] | None = None,
    policies: Mapping[str, str] | None = None,
    document_number: str = "",
    policy_text: str | None = None,
) -> SchemeVersion:
    """A new draft of ``base``'s scheme: ``base``'s parameters and rules with ``changes`` (name → new value)
    and ``policies`` (name → the policy text the new value comes from), numbered after the last version."""
    require_perm(actor, "subsidies.add_schemeversion")
    if effective_to is not None and effective_to < effective_from:
        raise DomainError.for_fields(
            _("政策版本信息有误"), {"effective_to": _("失效日期不能早于生效日期")}, code="invalid_dates"
        )
    parameters = _changed_parameters(base.parameters, changes or {}, policies or {})
    scheme = Scheme.objects.select_for_update().get(pk=base.scheme_id)
    last = (
        SchemeVersion.objects.filter(scheme=scheme)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    rules = dict(base.rules)
    version = SchemeVersion.objects.create(
        scheme=scheme,
        number=(last or 0) + 1,
        status=SchemeVersion.Status.DRAFT,
        effective_from=effective_from,
        effective_to=effective_to,
        document_number=document_number.strip() or base.document_number,
        policy_text=base.policy_text if policy_text is None else policy_text,
        parameters=parameters,
        rules=rules,
        content_hash=content_hash(parameters, rules),
        created_by=cast(User, actor),
    )
    record_event(
        actor=actor,
        action="subsidies.version.created",
        obj=version,
        after={
            "based_on": base.number,
            "changes": {
                k: {"before": base.parameters[k].get("value"), "after": v} for k, v in (changes or {}).items()
            },
            "effective_from": str(effective_from),
            "effective_to": str(effective_to) if effective_to else None,
            "content_hash": version.content_hash,
        },
    )
    return version


def _overlaps(a_from: dt.date, a_to: dt.date | None, b_from: dt.date, b_to: dt.date | None) -> bool:
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


@transaction.atomic
def publish_version(*, actor: Actor, version: SchemeVersion) -> SchemeVersion:
    """Publish a draft. An open-ended published version that starts earlier is closed the day before this one
    starts; any other overlap with a published version is refused (nothing written)."""
    require_perm(actor, "subsidies.publish_schemeversion")
    Scheme.objects.select_for_update().get(pk=version.scheme_id)
    version = SchemeVersion.objects.select_related("scheme").get(pk=version.pk)
    if version.status != SchemeVersion.Status.DRAFT:
        raise Conflict(
            _("只有草稿可以发布；已发布的政策版本不能修改，请另建新版本"), code="version_not_draft"
        )
    if problems := validate_version_rules(version.rules):
        raise DomainError(
            _("政策规则有误：%(problems)s") % {"problems": "；".join(problems)}, code="invalid_rules"
        )
    if version.content_hash != content_hash(version.parameters, version.rules):
        raise Conflict(_("政策版本内容与其摘要不符"), code="version_hash_mismatch")
    published = SchemeVersion.objects.filter(
        scheme_id=version.scheme_id, status=SchemeVersion.Status.PUBLISHED
    )
    closed: list[tuple[SchemeVersion, dt.date | None]] = []
    for other in published.order_by("effective_from"):
        if not _overlaps(
            version.effective_from, version.effective_to, other.effective_from, other.effective_to
        ):
            continue
        if other.effective_to is None and other.effective_from < version.effective_from:
            closed.append((other, other.effective_to))
            continue
        raise Conflict(
            _("生效期间与已发布的第%(number)s版（%(start)s 至 %(end)s）重叠")
            % {
                "number": other.number,
                "start": other.effective_from,
                "end": other.effective_to or _("长期"),
            },
            code="version_overlap",
        )
    for other, before in closed:
        other.effective_to = version.effective_from - _DAY
        other.save(update_fields=["effective_to"])
        record_event(
            actor=actor,
            action="subsidies.version.closed",
            obj=other,
            before={"effective_to": before},
            after={"effective_to": str(other.effective_to), "superseded_by": version.number},
        )
    version.status = SchemeVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = cast(User, actor)
    version.save(update_fields=["status", "published_at", "published_by"])
    record_event(
        actor=actor,
        action="subsidies.version.published",
        obj=version,
        after={
            "number": version.number,
            "effective_from": str(version.effective_from),
            "effective_to": str(version.effective_to) if version.effective_to else None,
            "content_hash": version.content_hash,
        },
    )
    return version


@transaction.atomic
def retire_version(*, actor: Actor, version: SchemeVersion, reason: str) -> SchemeVersion:
    """Stop using a published version (it stays on record; claims it decided keep pointing at it)."""
    require_perm(actor, "subsidies.publish_schemeversion")
    if not reason.strip():
        raise DomainError.for_fields(_("请说明停用理由"), {"reason": _("请说明停用理由")})
    version = SchemeVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != SchemeVersion.Status.PUBLISHED:
        raise Conflict(_("只有已发布的政策版本可以停用"), code="version_not_published")
    version.status = SchemeVersion.Status.RETIRED
    version.save(update_fields=["status"])
    record_event(
        actor=actor,
        action="subsidies.version.retired",
        obj=version,
        before={"status": "published"},
        after={"status": "retired"},
        reason=reason.strip(),
    )
    return version
