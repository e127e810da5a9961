"""The staff's certificate list as xlsx: the rows the screen shows (same selector, same filter set), every page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.certificates.models import Certificate
from lijiao.certificates.services.issuance import flag_labels
from lijiao.certificates.services.numbering import level_label
from lijiao.core.xlsx import ListExport, list_xlsx

__all__ = ["certificates_xlsx"]

CHUNK = 2_000


def _row(c: Certificate) -> list[Any]:
    return [
        c.number,
        c.get_certificate_type_display(),
        c.holder_name,
        c.subject_name,
        level_label(c.level) if c.level else "",
        c.issuer_name,
        c.issued_on,
        c.get_source_display(),
        c.get_status_display(),
        c.revoked_on,
        c.revoked_reason,
        c.get_report_status_display(),
        "；".join(flag_labels(c.flags)),
    ]


def certificates_xlsx(certificates: QuerySet[Certificate]) -> ListExport:
    """The certificate list as the filters show it (no ID numbers: the holder's name as printed)."""
    return list_xlsx(
        sheet_name=_("证书"),
        title=_("证书（导出于 %(date)s）") % {"date": timezone.localdate().isoformat()},
        header=[
            _("证书编号"),
            _("证书类型"),
            _("持证人姓名"),
            _("职业（工种）/项目"),
            _("等级"),
            _("发证机构"),
            _("发证日期"),
            _("来源"),
            _("状态"),
            _("撤销日期"),
            _("撤销原因"),
            _("上报状态"),
            _("核查提示"),
        ],
        rows=(_row(c) for c in certificates.iterator(chunk_size=CHUNK)),
    )
