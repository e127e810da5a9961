"""Catalog editions: list, the edition in force, differences between two; drafts created, copied, changed,
deleted and published by catalog staff.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Status

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.catalog import selectors, services
from lijiao.catalog.api.common import _NOT_FOUND, _WRITE_ERRORS, _edition, router
from lijiao.catalog.diff import EditionDiff, FieldChange, diff_editions
from lijiao.catalog.models import Edition
from lijiao.catalog.schemas import DiffOut, EditionCopyIn, EditionIn, EditionOut, PublishIn, money
from lijiao.core.errors import DomainError
from lijiao.core.permissions import require_perm


def _fresh(request: HttpRequest, edition: Edition) -> Edition:
    """The edition again, with its item count."""
    return selectors.get_edition(current_user(request), edition.pk)


def _change_value(value: Any) -> Any:
    return money(value) if isinstance(value, Decimal) else value


def _field_change(change: FieldChange) -> dict[str, Any]:
    return {
        "field": change.field,
        "label": change.label,
        "old": _change_value(change.old),
        "new": _change_value(change.new),
        "old_display": money(change.old) if isinstance(change.old, Decimal) else change.old_display,
        "new_display": money(change.new) if isinstance(change.new, Decimal) else change.new_display,
        "delta": money(change.delta),
    }


def _diff_out(diff: EditionDiff) -> dict[str, Any]:
    return {
        "old": diff.old,
        "new": diff.new,
        "counts": {
            "added": len(diff.added),
            "removed": len(diff.removed),
            "changed": len(diff.changed),
            "unchanged": diff.unchanged,
        },
        "added": diff.added,
        "removed": diff.removed,
        "changed": [
            {
                "kind": change.new.kind,
                "subject_code": change.new.subject_code,
                "subject_name": change.new.subject_name,
                "level": change.new.level,
                "old": change.old,
                "new": change.new,
                "changes": [_field_change(c) for c in change.changes],
            }
            for change in diff.changed
        ],
    }


def _diff(request: HttpRequest, old_id: int, new_id: int) -> EditionDiff:
    return diff_editions(_edition(request, old_id), _edition(request, new_id))


@router.get("/editions", response=list[EditionOut], summary="目录版本列表")
def list_editions(request: HttpRequest) -> QuerySet[Edition]:
    """Published and superseded editions, newest first; catalog staff also see drafts."""
    return selectors.visible_editions(current_user(request))


@router.get("/editions/in-force", response={200: EditionOut, **_NOT_FOUND}, summary="某日现行的目录版本")
def edition_in_force(
    request: HttpRequest,
    on: Annotated[dt.date | None, Query(description="日期 YYYY-MM-DD，默认今天（北京时间）")] = None,
) -> Edition:
    """The edition in force on a date (classes keep the edition in force on their filing date); 404 if none."""
    edition = selectors.edition_in_force(on or timezone.localdate())
    if edition is None:
        raise DomainError(
            _("%(day)s 没有生效的目录版本") % {"day": on or timezone.localdate()}, "not_found", status=404
        )
    return _fresh(request, edition)


@router.get("/editions/{edition_id}", response={200: EditionOut, **_NOT_FOUND}, summary="目录版本")
def get_edition(request: HttpRequest, edition_id: int) -> Edition:
    return _edition(request, edition_id)


@router.get(
    "/editions/{old_id}/diff/{new_id}", response={200: DiffOut, **_NOT_FOUND}, summary="两个版本的差异"
)
def edition_diff(request: HttpRequest, old_id: int, new_id: int) -> dict[str, Any]:
    """Items added, removed and changed (amounts, tiers, hours, category, flags) from ``old_id`` to ``new_id``."""
    return _diff_out(_diff(request, old_id, new_id))


@router.post(
    "/editions", auth=required_auth, response={201: EditionOut, **_WRITE_ERRORS}, summary="新建空白草稿版本"
)
def create_edition(request: HttpRequest, payload: EditionIn) -> Status[Edition]:
    user = current_user(request)
    require_perm(user, "catalog.add_edition")
    edition = services.create_edition(
        actor=user,
        name=payload.name,
        year=payload.year,
        effective_from=payload.effective_from,
        document_number=payload.document_number,
        notes=payload.notes,
    )
    return Status(201, _fresh(request, edition))


@router.post(
    "/editions/{edition_id}/copy",
    auth=required_auth,
    response={201: EditionOut, **_WRITE_ERRORS},
    summary="以某版本为基础新建草稿（复制全部项目）",
)
def copy_edition(request: HttpRequest, edition_id: int, payload: EditionCopyIn) -> Status[Edition]:
    user = current_user(request)
    require_perm(user, "catalog.add_edition")
    source = _edition(request, edition_id)
    edition = services.start_edition_from(
        actor=user, source=source, name=payload.name, year=payload.year, effective_from=payload.effective_from
    )
    return Status(201, _fresh(request, edition))


@router.put(
    "/editions/{edition_id}",
    auth=required_auth,
    response={200: EditionOut, **_WRITE_ERRORS},
    summary="修改草稿版本",
)
def update_edition(request: HttpRequest, edition_id: int, payload: EditionIn) -> Edition:
    user = current_user(request)
    require_perm(user, "catalog.change_edition")
    edition = services.update_edition(
        actor=user,
        edition=_edition(request, edition_id),
        name=payload.name,
        year=payload.year,
        effective_from=payload.effective_from,
        document_number=payload.document_number,
        notes=payload.notes,
    )
    return _fresh(request, edition)


@router.delete(
    "/editions/{edition_id}",
    auth=required_auth,
    response={204: None, **_WRITE_ERRORS},
    summary="删除草稿版本",
)
def delete_edition(request: HttpRequest, edition_id: int) -> Status[None]:
    user = current_user(request)
    require_perm(user, "catalog.delete_edition")
    services.delete_draft_edition(actor=user, edition=_edition(request, edition_id))
    return Status(204, None)


@router.post(
    "/editions/{edition_id}/publish",
    auth=required_auth,
    response={200: EditionOut, **_WRITE_ERRORS},
    summary="发布草稿版本（替代现行版本）",
)
def publish_edition(request: HttpRequest, edition_id: int, payload: PublishIn | None = None) -> Edition:
    """The draft is in force from ``effective_from``; the edition in force until then ends that day."""
    user = current_user(request)
    require_perm(user, "catalog.publish_edition")
    edition = services.publish_edition(
        actor=user,
        edition=_edition(request, edition_id),
        effective_from=payload.effective_from if payload else None,
    )
    return _fresh(request, edition)
