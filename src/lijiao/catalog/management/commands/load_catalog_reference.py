"""``lijiao load_catalog_reference``: upsert categories, occupations and special items from the bundled CSVs."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.catalog.reference import ReferenceDataError, load_reference_data

LABELS = {
    "categories": gettext_lazy("行业类别"),
    "occupations": gettext_lazy("职业"),
    "work_types": gettext_lazy("工种"),
    "special_items": gettext_lazy("专项及创业项目"),
}


class Command(BaseCommand):
    help = "Load (idempotently) the catalog reference data: 35 categories, occupations, work types, special items."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = load_reference_data()
        except ReferenceDataError as exc:
            raise CommandError(_("参考数据有误：%(problem)s") % {"problem": exc}) from exc
        for key, value in counts.items():
            self.stdout.write(f"{LABELS.get(key, key)}：{value}")
        self.stdout.write(self.style.SUCCESS(_("参考数据已载入")))
