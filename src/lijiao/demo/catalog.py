"""A Dalian-like demo catalog (SPEC C2), built only through the catalog services so it is audited like real work.

Three editions:

* 2024年版 — published, in force 2024-01-01 … 2024-12-31 (superseded): 154 occupations (each at one to five
  levels, one item per occupation and level), 50 专项职业能力 items and the 2 business-start (创业) items;
* 2025年版 — started from 2024, adjusted (12 occupations added, 4 removed, a few higher levels opened, items for
  two 工种 (焊工（电焊工）, 车工（数控车工）) added, amounts
  and shortage tiers changed, 11 专项 items added) and published from 2025-01-01: 162 occupations + 2
  business-start items in 35 categories, 42 shortage occupations in three tiers (all levels of a shortage
  occupation carry its tier), 61 专项 items — the figures of the 2025 Dalian catalog;
* 2026年版（征求意见稿） — a draft started from 2025 with a handful of changes, no start date yet.

Amounts, lesson hours and the changes are drawn from ``random.Random(2025)`` in a fixed order, so every run
builds the same catalog. All amounts stay inside the usual ranges of Chinese catalogs (SPEC C2) and a 一级
standard plus the largest shortage uplift (+30 %) stays under the 5,500 yuan policy cap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from lijiao.catalog.models import (
    CatalogItem,
    Category,
    Edition,
    Occupation,
    ShortageTier,
    SpecialItem,
    WorkType,
)
from lijiao.catalog.reference import load_reference_data
from lijiao.catalog.services import (
    ItemInput,
    add_item,
    create_edition,
    publish_edition,
    remove_item,
    replace_items,
    start_edition_from,
    update_edition,
    update_item,
)

NAME_2024 = "大连市补贴性职业技能培训目录（2024年版）"
NAME_2025 = "大连市补贴性职业技能培训目录（2025年版）"
NAME_2026 = "大连市补贴性职业技能培训目录（2026年版，征求意见稿）"
DEMO_NOTE = "演示数据：按公开报道的目录规模编制，金额为演示值，并非正式文件。"

OCC = CatalogItem.Kind.OCCUPATION
SPECIAL = CatalogItem.Kind.SPECIAL
BUSINESS = CatalogItem.Kind.BUSINESS_START
ESPECIALLY, RELATIVELY, GENERAL = ShortageTier.ESPECIALLY, ShortageTier.RELATIVELY, ShortageTier.GENERAL

# Training subsidy per level: (lowest, highest, step) in yuan. 二级/一级 are kept apart so that a higher level
# never pays less, and 一级 ≤ 4,200 so that +30 % stays under the 5,500 cap.
LEVEL_AMOUNTS: dict[int, tuple[int, int, int]] = {
    5: (500, 1000, 50),
    4: (1000, 1500, 50),
    3: (1500, 2000, 50),
    2: (2000, 3000, 100),
    1: (3200, 4200, 100),
    13: (1000, 1500, 50),  # 初级 (专业技术等级, 数字技术工程师)
    12: (1500, 2000, 50),  # 中级
    11: (2000, 3000, 100),  # 高级
}
LEVEL_HOURS: dict[int, tuple[int, int]] = {
    5: (40, 80),
    4: (56, 100),
    3: (80, 120),
    2: (100, 140),
    1: (120, 160),
    13: (56, 100),
    12: (80, 120),
    11: (100, 140),
}
SPECIAL_AMOUNT = (400, 800, 50)
SPECIAL_ASSESSMENT = (100, 300, 10)
SPECIAL_HOURS = (16, 40)
BUSINESS_START: dict[str, tuple[int, int]] = {
    "CY-SYB": (1200, 80),
    "CY-WL": (1000, 64),
}  # code: (yuan, hours)

# 2024 occupations: (occupation code, category code, levels). 154 distinct occupations (318 occupation items)
# in 34 categories. Levels are those a city typically subsidises: trades from 五级 up to 二级, service jobs up to
# 三级, newer or narrower occupations at one or two levels; the two 大类 2 数字技术工程师 occupations are listed at
# a single level.
OCCUPATIONS_2024: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("6-18-02-04", "equipment", (5, 4, 3, 2)),  # 焊工
    ("6-18-01-01", "equipment", (5, 4, 3, 2)),  # 车工
    ("6-18-01-02", "equipment", (5, 4, 3)),  # 铣工
    ("6-18-01-04", "equipment", (5, 4)),  # 磨工
    ("6-18-01-07", "equipment", (4, 3, 2)),  # 多工序数控机床操作调整工
    ("6-18-01-11", "equipment", (5, 4)),  # 铆工
    ("6-18-02-01", "equipment", (5, 4)),  # 铸造工
    ("6-18-03-03", "equipment", (5, 4)),  # 涂装工
    ("6-18-04-01", "equipment", (4, 3)),  # 模具工
    ("6-20-01-01", "equipment", (5, 4, 3)),  # 装配钳工
    ("6-20-03-01", "equipment", (4, 3)),  # 机床装调维修工
    ("6-31-01-02", "equipment", (5, 4, 3, 2)),  # 机修钳工
    ("6-31-03-04", "equipment", (4, 3)),  # 无损检测员
    ("6-31-03-05", "equipment", (5, 4)),  # 质检员
    ("6-23-02-01", "shipbuilding", (5, 4, 3)),  # 金属船体制造工
    ("6-23-02-02", "shipbuilding", (4, 3)),  # 船舶机械装配工
    ("6-23-02-03", "shipbuilding", (4, 3)),  # 船舶电气装配工
    ("6-23-02-04", "shipbuilding", (5,)),  # 船舶附件制造工
    ("6-31-02-01", "shipbuilding", (5, 4)),  # 船舶修理工
    ("6-11-01-03", "petrochemical", (4, 3, 2)),  # 化工总控工
    ("6-11-01-02", "petrochemical", (5, 4)),  # 化工单元操作工
    ("6-10-01-01", "petrochemical", (4, 3)),  # 原油蒸馏工
    ("6-10-01-10", "petrochemical", (5, 4)),  # 油品储运工
    ("6-31-03-01", "petrochemical", (5, 4, 3)),  # 化学检验员
    ("6-31-01-03", "power", (5, 4, 3, 2)),  # 电工
    ("6-28-01-15", "power", (4, 3)),  # 继电保护员
    ("6-28-01-14", "power", (4, 3)),  # 变配电运行值班员
    ("6-29-02-12", "power", (4,)),  # 送配电线路工
    ("6-29-01-01", "construction", (5, 4)),  # 砌筑工
    ("6-29-01-04", "construction", (5, 4)),  # 钢筋工
    ("6-29-01-05", "construction", (5, 4)),  # 架子工
    ("6-29-02-08", "construction", (5,)),  # 防水工
    ("6-29-02-15", "construction", (5, 4)),  # 管道工
    ("6-29-03-03", "construction", (4, 3)),  # 电梯安装维修工
    ("6-29-04-01", "construction", (5, 4)),  # 装饰装修工
    ("4-08-08-23", "construction", (4, 3)),  # 建筑信息模型技术员
    ("6-30-05-01", "transport", (5, 4)),  # 起重装卸机械操作工
    ("6-30-05-02", "transport", (5, 4)),  # 起重工
    ("6-30-05-05", "transport", (5, 4)),  # 挖掘铲运和桩工机械司机
    ("4-02-04-06", "transport", (5, 4)),  # 无人机驾驶员
    ("4-02-02-02", "transport", (5,)),  # 道路货运汽车驾驶员
    ("4-04-05-01", "it", (4, 3)),  # 计算机程序设计员
    ("4-04-05-02", "it", (4, 3)),  # 计算机软件测试员
    ("4-04-04-02", "it", (4, 3)),  # 网络与信息安全管理员
    ("4-04-04-01", "it", (4, 3)),  # 信息通信网络运行管理员
    ("4-12-02-01", "it", (5, 4)),  # 计算机维修工
    ("2-02-38-03", "it", (12,)),  # 大数据工程技术人员 中级（专业技术等级）
    ("4-04-05-05", "digital_economy", (5, 4)),  # 人工智能训练师
    ("6-31-07-03", "digital_economy", (5, 4, 3)),  # 工业机器人系统操作员
    ("6-31-07-01", "digital_economy", (4, 3)),  # 工业机器人系统运维员
    ("6-31-07-02", "digital_economy", (4,)),  # 工业视觉系统运维员
    ("6-18-01-13", "digital_economy", (4,)),  # 增材制造设备操作员
    ("6-25-04-09", "digital_economy", (5, 4)),  # 物联网安装调试员
    ("4-07-02-05", "digital_economy", (4, 3)),  # 商务数据分析师
    ("2-02-38-01", "digital_economy", (12,)),  # 人工智能工程技术人员 中级（专业技术等级）
    ("4-01-06-01", "ecommerce", (5, 4, 3)),  # 电子商务师
    ("4-01-06-02", "ecommerce", (5, 4)),  # 互联网营销师
    ("4-07-02-06", "ecommerce", (4,)),  # 用户增长运营师
    ("4-02-06-03", "logistics", (5, 4, 3)),  # 物流服务师
    ("4-02-06-01", "logistics", (5, 4)),  # 仓储管理员
    ("4-02-06-05", "logistics", (4, 3)),  # 供应链管理师
    ("4-02-07-08", "logistics", (5, 4)),  # 快递员
    ("4-02-05-03", "logistics", (5, 4)),  # 货运代理服务员
    ("4-10-01-05", "elderly_care", (5, 4, 3, 2, 1)),  # 养老护理员
    ("4-14-02-05", "elderly_care", (4, 3)),  # 老年人能力评估师
    ("4-14-03-06", "elderly_care", (4, 3)),  # 康复辅助技术咨询师
    ("4-10-01-06", "housekeeping", (5, 4, 3)),  # 家政服务员
    ("4-10-01-07", "housekeeping", (4, 3)),  # 家政服务经理人
    ("4-09-08-01", "housekeeping", (5,)),  # 保洁员
    ("4-10-01-03", "childcare", (5, 4, 3)),  # 保育师
    ("4-10-01-01", "childcare", (4, 3)),  # 婴幼儿发展引导员（标准只设四级至一级）
    ("4-10-01-04", "childcare", (5, 4)),  # 孤残儿童护理员
    ("4-14-02-02", "healthcare", (4, 3)),  # 健康管理师
    ("4-14-01-02", "healthcare", (5, 4)),  # 医疗护理员
    ("4-10-04-01", "healthcare", (5, 4)),  # 保健调理师
    ("4-10-04-02", "healthcare", (5, 4)),  # 保健按摩师
    ("4-14-02-01", "healthcare", (4, 3)),  # 营养师
    ("4-03-02-01", "catering", (5, 4, 3, 2)),  # 中式烹调师
    ("4-03-02-02", "catering", (5, 4, 3)),  # 中式面点师
    ("4-03-02-03", "catering", (5, 4)),  # 西式烹调师
    ("4-03-02-04", "catering", (5, 4, 3)),  # 西式面点师
    ("4-03-02-06", "catering", (5, 4)),  # 营养配餐员
    ("4-03-02-07", "catering", (5, 4, 3)),  # 茶艺师
    ("4-03-02-08", "catering", (5, 4)),  # 咖啡师
    ("4-10-03-01", "beauty", (5, 4, 3)),  # 美容师
    ("4-10-03-02", "beauty", (5, 4, 3)),  # 美发师
    ("4-10-03-03", "beauty", (5, 4)),  # 美甲师
    ("4-08-08-20", "beauty", (4, 3)),  # 形象设计师
    ("4-03-01-01", "tourism", (5,)),  # 前厅服务员
    ("4-03-01-02", "tourism", (5,)),  # 客房服务员
    ("4-07-04-01", "tourism", (4,)),  # 导游
    ("4-13-01-03", "tourism", (5, 4)),  # 讲解员
    ("5-05-01-02", "agriculture", (4, 3)),  # 农业经理人
    ("5-01-02-01", "agriculture", (5, 4)),  # 农艺工
    ("5-01-02-02", "agriculture", (5, 4)),  # 园艺工
    ("5-01-02-03", "agriculture", (5, 4)),  # 食用菌生产工
    ("5-05-05-01", "agriculture", (5, 4)),  # 农机驾驶操作员
    ("5-05-05-02", "agriculture", (5,)),  # 农机修理工
    ("5-05-02-01", "agriculture", (5, 4)),  # 农作物植保员
    ("5-05-02-03", "agriculture", (5, 4)),  # 动物疫病防治员
    ("5-04-02-01", "fishery", (5, 4)),  # 水生动物饲养工
    ("5-04-01-01", "fishery", (5, 4)),  # 水生动物苗种繁育工
    ("5-04-03-01", "fishery", (5,)),  # 水产捕捞工
    ("5-04-03-02", "fishery", (5,)),  # 渔业船员
    ("6-01-05-01", "food_processing", (5, 4)),  # 水产品加工工
    ("6-01-05-02", "food_processing", (5,)),  # 水产制品精制工
    ("6-02-01-01", "food_processing", (5, 4, 3)),  # 糕点面包烘焙师
    ("6-02-01-02", "food_processing", (5, 4)),  # 糕点装饰师
    ("4-08-05-01", "food_processing", (5, 4)),  # 农产品食品检验员
    ("6-31-06-00", "work_safety", (5, 4)),  # 安全员
    ("4-07-05-03", "work_safety", (5, 4, 3)),  # 消防设施操作员
    ("3-02-03-08", "work_safety", (5, 4)),  # 应急救援员
    ("4-12-01-01", "auto_service", (5, 4, 3, 2)),  # 汽车维修工
    ("4-12-01-03", "auto_service", (4, 3)),  # 电池及电池系统维修保养师
    ("4-08-05-05", "auto_service", (5, 4)),  # 机动车检测工
    ("6-22-02-01", "auto_service", (5, 4)),  # 汽车装调工
    ("4-01-02-01", "commerce", (5,)),  # 营销员
    ("4-01-02-03", "commerce", (5, 4)),  # 商品营业员
    ("4-01-02-06", "commerce", (4, 3)),  # 连锁经营管理师
    ("4-04-05-03", "commerce", (5, 4)),  # 呼叫中心服务员
    ("4-05-01-01", "finance", (5, 4)),  # 银行综合柜员
    ("4-05-03-01", "finance", (5, 4)),  # 保险代理人
    ("4-13-01-05", "culture", (4, 3)),  # 全媒体运营师
    ("4-13-02-02", "culture", (4, 3)),  # 动画制作员
    ("4-08-08-08", "culture", (4, 3)),  # 广告设计师
    ("6-09-03-01", "culture", (5,)),  # 工艺品雕刻工
    ("4-07-03-05", "education", (4, 3)),  # 职业培训师
    ("4-07-03-03", "education", (4, 3)),  # 创业指导师
    ("4-07-03-04", "education", (4, 3, 2)),  # 企业人力资源管理师
    ("4-07-05-01", "property", (5, 4)),  # 保安员
    ("4-06-01-04", "property", (4, 3)),  # 智能楼宇管理员
    ("4-06-01-01", "property", (4,)),  # 物业管理师
    ("6-29-03-05", "property", (5, 4)),  # 制冷空调系统安装维修工
    ("4-09-07-01", "environment", (5, 4)),  # 污水处理工
    ("4-08-06-00", "environment", (4,)),  # 环境监测员
    ("4-09-10-01", "environment", (5, 4)),  # 园林绿化工
    ("6-28-01-10", "new_energy", (5, 4)),  # 光伏发电运维值班员
    ("6-28-01-12", "new_energy", (4, 3)),  # 风力发电运维值班员
    ("6-20-02-04", "new_energy", (5, 4)),  # 风电机组制造工
    ("4-11-01-03", "new_energy", (4,)),  # 综合能源服务员
    ("6-12-03-00", "biomedicine", (5, 4)),  # 药物制剂工
    ("6-12-02-00", "biomedicine", (5, 4)),  # 中药炮制工
    ("4-01-05-02", "biomedicine", (5, 4)),  # 医药商品购销员
    ("6-05-01-03", "textile", (5, 4)),  # 缝纫工
    ("6-05-01-02", "textile", (5,)),  # 裁剪工
    ("6-05-01-01", "textile", (4, 3)),  # 服装制版师
    ("6-18-02-03", "metallurgy", (5, 4)),  # 金属热处理工
    ("6-17-09-02", "metallurgy", (5,)),  # 金属轧制工
    ("6-30-04-01", "port_shipping", (5, 4)),  # 船舶甲板设备操作工
    ("6-30-04-02", "port_shipping", (5, 4)),  # 船舶机舱设备操作工
    ("4-02-03-02", "port_shipping", (4,)),  # 船舶业务员
    ("4-10-07-03", "other", (5, 4)),  # 宠物美容师
    ("4-10-07-01", "other", (5, 4)),  # 宠物健康护理员
    ("4-09-10-05", "other", (5, 4)),  # 插花花艺师
)

# 2025 adjustments: 12 occupations added and 4 removed (154 − 4 + 12 = 162 distinct occupations), and a few
# higher levels opened for occupations already listed.
OCCUPATIONS_ADDED_2025: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("4-14-01-03", "elderly_care", (5, 4, 3)),  # 健康照护师
    ("4-10-08-01", "logistics", (5, 4)),  # 网约配送员
    ("6-23-03-15", "digital_economy", (4, 3)),  # 无人机装调检修工
    ("6-25-04-05", "digital_economy", (4,)),  # 智能硬件装调员
    ("4-14-06-02", "tourism", (5, 4)),  # 民宿管家
    ("4-09-07-04", "environment", (4, 3)),  # 碳排放管理员
    ("4-01-06-03", "ecommerce", (4, 3)),  # 跨境电商运营管理师
    ("6-29-01-06", "construction", (5, 4)),  # 装配式建筑施工员
    ("6-29-01-07", "construction", (5, 4)),  # 乡村建设工匠
    ("5-05-01-03", "agriculture", (4,)),  # 农业数字化技术员
    ("4-03-02-10", "catering", (5, 4)),  # 调饮师
    ("6-29-02-11", "power", (5, 4)),  # 电力电缆安装运维工
)
# 2025: items for one 工种 of an occupation (the occupation's own items stay): (工种 code, category, levels).
WORK_TYPES_ADDED_2025: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("6-18-02-04-01", "equipment", (5, 4, 3)),  # 焊工（电焊工）
    ("6-18-01-01-02", "equipment", (4, 3)),  # 车工（数控车工）
)
OCCUPATIONS_REMOVED_2025: tuple[str, ...] = (
    "4-01-02-03",  # 商品营业员
    "4-02-02-02",  # 道路货运汽车驾驶员
    "4-05-03-01",  # 保险代理人
    "6-05-01-02",  # 裁剪工
)
LEVELS_ADDED_2025: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("6-31-01-03", "power", (1,)),  # 电工 一级
    ("4-04-05-05", "digital_economy", (3,)),  # 人工智能训练师 三级
    ("4-01-06-02", "ecommerce", (3,)),  # 互联网营销师 三级
)

# Shortage occupations of 2025 (every level of the occupation carries its tier):
# 12 特别紧缺 + 14 比较紧缺 + 16 一般紧缺 = 42.
SHORTAGE_2025: dict[str, str] = {
    **dict.fromkeys(
        [
            "6-18-02-04",  # 焊工
            "6-31-01-03",  # 电工
            "6-18-01-01",  # 车工
            "6-18-01-07",  # 多工序数控机床操作调整工
            "6-31-01-02",  # 机修钳工
            "6-31-03-04",  # 无损检测员
            "6-23-02-01",  # 金属船体制造工
            "6-23-02-03",  # 船舶电气装配工
            "6-11-01-03",  # 化工总控工
            "6-31-07-03",  # 工业机器人系统操作员
            "4-10-01-05",  # 养老护理员
            "4-14-01-03",  # 健康照护师
        ],
        ESPECIALLY,
    ),
    **dict.fromkeys(
        [
            "6-18-01-02",  # 铣工
            "6-18-04-01",  # 模具工
            "6-20-01-01",  # 装配钳工
            "6-23-02-02",  # 船舶机械装配工
            "6-31-03-01",  # 化学检验员
            "6-28-01-15",  # 继电保护员
            "6-29-03-03",  # 电梯安装维修工
            "6-31-07-01",  # 工业机器人系统运维员
            "4-04-05-05",  # 人工智能训练师
            "4-10-01-03",  # 保育师
            "4-10-01-01",  # 婴幼儿发展引导员
            "4-03-02-01",  # 中式烹调师
            "4-12-01-01",  # 汽车维修工
            "4-12-01-03",  # 电池及电池系统维修保养师
        ],
        RELATIVELY,
    ),
    **dict.fromkeys(
        [
            "6-18-01-11",  # 铆工
            "6-18-03-03",  # 涂装工
            "6-31-02-01",  # 船舶修理工
            "6-28-01-14",  # 变配电运行值班员
            "6-28-01-10",  # 光伏发电运维值班员
            "6-29-01-01",  # 砌筑工
            "6-29-01-04",  # 钢筋工
            "6-29-01-05",  # 架子工
            "6-30-05-01",  # 起重装卸机械操作工
            "4-04-04-02",  # 网络与信息安全管理员
            "4-02-06-03",  # 物流服务师
            "4-10-01-06",  # 家政服务员
            "4-14-01-02",  # 医疗护理员
            "4-03-02-02",  # 中式面点师
            "6-01-05-01",  # 水产品加工工
            "4-07-05-03",  # 消防设施操作员
        ],
        GENERAL,
    ),
}
# 2024 differs: some tiers were lower, construction trades and 人工智能训练师 were not yet short, and two
# occupations since removed were.
SHORTAGE_2024: dict[str, str] = {
    **{
        code: tier
        for code, tier in SHORTAGE_2025.items()
        if code not in ("6-29-01-01", "6-29-01-04", "6-29-01-05", "4-04-05-05", "4-14-01-03")
    },
    **dict.fromkeys(["6-18-02-04", "6-31-07-03", "4-10-01-05"], RELATIVELY),
    **dict.fromkeys(["4-10-01-03", "4-10-01-01", "4-02-02-02", "6-05-01-02"], GENERAL),
}

# digital although not marked S in the classification
DIGITAL_EXTRA = frozenset({"4-02-04-06", "6-23-03-15", "4-13-02-02", "6-25-04-09", "6-25-04-05"})
ELDER_CHILD = frozenset(
    {
        "4-10-01-05",
        "4-10-01-06",
        "4-10-01-07",
        "4-10-01-03",
        "4-10-01-01",
        "4-10-01-04",
        "4-14-02-05",
        "4-14-03-06",
        "4-14-01-02",
        "4-14-01-03",
    }
)
GRADUATE_CONVERSION = frozenset(
    {
        "2-02-38-01",
        "2-02-38-03",
        "4-01-06-01",
        "4-01-06-02",
        "4-01-06-03",
        "4-04-05-05",
        "4-04-05-01",
        "4-04-05-02",
        "4-04-04-02",
        "4-07-02-05",
        "4-13-01-05",
        "4-14-02-02",
        "4-02-06-03",
        "4-02-06-05",
        "4-08-08-23",
        "4-09-07-04",
        "6-31-07-03",
        "4-13-02-02",
        "4-10-01-03",
    }
)
NEW_BUSINESS_FORM = frozenset(
    {"4-01-06-01", "4-01-06-02", "4-01-06-03", "4-07-02-06", "4-10-08-01", "4-13-01-05", "4-14-06-02"}
)

# 专项职业能力 items: number (ZX210200-NNN) → category. 001–050 since 2024, 051–061 added in 2025.
SPECIAL_CATEGORIES: dict[int, str] = {
    1: "digital_economy",
    2: "culture",
    3: "ecommerce",
    4: "ecommerce",
    5: "ecommerce",
    6: "ecommerce",
    7: "culture",
    8: "digital_economy",
    9: "equipment",
    10: "digital_economy",
    11: "digital_economy",
    12: "equipment",
    13: "equipment",
    14: "power",
    15: "auto_service",
    16: "shipbuilding",
    17: "construction",
    18: "childcare",
    19: "housekeeping",
    20: "healthcare",
    21: "elderly_care",
    22: "elderly_care",
    23: "elderly_care",
    24: "childcare",
    25: "childcare",
    26: "housekeeping",
    27: "housekeeping",
    28: "catering",
    29: "catering",
    30: "food_processing",
    31: "food_processing",
    32: "catering",
    33: "catering",
    34: "beauty",
    35: "beauty",
    36: "beauty",
    37: "healthcare",
    38: "healthcare",
    39: "other",
    40: "tourism",
    41: "tourism",
    42: "food_processing",
    43: "food_processing",
    44: "fishery",
    45: "fishery",
    46: "agriculture",
    47: "agriculture",
    48: "agriculture",
    49: "agriculture",
    50: "agriculture",
    51: "digital_economy",
    52: "agriculture",
    53: "new_energy",
    54: "property",
    55: "new_energy",
    56: "elderly_care",
    57: "childcare",
    58: "healthcare",
    59: "catering",
    60: "food_processing",
    61: "ecommerce",
}
SPECIAL_DIGITAL = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 51, 52, 54, 61})
SPECIAL_ELDER_CHILD = frozenset({18, 19, 20, 21, 22, 23, 24, 25, 56, 57, 58})
SPECIAL_GRADUATE = frozenset({1, 2, 3, 4, 7, 8, 51, 61})
SPECIAL_NEW_BUSINESS = frozenset({1, 2, 3, 4, 6, 61})
SPECIALS_2024 = range(1, 51)
SPECIALS_ADDED_2025 = range(51, 62)


def _special_code(number: int) -> str:
    return f"ZX210200-{number:03d}"


def _yuan(amount: int) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"))


def _draw(rng: random.Random, low: int, high: int, step: int) -> int:
    return rng.randrange(low, high + 1, step)


class _Builder:
    """Holds the look-ups and the random source while the editions are built."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.rng = random.Random(2025)
        self.categories = {c.code: c for c in Category.objects.all()}
        self.occupations = {o.code: o for o in Occupation.objects.all()}
        self.specials = {s.code: s for s in SpecialItem.objects.all()}

    def category(self, code: str) -> Category:
        try:
            return self.categories[code]
        except KeyError:
            raise LookupError(f"行业类别“{code}”不存在，请先载入参考数据（load_catalog_reference）") from None

    def occupation(self, code: str) -> Occupation:
        try:
            return self.occupations[code]
        except KeyError:
            raise LookupError(f"职业“{code}”不存在，请先载入参考数据（load_catalog_reference）") from None

    def special(self, code: str) -> SpecialItem:
        try:
            return self.specials[code]
        except KeyError:
            raise LookupError(f"专项项目“{code}”不存在，请先载入参考数据（load_catalog_reference）") from None

    def occupation_items(
        self, code: str, category: str, levels: tuple[int, ...], shortage: dict[str, str]
    ) -> list[ItemInput]:
        occupation = self.occupation(code)
        items = []
        for level in sorted(levels, reverse=True):  # 五级 first, so amounts are drawn in a stable order
            low, high, step = LEVEL_AMOUNTS[level]
            hours_low, hours_high = LEVEL_HOURS[level]
            items.append(
                ItemInput(
                    kind=OCC,
                    occupation=occupation,
                    special_item=None,
                    level=level,
                    category=self.category(category),
                    subsidy_standard=_yuan(_draw(self.rng, low, high, step)),
                    min_lesson_hours=_draw(self.rng, hours_low, hours_high, 4),
                    shortage_tier=shortage.get(code, ""),
                    is_digital=occupation.is_digital or code in DIGITAL_EXTRA,
                    is_elder_child_care=code in ELDER_CHILD,
                    allows_graduate_conversion=code in GRADUATE_CONVERSION and level >= 3,
                    is_new_business_form=code in NEW_BUSINESS_FORM,
                )
            )
        return items

    def work_type_items(
        self, code: str, category: str, levels: tuple[int, ...], shortage: dict[str, str]
    ) -> list[ItemInput]:
        work_type = WorkType.objects.select_related("occupation").filter(code=code).first()
        if work_type is None:
            raise LookupError(f"工种“{code}”不存在，请先载入参考数据（load_catalog_reference）")
        return [
            dataclasses.replace(item, work_type=work_type)
            for item in self.occupation_items(work_type.occupation.code, category, levels, shortage)
        ]

    def special_item(self, number: int) -> ItemInput:
        return ItemInput(
            kind=SPECIAL,
            occupation=None,
            special_item=self.special(_special_code(number)),
            level=None,
            category=self.category(SPECIAL_CATEGORIES[number]),
            subsidy_standard=_yuan(_draw(self.rng, *SPECIAL_AMOUNT)),
            assessment_subsidy=_yuan(_draw(self.rng, *SPECIAL_ASSESSMENT)),
            min_lesson_hours=_draw(self.rng, *SPECIAL_HOURS, 4),
            is_digital=number in SPECIAL_DIGITAL,
            is_elder_child_care=number in SPECIAL_ELDER_CHILD,
            allows_graduate_conversion=number in SPECIAL_GRADUATE,
            is_new_business_form=number in SPECIAL_NEW_BUSINESS,
        )

    def business_start_item(self, code: str) -> ItemInput:
        amount, hours = BUSINESS_START[code]
        return ItemInput(
            kind=BUSINESS,
            occupation=None,
            special_item=self.special(code),
            level=None,
            category=self.category("business_start"),
            subsidy_standard=_yuan(amount),
            min_lesson_hours=hours,
            is_new_business_form=code == "CY-WL",
            note="创业培训合格证书" if code == "CY-SYB" else "网络创业培训合格证书",
        )

    def add(self, edition: Edition, items: list[ItemInput]) -> None:
        for data in items:
            add_item(actor=self.actor, edition=edition, data=data)


