"""Public certificate verification (issue 11 item 5, ADR 0018): number + holder name, or the QR link's token.

What the public sees is :class:`VerifiedCertificate`: the holder's name and ID number masked, what the
certificate attests, who issued it, and whether it is valid or revoked (with the date). A wrong name confirms
nothing about the number: an unknown number and a known number with another name take the same path — one
query by number, one keyed-hash comparison of the names (a placeholder name when no row came back) — and give
the same :data:`NO_MATCH` answer. Nothing is decrypted before the names matched: the holder's ID number is read
as its stored ciphertext and opened only for a match.

A number that cannot be a certificate number by its shape alone (characters other than digits, Latin letters
and hyphens, or a length outside 6–40) is refused before any lookup (:func:`parse_number`): the rule is public
and says nothing about what the database holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.catalog.models import Level
from lijiao.certificates.models import Certificate, CertificateType
from lijiao.core.errors import DomainError
from lijiao.core.pii import PIIKind, decrypt, mask

NO_MATCH = gettext_lazy("未查到与该证书编号和姓名相符的证书")
MATCH = gettext_lazy("证书编号与姓名相符")
NUMBER_MIN, NUMBER_MAX = 6, 40
NAME_MAX = 50
_NUMBER_SHAPE = re.compile(rf"^[0-9A-Z-]{{{NUMBER_MIN},{NUMBER_MAX}}}$")
_SPACES = re.compile(r"\s+")
# The middle dot of names such as 买买提·艾力 as people type it (·, •, ・, ‧, ･, .)
_NAME_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "･": "·", ".": "·", "．": "·"})
# Compared in place of a name when no certificate has the number, so that both paths hash and compare alike.
_PLACEHOLDER_NAME = "\x00no-certificate\x00"

# What one lookup reads: the certificate's own columns, the joined names, and the holder's ID number as stored
# (ciphertext: the field's decryption does not run on a Cast).
_FIELDS = (
    "id",
    "number",
    "holder_name",
    "certificate_type",
    "subject_name",
    "level",
    "issued_on",
    "status",
    "revoked_on",
    "issuer_name",
    "body__name",
    "occupation__name",
    "work_type__name",
    "special_item__name",
)


@dataclass(frozen=True, slots=True)
class VerifiedCertificate:
    """What a public verification shows of a certificate (masked; no internal id, no reason of revocation)."""

    number: str
    holder_name: str  # masked: 张*三, 李*
    citizen_id: str  # masked: 2102**********123X
    certificate_type: str
    certificate_type_label: str
    subject: str  # 职业（工种）or 专项职业能力 item
    level: int | None
    level_label: str
    issued_on: dt.date
    issuer: str  # the evaluating body (or, for an imported certificate, the issuer as printed)
    status: str
    status_label: str
    revoked_on: dt.date | None


@dataclass(frozen=True, slots=True)
class VerificationAnswer:
    """The answer to one verification: matched or not, the sentence to show, and the certificate when matched."""

    matched: bool
    message: str
    certificate: VerifiedCertificate | None = None


def normalize_number(raw: str) -> str:
    """A number as people type or paste it: full-width characters folded (NFKC), spaces dropped, upper case."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw or "")).upper()


def normalize_name(raw: str) -> str:
    """A name for comparison: NFKC, no spaces, one kind of middle dot (a name typed on a phone compares equal)."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw or "")).translate(_NAME_DOTS)


def parse_number(raw: str) -> str:
    """The normalized number, or :class:`DomainError` (field ``number``) when its shape alone rules it out."""
    number = normalize_number(raw)
    if not number:
        raise DomainError.for_fields(_("请填写证书编号"), {"number": _("请填写证书编号")})
    if not _NUMBER_SHAPE.match(number):
        message = _("证书编号格式不正确：应为 %(min)s 至 %(max)s 位数字或字母") % {
            "min": NUMBER_MIN,
            "max": NUMBER_MAX,
        }
        raise DomainError.for_fields(message, {"number": message})
    return number


def parse_name(raw: str) -> str:
    """The normalized holder name, or :class:`DomainError` (field ``name``) when empty or too long."""
    name = normalize_name(raw)
    if not name:
        raise DomainError.for_fields(_("请填写持证人姓名"), {"name": _("请填写持证人姓名")})
    if len(name) > NAME_MAX:
        message = _("姓名不能超过 %(count)s 个字") % {"count": NAME_MAX}
        raise DomainError.for_fields(message, {"name": message})
    return name


def mask_name(name: str) -> str:
    """张*三, 李*, 欧**娜; a one-character name stays as it is (nothing to hide that the asker did not type)."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@cache
def _name_hmac(secret: str) -> Any:
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def _name_key(name: str) -> bytes:
    keyed = _name_hmac(settings.SECRET_KEY).copy()  # the key's hash states set up once, copied per name
    keyed.update(normalize_name(name).encode())
    return bytes(keyed.digest())


def names_match(given: str, stored: str | None) -> bool:
    """Whether two names are the same person's name as printed, in constant time (keyed hashes compared)."""
    return hmac.compare_digest(
        _name_key(given), _name_key(stored if stored is not None else _PLACEHOLDER_NAME)
    )


