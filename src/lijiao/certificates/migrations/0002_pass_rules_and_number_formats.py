"""Default pass rules (60/60; 技师 and 高级技师 also 综合评审) and the numbering of 专项 and 培训合格证."""

from decimal import Decimal

from django.db import migrations

SIXTY = Decimal("60")
POLICY = "人社部《职业技能等级认定工作规程》：理论知识考试、操作技能考核均实行百分制，成绩皆达60分（含）以上者为合格"
REVIEW = "技师、高级技师还须进行综合评审，综合评审成绩达60分（含）以上者为合格"

FORMATS = [
    # 专项职业能力证书: ZX + province + city + 2-digit year + 6-digit serial (18 characters)
    ("special", "ZX{province}{city}{year}{serial:06d}", r"^ZX[0-9]{2}[0-9]{2}[0-9]{2}[0-9]{6}$", "ZX+省+市+年份+6位流水号"),
    # 培训合格证: PX + province + city + 4-digit year + 7-digit serial (17 characters)
    ("training", "PX{province}{city}{yyyy}{serial:07d}", r"^PX[0-9]{2}[0-9]{2}[0-9]{4}[0-9]{7}$", "PX+省+市+4位年份+7位流水号"),
]


def seed(apps, schema_editor):
    PassRule = apps.get_model("certificates", "PassRule")
    NumberFormat = apps.get_model("certificates", "NumberFormat")
    PassRule.objects.get_or_create(level=None, defaults={"theory_min": SIXTY, "practical_min": SIXTY, "policy_text": POLICY})
    for level in (2, 1):
        PassRule.objects.get_or_create(
            level=level,
            defaults={
                "theory_min": SIXTY,
                "practical_min": SIXTY,
                "needs_review": True,
                "review_min": SIXTY,
                "policy_text": f"{POLICY}；{REVIEW}",
            },
        )
    for kind, template, pattern, note in FORMATS:
        NumberFormat.objects.get_or_create(
            certificate_type=kind, defaults={"template": template, "pattern": pattern, "note": note}
        )


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