def _items_by_key(edition: Edition) -> dict[tuple[str, int | None], CatalogItem]:
    """Items by (subject code, level); an item of a 工种 by its 工种 code (``6-18-02-04-01``) instead."""
    items = CatalogItem.objects.filter(edition=edition).select_related(
        "occupation", "work_type", "special_item", "category"
    )
    return {
        (item.work_type.code if item.work_type else item.subject_code, item.level): item for item in items
    }


def _as_input(item: CatalogItem) -> ItemInput:
    return ItemInput(
        kind=item.kind,
        occupation=item.occupation,
        special_item=item.special_item,
        work_type=item.work_type,
        level=item.level,
        category=item.category,
        subsidy_standard=item.subsidy_standard,
        min_lesson_hours=item.min_lesson_hours,
        assessment_subsidy=item.assessment_subsidy,
        shortage_tier=item.shortage_tier,
        is_digital=item.is_digital,
        is_elder_child_care=item.is_elder_child_care,
        allows_graduate_conversion=item.allows_graduate_conversion,
        is_new_business_form=item.is_new_business_form,
        note=item.note,
    )


def _clamp(level: int | None, amount: Decimal) -> Decimal:
    low, high = (SPECIAL_AMOUNT[0], SPECIAL_AMOUNT[1]) if level is None else LEVEL_AMOUNTS[level][:2]
    return min(max(amount, _yuan(low)), _yuan(high))


