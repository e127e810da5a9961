"""Public verification's writes (ADR 0018): the per-client rate limit, and the employers' batch verification.

**Rate limit.** Every public verification answer (the page, the API, the QR link) counts against the client's
address: ``CERTIFICATE_VERIFY_PER_MINUTE`` per clock minute and ``CERTIFICATE_VERIFY_PER_DAY`` per local day
(0 lifts a limit). The counts live in :class:`~lijiao.certificates.models.VerificationCounter`, one row per
client, incremented by one conditional ``UPDATE`` in the database every server process shares, so the limit holds
whatever process or machine answers. Refused attempts count too (a client hammering past the limit stays
refused until its window ends). The counters are bookkeeping, not domain data, and are not audited; a refusal
is logged.

**Batch verification.** An employer's staff (``certificates.verify_batch``) upload a spreadsheet of 证书编号 and
姓名 and get one result row per input row; at most ``CERTIFICATE_BATCH_MAX_ROWS`` rows per file and
``CERTIFICATE_BATCH_DAILY_ROWS`` rows per employer per day. Each batch is recorded and audited (counts only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import ipaddress
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.audit.services import record_event
from lijiao.certificates.models import VerificationBatch, VerificationCounter
from lijiao.certificates.selectors.verification import (
    NAME_MAX,
    NUMBER_MAX,
    VerificationAnswer,
    normalize_name,
    normalize_number,
    parse_name,
    parse_number,
    verify_many,
)
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, PermissionDenied
from lijiao.core.importing import (
    CSV_EXTENSIONS,
    SPREADSHEET_EXTENSIONS,
    CellError,
    ColumnSpec,
    ImportFileError,
    cell_free_text,
    cell_text,
    check_spreadsheet,
    open_table,
)

logger = logging.getLogger(__name__)


class RateLimited(DomainError):
    """Too many verifications from one client: 429 with the seconds until the window ends (``Retry-After``)."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            message=_("查验过于频繁，请 %(minutes)s 分钟后再试。") % {"minutes": minutes},
            code="throttled",
            status=429,
        )
        self.retry_after = retry_after


def client_key(address: str) -> str:
    """The counter's key for a client address: a keyed hash (the address itself is not stored); an IPv6
    address counts by its /64, which one household or phone holds whole."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        canonical = address or "-"
    else:
        if isinstance(ip, ipaddress.IPv6Address):
            mapped = ip.ipv4_mapped
            canonical = str(mapped) if mapped else str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
        else:
            canonical = str(ip)
    return hmac.new(settings.SECRET_KEY.encode(), b"verify:" + canonical.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Quota:
    """The client's counts after this attempt and the limits in force."""

    minute_count: int
    day_count: int
    per_minute: int
    per_day: int


def _now_windows(now: float | None) -> tuple[int, int, int, int]:
    """(minute index, local day ordinal, seconds to the minute's end, seconds to local midnight)."""
    stamp = time.time() if now is None else now
    minute = int(stamp // 60)
    local = dt.datetime.fromtimestamp(stamp, tz=timezone.get_default_timezone())
    midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        minute,
        local.date().toordinal(),
        60 - int(stamp % 60),
        max(1, int((midnight - local).total_seconds())),
    )


def take_verification(*, client_ip: str, now: float | None = None) -> Quota:
    """Count one verification for the client and raise :class:`RateLimited` past the limits (atomic, shared).

    One ``UPDATE`` increments the client's row, restarting a count whose window has passed; a new client gets
    its row (and the day's stale rows of other clients are removed then). Nothing is written when both limits
    are lifted (0).
    """
    per_minute, per_day = settings.CERTIFICATE_VERIFY_PER_MINUTE, settings.CERTIFICATE_VERIFY_PER_DAY
    if per_minute <= 0 and per_day <= 0:
        return Quota(0, 0, per_minute, per_day)
    key = client_key(client_ip)
    minute, day, minute_left, day_left = _now_windows(now)
    with transaction.atomic():
        rows = VerificationCounter.objects.filter(client=key)
        updated = rows.update(
            minute_count=Case(When(minute=minute, then=F("minute_count") + 1), default=Value(1)),
            minute=minute,
            day_count=Case(When(day=day, then=F("day_count") + 1), default=Value(1)),
            day=day,
        )
        if not updated:
            try:
                with transaction.atomic():
                    VerificationCounter.objects.create(
                        client=key, minute=minute, minute_count=1, day=day, day_count=1
                    )
            except IntegrityError:  # another process created it meanwhile: count on its row
                rows.update(
                    minute_count=Case(When(minute=minute, then=F("minute_count") + 1), default=Value(1)),
                    minute=minute,
                    day_count=Case(When(day=day, then=F("day_count") + 1), default=Value(1)),
                    day=day,
                )
            else:
                VerificationCounter.objects.filter(day__lt=day - 1).delete()
        minute_count, day_count = rows.values_list("minute_count", "day_count").get()
    if per_day > 0 and day_count > per_day:
        logger.warning("certificate verification throttled (day) for client %s", key[:12])
        raise RateLimited(day_left)
    if per_minute > 0 and minute_count > per_minute:
        logger.warning("certificate verification throttled (minute) for client %s", key[:12])
        raise RateLimited(minute_left)
    return Quota(minute_count, day_count, per_minute, per_day)


