"""Default lesson-hour rules (a Jiangsu-style rule, configurable): 五级 ≥ 40 hours, 四级 and up ≥ 56,
practical ≥ 60% for occupations; special items ≥ 16; business start ≥ 40. One lesson hour = 45 minutes."""

from decimal import Decimal

from django.db import migrations

RULES = [
    ("occupation", 5, 40, Decimal("0.600")),
    ("occupation", 4, 56, Decimal("0.600")),
    ("occupation", 3, 56, Decimal("0.600")),
    ("occupation", 2, 56, Decimal("0.600")),
    ("occupation", 1, 56, Decimal("0.600")),
    ("special", None, 16, Decimal("0.500")),
    ("business_start", None, 40, Decimal("0")),
]


def load(apps, schema_editor):
    LessonHourRule = apps.get_model("training", "LessonHourRule")
    for kind, level, hours, share in RULES:
        LessonHourRule.objects.update_or_create(
            kind=kind, level=level, defaults={"min_total_hours": hours, "min_practical_share": share}
        )


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
