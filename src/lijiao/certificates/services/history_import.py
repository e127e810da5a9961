"""Import of certificates issued elsewhere (history, other cities) from xlsx/xls/ods/csv (issue 11, item 4).

All or nothing: every row is parsed and checked first; when any row fails nothing is written and the clerk gets
the error report (row, column, reason) through an :class:`~lijiao.core.models.ImportJob`. Numbers are validated by
type (:mod:`.numbering`: the 22-character 职业技能等级证书, the legacy 16-digit 职业资格证书, the 专项 and 培训合格证
patterns defined as data); the type is read from its column or, when blank, from the number's shape. The holder
is matched by the keyed digest of the ID number (never stored in clear outside the encrypted field) or registered;
a registered holder's name must match. A certificate dated before the end of the class it names (培训班编号) is
imported with the flag ``issued_before_class_end``, not refused. Each certificate goes through
:func:`~lijiao.certificates.services.issuance.issue_certificate` (source ``import``), so it is audited like any.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.catalog.importers import parse_level
from lijiao.catalog.models import Occupation, SpecialItem
from lijiao.certificates.models import Certificate, CertificateType, NumberFormat
from lijiao.certificates.services.issuance import issue_certificate
from lijiao.certificates.services.numbering import (
    check_legacy_number,
    check_pattern_number,
    check_skill_level_number,
)
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError
from lijiao.core.identity import InvalidCitizenId, parse_citizen_id
from lijiao.core.importing import (
    CellError,
    ColumnSpec,
    ImportFileError,
    ImportResult,
    RowError,
    SourceRow,
    Table,
    cell_date,
    cell_free_text,
    cell_text,
    check_spreadsheet,
    open_table,
    save_job,
)
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, pii_digest
from lijiao.core.text import unsafe_text_problem
from lijiao.people.models import Person
from lijiao.training.models import TrainingClass

__all__ = ["COLUMNS", "IMPORT_KIND", "MAX_ROWS", "import_certificates"]

IMPORT_KIND = "certificates.history"
MAX_ROWS = 20_000
MAX_FILE_BYTES = 20 * 1024 * 1024

COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("number", "证书编号", ("证书号", "证书号码", "编号"), required=True),
    ColumnSpec("certificate_type", "证书类型", ("类型", "证书种类")),
    ColumnSpec("name", "姓名", ("持证人", "持证人姓名"), required=True),
    ColumnSpec("citizen_id", "身份证号", ("证件号码", "身份证号码", "公民身份号码"), required=True),
    ColumnSpec("subject_code", "职业编码", ("职业代码", "项目编码")),
    ColumnSpec(
        "subject_name",
        "职业（工种）/项目",
        ("职业", "职业名称", "工种", "职业（工种）", "项目名称"),
        required=True,
    ),
    ColumnSpec("level", "等级", ("证书等级", "技能等级", "职业资格等级")),
    ColumnSpec("issuer_name", "发证机构", ("评价机构", "发证单位", "颁证机构"), required=True),
    ColumnSpec("issued_on", "发证日期", ("颁证日期", "发证时间"), required=True),
    ColumnSpec("class_code", "培训班编号", ("班级编号",)),
    ColumnSpec("imported_from", "来源地", ("来源", "数据来源")),
)

_TYPE_WORDS = {
    "职业技能等级证书": CertificateType.SKILL_LEVEL,
    "技能等级证书": CertificateType.SKILL_LEVEL,
    "等级证书": CertificateType.SKILL_LEVEL,
    "职业资格证书": CertificateType.QUALIFICATION,
    "资格证书": CertificateType.QUALIFICATION,
    "专项职业能力证书": CertificateType.SPECIAL,
    "专项证书": CertificateType.SPECIAL,
    "专项职业能力": CertificateType.SPECIAL,
    "培训合格证": CertificateType.TRAINING,
    "培训合格证书": CertificateType.TRAINING,
    "结业证书": CertificateType.TRAINING,
}
_SKILL_SHAPE = re.compile(r"^[A-Za-z][0-9]{21}$")
_LEGACY_SHAPE = re.compile(r"^[0-9]{16}$")


@dataclass(slots=True)
class _Row:
    number: int
    values: list[Any]
    certificate_type: str
    certificate_number: str
    name: str
    citizen_id: str
    birth_date: dt.date
    gender: str
    occupation: Occupation | None
    special_item: SpecialItem | None
    subject_name: str
    level: int | None
    issuer_name: str
    issued_on: dt.date
    training_class: TrainingClass | None
    imported_from: str


class _Reference:
    """Catalog rows, number formats and the classes named, read once for the whole file."""

    def __init__(self) -> None:
        self.occupations = {o.code: o for o in Occupation.objects.all()}
        self.specials = {s.code: s for s in SpecialItem.objects.all()}
        self.formats = {f.certificate_type: f for f in NumberFormat.objects.all()}
        self.classes: dict[str, TrainingClass | None] = {}

    def training_class(self, code: str) -> TrainingClass | None:
        if code not in self.classes:
            self.classes[code] = TrainingClass.objects.filter(code=code).first()
        return self.classes[code]


def _type_of(text: str, number: str, formats: dict[str, NumberFormat]) -> str:
    if text:
        key = re.sub(r"\s+", "", text)
        if key in _TYPE_WORDS:
            return _TYPE_WORDS[key]
        if key in CertificateType.values:
            return key
        raise CellError(
            _("证书类型“%(text)s”无法识别，应为职业技能等级证书、职业资格证书、专项职业能力证书或培训合格证")
            % {"text": text}
        )
    if _SKILL_SHAPE.match(number):
        return CertificateType.SKILL_LEVEL
    if _LEGACY_SHAPE.match(number):
        return CertificateType.QUALIFICATION
    for kind in (CertificateType.SPECIAL, CertificateType.TRAINING):
        number_format = formats.get(kind)
        if number_format and not check_pattern_number(number, pattern=number_format.pattern, type_label=""):
            return kind
    raise CellError(_("无法从证书编号判断证书类型，请填写“证书类型”列"))


def _number_faults(kind: str, number: str, level: int | None, ref: _Reference) -> list[str]:
    today = timezone.localdate()
    if kind == CertificateType.SKILL_LEVEL:
        return [f.message for f in check_skill_level_number(number, level=level, today=today)[1]]
    if kind == CertificateType.QUALIFICATION:
        return [f.message for f in check_legacy_number(number, level=level, today=today)[1]]
    number_format = ref.formats.get(kind)
    label = str(CertificateType(kind).label)
    if number_format is None:
        return [_("尚未设置%(type)s的编号规则，不能导入") % {"type": label}]
    return [f.message for f in check_pattern_number(number, pattern=number_format.pattern, type_label=label)]


class _Parser:
    def __init__(self, table: Table, ref: _Reference) -> None:
        self.table = table
        self.ref = ref
        self.seen: dict[str, int] = {}

    def parse(self, row: SourceRow, errors: list[RowError]) -> _Row | None:  # noqa: C901, PLR0912, PLR0915
        failed = False

        def fail(key: str, message: str) -> None:
            nonlocal failed
            failed = True
            errors.append(RowError(row.number, self.table.label(key), message, row.values))

        def get(key: str, parse: Any) -> Any:
            try:
                return parse(self.table.cell(row, key))
            except CellError as exc:
                fail(key, exc.message)
                return None

        number = get("number", lambda v: cell_text(v, allow_number=False).replace(" ", "").upper()) or ""
        if not number and not failed:
            fail("number", _("证书编号不能为空"))
        name = get("name", cell_free_text) or ""
        if not name and not failed:
            fail("name", _("姓名不能为空"))
        elif len(name) > 50:
            fail("name", _("姓名最多50字"))
        cid = None
        raw_id = self.table.cell(row, "citizen_id")
        try:
            cid = parse_citizen_id(cell_text(raw_id, allow_number=False))
        except CellError as exc:
            fail("citizen_id", exc.message)
        except InvalidCitizenId as exc:
            fail("citizen_id", exc.message)
        kind = None
        if number:
            kind = get("certificate_type", lambda v: _type_of(cell_text(v), number, self.ref.formats))
        level = get("level", parse_level)
        subject_name = get("subject_name", cell_free_text) or ""
        if len(subject_name) > 100:
            fail("subject_name", _("职业（工种）/项目名称最多100字"))
        code = get("subject_code", cell_text) or ""
        occupation = self.ref.occupations.get(code) if code else None
        special = self.ref.specials.get(code) if code and occupation is None else None
        if code and occupation is None and special is None:
            fail("subject_code", _("未知的职业或项目编码“%(code)s”") % {"code": code})
        issuer = get("issuer_name", cell_free_text) or ""
        if not issuer and "issuer_name" in self.table.columns:
            fail("issuer_name", _("发证机构不能为空"))
        elif len(issuer) > 100:
            fail("issuer_name", _("发证机构最多100字"))
        issued_on = get("issued_on", cell_date)
        if issued_on is not None and issued_on > timezone.localdate():
            fail("issued_on", _("发证日期%(date)s晚于今天") % {"date": issued_on.isoformat()})
        class_code = get("class_code", cell_text) or ""
        training_class = self.ref.training_class(class_code) if class_code else None
        if class_code and training_class is None:
            fail("class_code", _("未知的培训班编号“%(code)s”") % {"code": class_code})
        imported_from = get("imported_from", cell_free_text) or ""
        if len(imported_from) > 100:
            fail("imported_from", _("来源地最多100字"))
        if (
            kind in (CertificateType.SKILL_LEVEL, CertificateType.QUALIFICATION)
            and level is None
            and not failed
        ):
            fail("level", _("职业技能等级证书和职业资格证书须填写等级"))
        if kind and number:
            for message in _number_faults(kind, number, level, self.ref):
                fail("number", message)
            first = self.seen.setdefault(number, row.number)
            if first != row.number:
                fail("number", _("证书编号与第%(row)d行重复") % {"row": first})
        if failed or cid is None or kind is None or issued_on is None:
            return None
        return _Row(
            number=row.number,
            values=row.values,
            certificate_type=kind,
            certificate_number=number,
            name=name,
            citizen_id=cid.number,
            birth_date=cid.birth_date,
            gender=cid.gender,
            occupation=occupation,
            special_item=special,
            subject_name=subject_name,
            level=level,
            issuer_name=issuer,
            issued_on=issued_on,
            training_class=training_class,
            imported_from=imported_from,
        )


def _holder(actor: Actor, row: _Row, label: str, errors: list[RowError]) -> Person | None:
    digest = pii_digest(PIIKind.CITIZEN_ID, row.citizen_id)
    person = Person.objects.filter(citizen_id_digest=digest).first()
    if person is None:
        person = Person.objects.create(
            name=row.name, citizen_id=row.citizen_id, gender=row.gender, birth_date=row.birth_date
        )
        record_event(
            actor=actor,
            action="certificates.import.person_registered",
            obj=person,
            object_repr=person.name,
            after={"name": person.name, "gender": person.gender, "birth_date": person.birth_date.isoformat()},
        )
    elif person.name != row.name:
        errors.append(
            RowError(row.number, label, _("该身份证号已登记的姓名与填写的姓名不一致，请核对"), row.values)
        )
        return None
    return person


def import_certificates(
    *, actor: Actor, file_name: str, data: bytes, imported_from: str = ""
) -> ImportResult:
    """Import the certificates of a file, all or nothing; the job (and its error report) is always recorded.

    ``imported_from`` names where they come from (e.g. “沈阳市人社局 2018 年数据”) for rows that leave 来源地
    blank. Raises :class:`ImportFileError` for a file that cannot be read at all (wrong type, no header, too big).
    """
    require_perm(actor, "certificates.import_certificate")
    started = timezone.now()
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("文件超过 20 MB，请分批导入"), code="file_too_large")
    default_from = (imported_from or "").strip()
    if problem := unsafe_text_problem(default_from, label=_("来源说明")):
        raise DomainError.for_fields(_("来源说明有误"), {"imported_from": problem})
    if len(default_from) > 100:
        raise DomainError.for_fields(_("来源说明有误"), {"imported_from": _("来源说明最多100字")})
    check_spreadsheet(file_name, data)
    table = open_table(file_name or "import.xlsx", data, COLUMNS)
    ref = _Reference()
    parser = _Parser(table, ref)
    errors: list[RowError] = []
    rows: list[_Row] = []
    total = 0
    for source in table.rows:
        total += 1
        if total > MAX_ROWS:
            raise ImportFileError(
                _("一次最多导入 %(max)d 行，请分批导入") % {"max": MAX_ROWS}, code="too_many_rows"
            )
        parsed = parser.parse(source, errors)
        if parsed is not None:
            rows.append(parsed)
    if total == 0:
        raise ImportFileError(_("文件中没有数据行"), code="empty")
    numbers = [r.certificate_number for r in rows]
    taken = (
        set(Certificate.objects.filter(number__in=numbers).values_list("number", flat=True))
        if numbers
        else set()
    )
    for r in rows:
        if r.certificate_number in taken:
            errors.append(
                RowError(
                    r.number,
                    table.label("number"),
                    _("证书编号“%(number)s”已存在") % {"number": r.certificate_number},
                    r.values,
                )
            )
    imported = 0
    if not errors:
        imported = _write(actor, table, rows, default_from, errors)
    errors.sort(key=lambda e: e.row_number)
    job = save_job(
        kind=IMPORT_KIND,
        actor=actor,
        file_name=Path(file_name or "import").name,
        total_rows=total,
        imported_rows=0 if errors else imported,
        errors=errors,
        header=table.header,
        message=_("已导入 %(count)d 张证书") % {"count": imported} if not errors else "",
        started_at=started,
    )
    return ImportResult(
        total_rows=total, imported_rows=0 if errors else imported, errors=errors, job_id=job.pk
    )


class _Abort(Exception):
    pass


def _write(actor: Actor, table: Table, rows: list[_Row], default_from: str, errors: list[RowError]) -> int:
    """Write every row inside one transaction; any refusal rolls all of it back (errors collected per row)."""
    count = 0
    try:
        with transaction.atomic():
            for row in rows:
                holder = _holder(actor, row, table.label("name"), errors)
                if holder is None:
                    continue
                try:
                    with transaction.atomic():
                        issue_certificate(
                            actor=actor,
                            certificate_type=row.certificate_type,
                            source=Certificate.Source.IMPORT,
                            holder=holder,
                            issued_on=row.issued_on,
                            occupation=row.occupation,
                            special_item=row.special_item,
                            level=row.level,
                            training_class=row.training_class,
                            number=row.certificate_number,
                            issuer_name=row.issuer_name,
                            imported_from=row.imported_from or default_from,
                            subject_name=row.subject_name,
                        )
                except DomainError as exc:
                    for error in exc.errors or ():
                        errors.append(
                            RowError(row.number, _column_for(table, error.field), error.message, row.values)
                        )
                    if not exc.errors:
                        errors.append(RowError(row.number, table.label("number"), exc.message, row.values))
                    continue
                count += 1
            if errors:
                raise _Abort
    except _Abort:
        return 0
    return count


def _column_for(table: Table, field: str) -> str:
    key = {
        "holder": "name",
        "occupation": "subject_code",
        "special_item": "subject_code",
        "training_class": "class_code",
    }.get(field, field)
    if key in table.columns or any(spec.key == key for spec in COLUMNS):
        return table.label(key)
    return table.label("number")
