"""The provider list as xlsx (issue 9, Usability 1; ADR 0007): the rows the list screen shows (the scoped
selector narrowed by :class:`lijiao.providers.filters.ProviderFilterSet`), in constant memory, text as text, the
contact phone masked as the screens mask it."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.core.pii import PIIKind, mask
from lijiao.core.xlsx import ListExport, list_xlsx
from lijiao.providers.models import Provider

__all__ = ["providers_xlsx"]


def providers_xlsx(providers: QuerySet[Provider]) -> ListExport:
    return list_xlsx(
        sheet_name=_("培训机构"),
        title=_("培训机构（导出于 %(date)s）") % {"date": timezone.localdate().isoformat()},
        header=[
            _("机构名称"),
            _("统一社会信用代码"),
            _("类型"),
            _("经办区域"),
            _("办学许可证号"),
            _("许可证有效期至"),
            _("联系人"),
            _("联系电话"),
            _("状态"),
        ],
        rows=(
            [
                p.name,
                p.credit_code,
                p.get_type_display(),
                p.handling_area.name,
                p.licence_number,
                p.licence_expires_on,
                p.contact_name,
                mask(PIIKind.PHONE, p.contact_phone),
                p.get_status_display(),
            ]
            for p in providers.iterator(chunk_size=2_000)
        ),
    )