def _build_2024(builder: _Builder) -> Edition:
    edition = create_edition(
        actor=builder.actor, name=NAME_2024, year=2024, effective_from=dt.date(2024, 1, 1), notes=DEMO_NOTE
    )
    # the whole first edition at once, as an officer's import of the published list writes it
    items = [
        *(
            item
            for code, category, levels in OCCUPATIONS_2024
            for item in builder.occupation_items(code, category, levels, SHORTAGE_2024)
        ),
        *(builder.special_item(number) for number in SPECIALS_2024),
        *(builder.business_start_item(code) for code in BUSINESS_START),
    ]
    replace_items(actor=builder.actor, edition=edition, items=items, source="2024年目录（演示）")
    return publish_edition(actor=builder.actor, edition=edition)


def _build_2025(builder: _Builder, source: Edition) -> Edition:
    actor = builder.actor
    start = dt.date(2025, 1, 1)
    edition = start_edition_from(actor=actor, source=source, name=NAME_2025, year=2025, effective_from=start)
    edition = update_edition(
        actor=actor, edition=edition, name=NAME_2025, year=2025, effective_from=start, notes=DEMO_NOTE
    )
    items = _items_by_key(edition)
    for key in sorted(key for key in items if key[0] in OCCUPATIONS_REMOVED_2025):
        remove_item(actor=actor, item=items.pop(key))
    # Amounts: 一老一小 items up by 100 (within the level's range); a seeded sample of others moves ±50/100.
    # Business-start items keep their fixed standards.
    others = sorted(
        (key for key, item in items.items() if item.kind != BUSINESS and not item.is_elder_child_care),
        key=lambda k: (k[0], k[1] or 0),
    )
    moved = dict.fromkeys(builder.rng.sample(others, 24), 0)
    for key in moved:
        moved[key] = builder.rng.choice((-100, -50, 50, 100))
    for key in sorted(items, key=lambda k: (k[0], k[1] or 0)):
        item = items[key]
        delta = 100 if item.is_elder_child_care else moved.get(key, 0)
        if item.kind == BUSINESS:
            continue
        tier = SHORTAGE_2025.get(key[0], "") if item.kind == OCC else item.shortage_tier
        amount = _clamp(item.level, item.subsidy_standard + delta)
        if amount != item.subsidy_standard or tier != item.shortage_tier:
            data = dataclasses.replace(_as_input(item), subsidy_standard=amount, shortage_tier=tier)
            update_item(actor=actor, item=item, data=data)
    for code, category, levels in (*OCCUPATIONS_ADDED_2025, *LEVELS_ADDED_2025):
        builder.add(edition, builder.occupation_items(code, category, levels, SHORTAGE_2025))
    builder.add(edition, [builder.special_item(number) for number in SPECIALS_ADDED_2025])
    for code, category, levels in WORK_TYPES_ADDED_2025:
        builder.add(edition, builder.work_type_items(code, category, levels, SHORTAGE_2025))
    return publish_edition(actor=actor, edition=edition)


