"""The demo institutions as data (SPEC C3): eight listed providers in seven handling areas, one suspended and one
blacklisted, with valid credit codes (GB 32100, the embedded GB 11714 organisation code included), their scopes,
teachers and venues. :mod:`lijiao.demo.training` registers them through the provider services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lijiao.core.identity import credit_code_check_char
from lijiao.providers.models import Provider
from lijiao.training.models import CheckIn

AREA_ADDRESS_CODE = {
    "SBJ": "210202",
    "ZS": "210202",
    "XG": "210203",
    "SHK": "210204",
    "GJZ": "210211",
    "GXY": "210211",
    "LSK": "210212",
    "JPX": "210213",
    "PLD": "210214",
    "CH": "210224",
    "WFD": "210281",
    "CXD": "210281",
    "ZH": "210283",
}


# ---------------------------------------------------------------------------------------------------------------
# The providers, as data


@dataclass(frozen=True, slots=True)
class DemoTeacher:
    name: str
    occupation: str  # occupation code, "" for none
    certificates: str
    practical: bool = False


@dataclass(frozen=True, slots=True)
class DemoVenue:
    name: str
    address: str
    capacity: int
    practical: bool = False


@dataclass(frozen=True, slots=True)
class DemoProvider:
    """One demo institution: who it is, what it may train, its teachers and venues, and how busy it was."""

    key: str  # its staff login; the demo provider user's institution uses "provider"
    org_code: str  # the 8 characters of its organisation code (the check character is computed)
    registry: str  # first two characters of the credit code: 52 民办非企业单位, 12 事业单位, 91 企业
    name: str
    type: str
    area: str
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    licence_number: str
    licence_expires_on: dt.date
    occupations: tuple[tuple[str, int], ...]  # (occupation code, highest level it may train)
    specials: tuple[str, ...]
    teachers: tuple[DemoTeacher, ...]
    venues: tuple[DemoVenue, ...]
    history_classes: int = 0
    status: str = "approved"  # approved | suspended | blacklisted
    checkin_method: str = CheckIn.Method.FACE
    staff_name: str = ""
    approved_year: int = 2020

    @property
    def credit_code(self) -> str:
        division = AREA_ADDRESS_CODE[self.area]
        first17 = f"{self.registry}{division}{self.org_code}{_org_check(self.org_code)}"
        return first17 + credit_code_check_char(first17)


def _org_check(first8: str) -> str:
    """GB 11714 check character of an organisation code (digits by value, letters A=10 … Z=35)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, weights, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _cert(occupation: str, level: str, number: str) -> str:
    """A 职业技能等级证书 (issued since 2019 by a 评价机构: S/Y + its code, province, …, year at [13:15])."""
    assert 2000 + int(number[13:15]) >= 2019, "职业技能等级证书 exist since 2019"
    return f"{occupation}（{level}）职业技能等级证书 {number}"


def _qualification(occupation: str, level: str, number: str) -> str:
    """A 职业资格证书 issued before 2019 by the 人社 authority (the number starts with the two-digit year)."""
    assert int(number[:2]) < 19, "before 2019 skills were certified by 职业资格证书"
    return f"{occupation}（{level}）职业资格证书 {number}"


HAICHUAN = "52210202MJ0000018T"  # the demo provider user's institution (lijiao.demo.users names it)