def _rows(fields: tuple[str, ...] = _FIELDS, **lookup: Any) -> Any:
    return (
        Certificate.objects.filter(**lookup)
        .order_by()
        .values(*fields, holder_citizen_id=Cast(F("holder__citizen_id"), TextField()))
    )


# The one-row lookup joins only the holder and the body: the subject's catalogue names are read in a second query
# in the rare case a certificate has no printed subject_name (fewer joins: PostgreSQL plans it in a fraction).
_LOOKUP_FIELDS = (
    *(f for f in _FIELDS if f not in ("occupation__name", "work_type__name", "special_item__name")),
    "occupation_id",
    "work_type_id",
    "special_item_id",
)
_COLUMNS = (*_LOOKUP_FIELDS, "holder_citizen_id")
_SENTINEL = "\x00lookup\x00"
_compiled: dict[tuple[str, str], str] = {}


def _lookup_sql(field: str) -> str:
    """The SQL the ORM compiles for the one-row lookup by ``field`` on the default database, compiled once per
    process (the public lookup runs at thousands a second: Django's query building was half its time)."""
    key = (connection.alias, field)
    sql = _compiled.get(key)
    if sql is None:
        sql, params = _rows(_LOOKUP_FIELDS, **{field: _SENTINEL})[:1].query.sql_with_params()
        if list(params) != [_SENTINEL]:  # pragma: no cover  (the lookup's only parameter is the value)
            raise RuntimeError(f"unexpected parameters in the verification lookup: {params!r}")
        _compiled[key] = sql
    return sql


def _as_date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _one_row(field: str, value: str) -> dict[str, Any] | None:
    """One certificate's public columns by a unique field (number or verification token), or ``None``."""
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(field), [value])
        found = cursor.fetchone()
    if found is None:
        return None
    row = dict(zip(_COLUMNS, found, strict=True))
    row["issued_on"] = _as_date(row["issued_on"])
    row["revoked_on"] = _as_date(row["revoked_on"])
    return row


def _with_subject_names(row: dict[str, Any]) -> dict[str, Any]:
    """A looked-up row with its catalogue names, read only when the certificate has no printed subject."""
    names = {"occupation__name": None, "work_type__name": None, "special_item__name": None}
    if not row["subject_name"] and (row["occupation_id"] or row["work_type_id"] or row["special_item_id"]):
        names.update(
            Certificate.objects.filter(pk=row["id"]).values(*names).get()  # one query, rare
        )
    return {**row, **names}


def _level_label(level: int | None) -> str:
    if level is None:
        return ""
    try:
        return str(Level(level).label)
    except ValueError:
        return str(level)


def public_view(row: Mapping[str, Any]) -> VerifiedCertificate:
    """The masked public view of one looked-up row (decrypts the holder's ID number to mask it)."""
    sealed = row["holder_citizen_id"]
    citizen_id = mask(PIIKind.CITIZEN_ID, decrypt(sealed)) if sealed else ""
    subject = row["subject_name"] or " ".join(
        name for name in (row["occupation__name"], row["work_type__name"], row["special_item__name"]) if name
    )
    status = row["status"]
    return VerifiedCertificate(
        number=row["number"],
        holder_name=mask_name(row["holder_name"]),
        citizen_id=citizen_id,
        certificate_type=row["certificate_type"],
        certificate_type_label=str(CertificateType(row["certificate_type"]).label),
        subject=subject,
        level=row["level"],
        level_label=_level_label(row["level"]),
        issued_on=row["issued_on"],
        issuer=row["body__name"] or row["issuer_name"],
        status=status,
        status_label=str(Certificate.Status(status).label),
        revoked_on=row["revoked_on"],
    )


def verify(number: str, name: str) -> VerificationAnswer:
    """Verify a certificate by number and holder name (both already parsed): one query, one comparison.

    Unknown number and wrong name give the same answer after the same work; only a match decrypts anything.
    """
    row = _one_row("number", number)
    stored = row["holder_name"] if row is not None else None
    if not names_match(name, stored) or row is None:
        return VerificationAnswer(False, str(NO_MATCH))
    return VerificationAnswer(True, str(MATCH), public_view(_with_subject_names(row)))


def verify_many(pairs: Iterable[tuple[str, str]]) -> list[VerificationAnswer]:
    """:func:`verify` for many (number, name) pairs (a batch): one query for all the numbers."""
    pairs = list(pairs)
    rows = {row["number"]: row for row in _rows(number__in={number for number, _name in pairs})}
    answers = []
    for number, name in pairs:
        row = rows.get(number)
        if row is not None and names_match(name, row["holder_name"]):
            answers.append(VerificationAnswer(True, str(MATCH), public_view(row)))
        else:
            answers.append(VerificationAnswer(False, str(NO_MATCH)))
    return answers


def verify_token(token: str) -> VerificationAnswer:
    """The QR link's answer: the certificate whose verification token this is (the token is the secret)."""
    if not token or len(token) > 32:
        return VerificationAnswer(
            False, str(_("该查验链接无效，请核对证书上的二维码或使用证书编号和姓名查验"))
        )
    row = _one_row("verification_token", token)
    if row is None:
        return VerificationAnswer(
            False, str(_("该查验链接无效，请核对证书上的二维码或使用证书编号和姓名查验"))
        )
    return VerificationAnswer(True, str(_("证书信息如下")), public_view(_with_subject_names(row)))
