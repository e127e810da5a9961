"""Reference data: Dalian's GB/T 2260 units and the bureau's 13 handling areas (经办区域)."""

from django.db import migrations

REGIONS = [
    ("210000", "辽宁省", "province", None),
    ("210200", "大连市", "city", "210000"),
    ("210202", "中山区", "county", "210200"),
    ("210203", "西岗区", "county", "210200"),
    ("210204", "沙河口区", "county", "210200"),
    ("210211", "甘井子区", "county", "210200"),
    ("210212", "旅顺口区", "county", "210200"),
    ("210213", "金州区", "county", "210200"),
    ("210214", "普兰店区", "county", "210200"),
    ("210224", "长海县", "county", "210200"),
    ("210281", "瓦房店市", "county", "210200"),
    ("210283", "庄河市", "county", "210200"),
]

# (code, name, sort order, GB/T 2260 regions covered). Handling areas are the bureau's own list:
# 市本级 covers the whole city; 长兴岛 lies in 瓦房店市; 高新园区 in 甘井子区; 金普新区 in 金州区 and part of 普兰店区.
HANDLING_AREAS = [
    ("SBJ", "市本级", 1, ["210200"]),
    ("CXD", "长兴岛", 2, ["210281"]),
    ("GXY", "高新园区", 3, ["210211"]),
    ("JPX", "金普新区", 4, ["210213", "210214"]),
    ("ZS", "中山区", 5, ["210202"]),
    ("XG", "西岗区", 6, ["210203"]),
    ("SHK", "沙河口区", 7, ["210204"]),
    ("GJZ", "甘井子区", 8, ["210211"]),
    ("LSK", "旅顺口区", 9, ["210212"]),
    ("PLD", "普兰店区", 10, ["210214"]),
    ("WFD", "瓦房店市", 11, ["210281"]),
    ("ZH", "庄河市", 12, ["210283"]),
    ("CH", "长海县", 13, ["210224"]),
]


def load(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    HandlingArea = apps.get_model("core", "HandlingArea")
    by_code = {}
    for code, name, level, parent in REGIONS:
        region, _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": by_code.get(parent)}
        )
        by_code[code] = region
    for code, name, order, regions in HANDLING_AREAS:
        area, _ = HandlingArea.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
        area.regions.set([by_code[c] for c in regions])


def unload(apps, schema_editor):
    apps.get_model("core", "HandlingArea").objects.filter(code__in=[a[0] for a in HANDLING_AREAS]).delete()
    apps.get_model("core", "Region").objects.filter(code__in=[r[0] for r in REGIONS]).order_by("-code").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