# --------------------------------------------------------------------------------------------------- batches

BATCH_COLUMNS = (
    ColumnSpec("number", "证书编号", ("证书号", "证书编码", "证书号码"), required=True),
    ColumnSpec("name", "姓名", ("持证人姓名", "持证人", "人员姓名"), required=True),
)
RESULT_HEADER = (
    gettext_lazy("行号"),
    gettext_lazy("证书编号"),
    gettext_lazy("姓名"),
    gettext_lazy("核验结果"),
    gettext_lazy("持证人（脱敏）"),
    gettext_lazy("身份证号（脱敏）"),
    gettext_lazy("证书类型"),
    gettext_lazy("职业（工种）/项目"),
    gettext_lazy("等级"),
    gettext_lazy("发证日期"),
    gettext_lazy("评价机构/发证机构"),
    gettext_lazy("证书状态"),
    gettext_lazy("撤销日期"),
    gettext_lazy("说明"),
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BATCH_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A finished batch: the result workbook, its rows and how many matched, the record's id."""

    content: bytes
    rows: int
    matched: int
    batch_id: int


def quota_key(actor: Actor) -> str:
    """Whose daily quota a user's batches draw from: the employer (its evaluating body) or the account."""
    membership = getattr(actor, "evaluator_membership", None)  # None when the user has none (AttributeError)
    body_id = membership.body_id if membership is not None else None
    return f"body:{body_id}" if body_id else f"user:{actor.pk}"


def rows_used_today(key: str) -> int:
    """Rows the employer has verified in batches since local midnight."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    total = VerificationBatch.objects.filter(quota_key=key, created_at__gte=start).aggregate(n=Sum("rows"))[
        "n"
    ]
    return int(total or 0)


def _read_pairs(file_name: str, data: bytes) -> list[tuple[int, str, str, str | None]]:
    """(row number, number as given, name as given, problem) per data row of the file; hostile files refused."""
    suffix = Path(file_name or "").suffix.lower()
    if suffix not in SPREADSHEET_EXTENSIONS | CSV_EXTENSIONS:
        raise ImportFileError(_("请上传 xlsx、xls、ods 或 csv 文件"), code="bad_type")
    if len(data) > MAX_BATCH_FILE_BYTES:
        raise ImportFileError(
            _("文件不能超过 %(size)s MB") % {"size": MAX_BATCH_FILE_BYTES // (1024 * 1024)},
            code="file_too_large",
        )
    check_spreadsheet(file_name, data)
    table = open_table(file_name, data, BATCH_COLUMNS)
    limit = settings.CERTIFICATE_BATCH_MAX_ROWS
    pairs: list[tuple[int, str, str, str | None]] = []
    for row in table.rows:
        if len(pairs) >= limit:
            raise ImportFileError(
                _("每个文件最多核验 %(limit)s 条，请拆分后分批上传") % {"limit": limit}, code="too_many_rows"
            )
        problem = None
        try:
            number = cell_text(table.cell(row, "number"), allow_number=False)
        except CellError as exc:
            number, problem = str(table.cell(row, "number") or ""), exc.message
        try:
            name = cell_free_text(table.cell(row, "name"))
        except CellError as exc:
            name, problem = "", problem or exc.message
        pairs.append((row.number, number[: NUMBER_MAX * 2], name[: NAME_MAX * 2], problem))
    if not pairs:
        raise ImportFileError(_("文件中没有要核验的行"), code="empty_file")
    return pairs


def _result_workbook(rows: list[tuple[int, str, str, VerificationAnswer | None, str]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(_("核验结果"))
    bold = workbook.add_format({"bold": True})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [str(title) for title in RESULT_HEADER], bold)
    for index, (row_number, number, name, answer, note) in enumerate(rows, start=1):
        sheet.write_number(index, 0, row_number)
        sheet.write_string(index, 1, number)
        sheet.write_string(index, 2, name)
        certificate = answer.certificate if answer is not None else None
        sheet.write_string(index, 3, _("相符") if certificate is not None else _("不相符"))
        if certificate is not None:
            sheet.write_string(index, 4, certificate.holder_name)
            sheet.write_string(index, 5, certificate.citizen_id)
            sheet.write_string(index, 6, certificate.certificate_type_label)
            sheet.write_string(index, 7, certificate.subject)
            sheet.write_string(index, 8, certificate.level_label)
            sheet.write_datetime(index, 9, dt.datetime.combine(certificate.issued_on, dt.time()), date)
            sheet.write_string(index, 10, certificate.issuer)
            sheet.write_string(index, 11, certificate.status_label)
            if certificate.revoked_on:
                sheet.write_datetime(index, 12, dt.datetime.combine(certificate.revoked_on, dt.time()), date)
        sheet.write_string(index, 13, note)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 26)
    sheet.set_column(2, 13, 16)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


@transaction.atomic
def verify_batch(*, actor: Actor, file_name: str, data: bytes) -> BatchResult:
    """Verify every (证书编号, 姓名) row of an employer's spreadsheet; the result workbook has one row per input row
    (相符 with the masked certificate, or 不相符 with the reason when the row itself is unusable).

    Refused: without ``certificates.verify_batch`` (403); a hostile, unreadable or headerless file, more than
    ``CERTIFICATE_BATCH_MAX_ROWS`` rows, or more rows than today's quota leaves (400) — then nothing is recorded.
    """
    if not actor.has_perm("certificates.verify_batch"):
        raise PermissionDenied()
    pairs = _read_pairs(file_name, data)
    key = quota_key(actor)
    _lock_quota(key)
    used = rows_used_today(key)
    daily = settings.CERTIFICATE_BATCH_DAILY_ROWS
    if used + len(pairs) > daily:
        raise DomainError.for_fields(
            _("今日批量核验额度不足：每日最多 %(daily)s 条，今日已核验 %(used)s 条，本文件 %(rows)s 条")
            % {"daily": daily, "used": used, "rows": len(pairs)},
            {"file": _("超出今日批量核验额度")},
            code="quota_exceeded",
        )
    parsed: list[tuple[str, str] | None] = []
    notes: list[str] = []
    for _row, number, name, problem in pairs:
        note = problem or ""
        if not note:
            try:
                parsed.append((parse_number(number), parse_name(name)))
            except DomainError as exc:
                parsed.append(None)
                note = exc.errors[0].message if exc.errors else exc.message
            else:
                note = ""
        else:
            parsed.append(None)
        notes.append(note)
    answers = iter(verify_many(p for p in parsed if p is not None))
    rows: list[tuple[int, str, str, VerificationAnswer | None, str]] = []
    for (row_number, number, name, _problem), pair, note in zip(pairs, parsed, notes, strict=True):
        answer = next(answers) if pair is not None else None
        shown_note = note or (
            "" if answer is not None and answer.matched else str(answer.message if answer else "")
        )
        rows.append(
            (row_number, normalize_number(number) or number, normalize_name(name) or name, answer, shown_note)
        )
    matched = sum(1 for row in rows if row[3] is not None and row[3].matched)
    batch = VerificationBatch.objects.create(
        user_id=actor.pk, quota_key=key, file_name=file_name[:200], rows=len(rows), matched=matched
    )
    record_event(
        actor=actor,
        action="certificates.verify_batch",
        obj=batch,
        after={"rows": len(rows), "matched": matched, "file_name": file_name[:200]},
    )
    return BatchResult(_result_workbook(rows), len(rows), matched, batch.pk)


def _lock_quota(key: str) -> None:
    """Serialize one employer's batches (two uploads at once cannot both pass the quota): lock a row of its own
    in the counters' table (created on its first batch; PostgreSQL locks it, SQLite writes one at a time)."""
    lock_key = hmac.new(settings.SECRET_KEY.encode(), b"batch:" + key.encode(), hashlib.sha256).hexdigest()
    VerificationCounter.objects.get_or_create(client=lock_key)
    VerificationCounter.objects.select_for_update().filter(client=lock_key).values_list("id", flat=True).get()