def _build_2026_draft(builder: _Builder, source: Edition) -> Edition:
    actor = builder.actor
    edition = start_edition_from(actor=actor, source=source, name=NAME_2026, year=2026)
    notes = DEMO_NOTE + "征求意见稿，尚未发布，生效日期待定。"
    edition = update_edition(
        actor=actor, edition=edition, name=NAME_2026, year=2026, effective_from=None, notes=notes
    )
    builder.add(
        edition, builder.occupation_items("4-04-05-10", "digital_economy", (4,), {})
    )  # 数字孪生应用技术员
    builder.add(edition, builder.occupation_items("4-02-04-06", "transport", (3,), {}))  # 无人机驾驶员 三级
    items = _items_by_key(edition)
    elder = items[("4-10-01-05", 5)]  # 养老护理员 五级: +100
    update_item(
        actor=actor,
        item=elder,
        data=dataclasses.replace(_as_input(elder), subsidy_standard=_clamp(5, elder.subsidy_standard + 100)),
    )
    for key in sorted(
        key for key in items if key[0] == "6-29-01-04"
    ):  # 钢筋工 becomes 比较紧缺 (every level)
        rebar = items[key]
        update_item(
            actor=actor, item=rebar, data=dataclasses.replace(_as_input(rebar), shortage_tier=RELATIVELY)
        )
    remove_item(actor=actor, item=items[("4-05-01-01", 5)])  # 银行综合柜员 五级
    return edition


@transaction.atomic
def build_demo_catalog(*, actor: Any) -> None:
    """Build the 2024 and 2025 editions (published) and the 2026 draft; do nothing if the 2024 one exists.

    ``actor`` must hold the catalog permissions (the demo loader passes the city administrator). Loads the
    reference data first when an occupation, category or special item it needs is missing.
    """
    if Edition.objects.filter(name=NAME_2024).exists():
        return
    needed_occupations = {code for code, _, _ in (*OCCUPATIONS_2024, *OCCUPATIONS_ADDED_2025)} | {
        "4-04-05-10"
    }
    if Occupation.objects.filter(code__in=needed_occupations).count() < len(needed_occupations) or (
        Category.objects.count() < 35
        or not SpecialItem.objects.filter(code="CY-SYB").exists()
        or WorkType.objects.filter(code__in=[c for c, _, _ in WORK_TYPES_ADDED_2025]).count()
        < len(WORK_TYPES_ADDED_2025)
        or not Occupation.objects.filter(code="2-02-38-03", level_scheme="professional").exists()
    ):
        load_reference_data()
    builder = _Builder(actor)
    edition_2024 = _build_2024(builder)
    edition_2025 = _build_2025(builder, edition_2024)
    _build_2026_draft(builder, edition_2025)