DEMO_PROVIDERS: tuple[DemoProvider, ...] = (
    DemoProvider(
        key="provider",
        org_code="MJ000001",
        registry="52",
        name="大连市海川职业培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="ZS",
        address="大连市中山区人民路 68 号",
        legal_representative="吴海川",
        contact_name="吴凯",
        contact_phone="041182653301",
        licence_number="人社民121020270000018号",
        licence_expires_on=dt.date(2029, 6, 30),
        occupations=(
            ("4-10-01-05", 3),  # 养老护理员
            ("4-10-01-06", 4),  # 家政服务员
            ("4-10-01-03", 4),  # 保育师
            ("4-03-02-01", 4),  # 中式烹调师
            ("4-03-02-02", 4),  # 中式面点师
            ("4-14-01-03", 4),  # 健康照护师
            ("4-01-06-01", 4),  # 电子商务师
        ),
        specials=("ZX210200-022", "ZX210200-019", "ZX210200-029", "ZX210200-059", "CY-SYB"),
        teachers=(
            DemoTeacher(
                "孙丽华",
                "4-10-01-05",
                _cert("养老护理员", "二级/技师", "S000121000101202000031")
                + "\n职业培训师（三级）职业技能等级证书 S000121000101223000112",
            ),
            DemoTeacher(
                "王建国", "4-10-01-05", _cert("养老护理员", "三级/高级工", "S000121000101193000452"), True
            ),
            DemoTeacher(
                "刘春梅", "4-10-01-03", _cert("保育师", "三级/高级工", "S000121000101213000207"), True
            ),
            DemoTeacher(
                "张宝林", "4-03-02-01", _qualification("中式烹调师", "二级/技师", "1821210000002000019"), True
            ),
            DemoTeacher(
                "李雪", "4-01-06-01", "电子商务师（三级/高级工）职业技能等级证书 S000121000101233000088"
            ),
            DemoTeacher("周敏", "", "高级中学教师资格证书 20102110142000361\n创业培训讲师（SYB）合格证"),
        ),
        venues=(
            DemoVenue("人民路校区第一教室", "大连市中山区人民路 68 号 3 楼", 40),
            DemoVenue("养老照护实训室", "大连市中山区人民路 68 号 5 楼", 36, True),
            DemoVenue("烹饪实训中心", "大连市中山区鲁迅路 21 号", 40, True),
        ),
        history_classes=30,
        staff_name="吴凯",
        approved_year=2017,
    ),
    DemoProvider(
        key="xinghai",
        org_code="MJ0Y2K31",
        registry="52",
        name="大连市中山区星海职业技能培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="ZS",
        address="大连市中山区解放路 156 号",
        legal_representative="陈星",
        contact_name="刘倩",
        contact_phone="13904112356",
        licence_number="人社民121020270000046号",
        licence_expires_on=dt.date(2028, 12, 31),
        occupations=(
            ("4-10-03-01", 3),  # 美容师
            ("4-10-03-02", 3),  # 美发师
            ("4-10-03-03", 4),  # 美甲师
            ("4-03-02-07", 3),  # 茶艺师
            ("4-03-02-08", 4),  # 咖啡师
            ("4-03-02-04", 4),  # 西式面点师
        ),
        specials=(
            "ZX210200-034",
            "ZX210200-035",
            "ZX210200-032",
            "ZX210200-033",
            "ZX210200-030",
            "ZX210200-031",
        ),
        teachers=(
            DemoTeacher("陈晓燕", "4-10-03-01", _cert("美容师", "二级/技师", "S000221000102192000044"), True),
            DemoTeacher(
                "赵亮", "4-10-03-02", _qualification("美发师", "二级/技师", "1821210000002000017"), True
            ),
            DemoTeacher("林婷", "4-03-02-07", _cert("茶艺师", "二级/技师", "S000221000102212000066")),
            DemoTeacher(
                "于洋", "4-03-02-04", _cert("西式面点师", "三级/高级工", "S000221000102203000139"), True
            ),
            DemoTeacher("高慧", "", "职业培训师（三级）职业技能等级证书 S000221000102223000021"),
        ),
        venues=(
            DemoVenue("解放路校区理论教室", "大连市中山区解放路 156 号 2 楼", 45),
            DemoVenue("美容美发实训室", "大连市中山区解放路 156 号 3 楼", 30, True),
            DemoVenue("西点茶艺实训室", "大连市中山区解放路 156 号 4 楼", 32, True),
        ),
        history_classes=18,
        checkin_method=CheckIn.Method.QR,
        staff_name="刘倩",
        approved_year=2019,
    ),
    DemoProvider(
        key="binhai",
        org_code="41190387",
        registry="12",
        name="大连滨海技工学校",
        type=Provider.Type.TECHNICAL_SCHOOL,
        area="GJZ",
        address="大连市甘井子区椒金山街道滨海北路 1088 号",
        legal_representative="马振华",
        contact_name="曲文斌",
        contact_phone="041186713420",
        licence_number="辽人社技校字〔2016〕21号",
        licence_expires_on=dt.date(2030, 12, 31),
        occupations=(
            ("6-18-02-04", 2),  # 焊工
            ("6-31-01-03", 2),  # 电工
            ("6-18-01-01", 3),  # 车工
            ("6-31-01-02", 3),  # 机修钳工
            ("6-23-02-01", 3),  # 金属船体制造工
            ("6-23-02-03", 3),  # 船舶电气装配工
        ),
        specials=("ZX210200-013", "ZX210200-014", "ZX210200-016"),
        teachers=(
            DemoTeacher(
                "曲志强", "6-18-02-04", _qualification("焊工", "一级/高级技师", "1521210000001000008"), True
            ),
            DemoTeacher(
                "姜海涛", "6-31-01-03", _qualification("电工", "二级/技师", "1721210000002000023"), True
            ),
            DemoTeacher(
                "宫立新", "6-18-01-01", _qualification("车工", "二级/技师", "1621210000002000031"), True
            ),
            DemoTeacher("隋红", "6-31-01-02", "机械制造专业讲师（中级职称）\n中等职业学校教师资格证书"),
            DemoTeacher(
                "鞠明",
                "6-23-02-01",
                _qualification("金属船体制造工", "二级/技师", "1821210000002000045"),
                True,
            ),
            DemoTeacher("杜宏伟", "6-23-02-03", "电气自动化专业讲师（中级职称）"),
        ),
        venues=(
            DemoVenue("教学楼 201 教室", "大连市甘井子区滨海北路 1088 号教学楼", 50),
            DemoVenue("焊接实训车间", "大连市甘井子区滨海北路 1088 号实训楼一层", 40, True),
            DemoVenue("电工电气实训室", "大连市甘井子区滨海北路 1088 号实训楼二层", 40, True),
            DemoVenue("数控车削实训车间", "大连市甘井子区滨海北路 1088 号实训楼三层", 32, True),
        ),
        history_classes=28,
        checkin_method=CheckIn.Method.CARD,
        staff_name="曲文斌",
        approved_year=2016,
    ),
    DemoProvider(
        key="derun",
        org_code="MA0K7U5R",
        registry="91",
        name="大连德润装备制造有限公司职业培训中心",
        type=Provider.Type.ENTERPRISE_CENTRE,
        area="JPX",
        address="大连市金州区双D港辽河东路 99 号",
        legal_representative="孟德润",
        contact_name="潘立军",
        contact_phone="13842618875",
        licence_number="金普人社培字〔2021〕07号",
        licence_expires_on=dt.date(2028, 6, 30),
        occupations=(
            ("6-20-01-01", 3),  # 装配钳工
            ("6-18-01-07", 2),  # 多工序数控机床操作调整工
            ("6-31-07-03", 3),  # 工业机器人系统操作员
            ("6-31-07-01", 3),  # 工业机器人系统运维员
            ("6-18-02-04", 3),  # 焊工
        ),
        specials=("ZX210200-012", "ZX210200-011", "ZX210200-009"),
        teachers=(
            DemoTeacher(
                "潘立军", "6-20-01-01", _cert("装配钳工", "二级/技师", "Y018821020088192000012"), True
            ),
            DemoTeacher(
                "韩冬",
                "6-18-01-07",
                _cert("多工序数控机床操作调整工", "一级/高级技师", "Y018821020088201000003"),
                True,
            ),
            DemoTeacher(
                "郑凯", "6-31-07-03", _cert("工业机器人系统操作员", "二级/技师", "Y018821020088222000009")
            ),
            DemoTeacher(
                "蒋晓东", "6-18-02-04", _qualification("焊工", "二级/技师", "1721210200002000021"), True
            ),
        ),
        venues=(
            DemoVenue("培训中心多媒体教室", "大连市金州区辽河东路 99 号综合楼 4 楼", 40),
            DemoVenue("装配与数控实训车间", "大连市金州区辽河东路 99 号二号厂房", 36, True),
            DemoVenue("工业机器人实训室", "大连市金州区辽河东路 99 号三号厂房", 30, True),
        ),
        history_classes=20,
        checkin_method=CheckIn.Method.CARD,
        staff_name="潘立军",
        approved_year=2021,
    ),
    DemoProvider(
        key="shuzhi",
        org_code="MJ1H2Q8W",
        registry="52",
        name="大连高新园区数智职业技能培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="GXY",
        address="大连市高新技术产业园区黄浦路 537 号",
        legal_representative="谢宇航",
        contact_name="白雪",
        contact_phone="13998573310",
        licence_number="人社民121021170000128号",
        licence_expires_on=dt.date(2029, 3, 31),
        occupations=(
            ("4-04-05-05", 3),  # 人工智能训练师
            ("4-04-05-01", 3),  # 计算机程序设计员
            ("4-04-04-02", 3),  # 网络与信息安全管理员
            ("4-07-02-05", 3),  # 商务数据分析师
            ("4-13-01-05", 3),  # 全媒体运营师
            ("4-01-06-02", 3),  # 互联网营销师
        ),
        specials=("ZX210200-001", "ZX210200-051", "ZX210200-002", "ZX210200-008"),
        teachers=(
            DemoTeacher(
                "谢宇航", "4-04-05-05", _cert("人工智能训练师", "三级/高级工", "S001221000301233000017")
            ),
            DemoTeacher(
                "白雪", "4-13-01-05", _cert("全媒体运营师", "三级/高级工", "S001221000301223000026"), True
            ),
            DemoTeacher("程磊", "4-04-05-01", "软件设计师（中级）资格证书\n职业培训师（二级）", True),
            DemoTeacher(
                "许文静", "4-07-02-05", _cert("商务数据分析师", "三级/高级工", "S001221000301213000035"), True
            ),
            DemoTeacher("邓超", "4-04-04-02", "网络工程师（中级）资格证书", True),
        ),
        venues=(
            DemoVenue("黄浦路校区 A301 机房", "大连市高新园区黄浦路 537 号 A 座 3 楼", 48, True),
            DemoVenue("黄浦路校区 A305 机房", "大连市高新园区黄浦路 537 号 A 座 3 楼", 40, True),
            DemoVenue("直播与新媒体实训室", "大连市高新园区黄浦路 537 号 B 座 2 楼", 30, True),
        ),
        history_classes=22,
        checkin_method=CheckIn.Method.QR,
        staff_name="白雪",
        approved_year=2020,
    ),
    DemoProvider(
        key="ankang",
        org_code="MJ0P3L6D",
        registry="52",
        name="大连市西岗区安康职业培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="XG",
        address="大连市西岗区长春路 291 号",
        legal_representative="邵安康",
        contact_name="崔玉兰",
        contact_phone="041183627415",
        licence_number="人社民121020370000073号",
        licence_expires_on=dt.date(2028, 9, 30),
        occupations=(
            ("4-10-01-05", 2),  # 养老护理员
            ("4-14-01-02", 4),  # 医疗护理员
            ("4-14-02-05", 3),  # 老年人能力评估师
            ("4-10-01-01", 4),  # 婴幼儿发展引导员
            ("4-10-01-03", 3),  # 保育师
            ("4-14-02-02", 3),  # 健康管理师
        ),
        specials=("ZX210200-021", "ZX210200-023", "ZX210200-058", "ZX210200-057", "ZX210200-018"),
        teachers=(
            DemoTeacher(
                "崔玉兰", "4-10-01-05", _cert("养老护理员", "一级/高级技师", "S000321000401191000005"), True
            ),
            DemoTeacher(
                "秦芳",
                "4-14-01-02",
                "主管护师资格证书\n" + _cert("医疗护理员", "四级/中级工", "S000321000401224000071"),
                True,
            ),
            DemoTeacher(
                "田雨", "4-14-02-05", _cert("老年人能力评估师", "三级/高级工", "S000321000401233000012")
            ),
            DemoTeacher(
                "方晶", "4-10-01-01", _cert("婴幼儿发展引导员", "三级/高级工", "S000321000401213000048"), True
            ),
            DemoTeacher("邹建华", "4-14-02-02", "执业医师资格证书\n健康管理师（三级）"),
        ),
        venues=(
            DemoVenue("长春路校区理论教室", "大连市西岗区长春路 291 号 2 楼", 45),
            DemoVenue("养老护理实训室", "大连市西岗区长春路 291 号 3 楼", 36, True),
            DemoVenue("母婴照护实训室", "大连市西岗区长春路 291 号 4 楼", 30, True),
        ),
        history_classes=24,
        staff_name="崔玉兰",
        approved_year=2018,
    ),
    DemoProvider(
        key="huizhi",
        org_code="MJ2B5N9T",
        registry="52",
        name="大连市沙河口区汇智职业培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="SHK",
        address="大连市沙河口区西安路 139 号",
        legal_representative="钱汇智",
        contact_name="汤明",
        contact_phone="13614263981",
        licence_number="人社民121020470000092号",
        licence_expires_on=dt.date(2029, 12, 31),
        occupations=(
            ("4-01-06-01", 3),  # 电子商务师
            ("4-01-06-02", 4),  # 互联网营销师
            ("4-02-06-03", 4),  # 物流服务师
            ("4-10-08-01", 4),  # 网约配送员
            ("4-02-07-08", 4),  # 快递员
        ),
        specials=("ZX210200-003", "ZX210200-004", "ZX210200-005", "ZX210200-061", "CY-SYB", "CY-WL"),
        teachers=(
            DemoTeacher("汤明", "4-01-06-01", _cert("电子商务师", "二级/技师", "S000521000501202000014")),
            DemoTeacher(
                "尹佳", "4-01-06-02", _cert("互联网营销师", "三级/高级工", "S000521000501223000029"), True
            ),
            DemoTeacher(
                "黎国栋", "4-02-06-03", _cert("物流服务师", "三级/高级工", "S000521000501193000036"), True
            ),
            DemoTeacher("常娟", "", "创业培训讲师（SYB、网络创业）合格证\n高级经济师"),
        ),
        venues=(
            DemoVenue("西安路校区大教室", "大连市沙河口区西安路 139 号 5 楼", 60),
            DemoVenue("电商直播实训室", "大连市沙河口区西安路 139 号 6 楼", 35, True),
            DemoVenue("物流仓储实训场", "大连市沙河口区中长街 44 号", 40, True),
        ),
        history_classes=20,
        checkin_method=CheckIn.Method.QR,
        staff_name="汤明",
        approved_year=2019,
    ),
    DemoProvider(
        key="zhuanghe",
        org_code="MJ3C4R2F",
        registry="52",
        name="庄河市海洋职业技能培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="ZH",
        address="庄河市新华街道黄海大街 22 号",
        legal_representative="隋海洋",
        contact_name="宫晓梅",
        contact_phone="13130827746",
        licence_number="人社民121028370000015号",
        licence_expires_on=dt.date(2028, 4, 30),
        occupations=(
            ("6-01-05-01", 4),  # 水产品加工工
            ("5-04-02-01", 4),  # 水生动物饲养工
            ("5-04-03-02", 5),  # 渔业船员
            ("5-05-01-02", 3),  # 农业经理人
            ("6-29-01-07", 4),  # 乡村建设工匠
        ),
        specials=("ZX210200-044", "ZX210200-045", "ZX210200-042", "ZX210200-043", "ZX210200-006"),
        teachers=(
            DemoTeacher(
                "隋海洋",
                "5-04-02-01",
                "水产养殖高级工程师\n" + _qualification("水生动物饲养工", "二级/技师", "1821210000002000003"),
                True,
            ),
            DemoTeacher(
                "宫晓梅", "6-01-05-01", _cert("水产品加工工", "三级/高级工", "S000721000601203000019"), True
            ),
            DemoTeacher("孔令军", "6-29-01-07", "建筑工程师（中级职称）\n乡村建设工匠培训讲师", True),
            DemoTeacher("毛丽", "5-05-01-02", _cert("农业经理人", "三级/高级工", "S000721000601223000027")),
        ),
        venues=(
            DemoVenue("黄海大街校区教室", "庄河市黄海大街 22 号", 50),
            DemoVenue("海产品加工实训基地", "庄河市石城乡海洋村", 40, True),
        ),
        history_classes=14,
        checkin_method=CheckIn.Method.CARD,
        staff_name="宫晓梅",
        approved_year=2021,
    ),
    DemoProvider(
        key="huada",
        org_code="MJ4D6T1K",
        registry="52",
        name="大连市甘井子区华达职业培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="GJZ",
        address="大连市甘井子区华北路 233 号",
        legal_representative="龙华达",
        contact_name="龙飞",
        contact_phone="13889571163",
        licence_number="人社民121021170000164号",
        licence_expires_on=dt.date(2027, 8, 31),
        occupations=(("6-31-01-03", 4), ("6-18-02-04", 4)),
        specials=("ZX210200-014",),
        teachers=(
            DemoTeacher(
                "龙飞", "6-31-01-03", _qualification("电工", "三级/高级工", "1821210000003000051"), True
            ),
        ),
        venues=(DemoVenue("华北路教室", "大连市甘井子区华北路 233 号", 40),),
        status="suspended",
        staff_name="龙飞",
        approved_year=2022,
    ),
    DemoProvider(
        key="hongyun",
        org_code="MJ5E8W3P",
        registry="52",
        name="大连市普兰店区鸿运职业技能培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="PLD",
        address="大连市普兰店区丰荣街道南山路 17 号",
        legal_representative="万鸿运",
        contact_name="万静",
        contact_phone="13504981276",
        licence_number="人社民121028270000031号",
        licence_expires_on=dt.date(2028, 10, 31),
        occupations=(("4-10-01-06", 4), ("4-09-08-01", 5), ("4-10-01-05", 4)),
        specials=("ZX210200-026", "ZX210200-027"),
        teachers=(
            DemoTeacher("万静", "4-10-01-06", _cert("家政服务员", "三级/高级工", "S001121000801213000015")),
            DemoTeacher(
                "段红梅", "4-10-01-05", _cert("养老护理员", "三级/高级工", "S001121000801203000022"), True
            ),
        ),
        venues=(
            DemoVenue("南山路教室", "大连市普兰店区南山路 17 号 2 楼", 45),
            DemoVenue("家政实训室", "大连市普兰店区南山路 17 号 3 楼", 40, True),
        ),
        history_classes=8,
        status="blacklisted",
        staff_name="万静",
        approved_year=2020,
    ),
)
SUSPENSION_REASON = (
    "培训场地变更未按规定报备，现场核查不具备实训条件，暂停开班待整改（大人社监〔2026〕112号）"
)
BLACKLIST_REASON = "核查发现代签到、虚报培训学时，骗取职业培训补贴（大人社监〔2026〕158号），列入黑名单两年"
BLACKLIST_WEEKS = 10  # the blacklist entry started this many weeks before today
