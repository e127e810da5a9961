"""The roster import form: the header the import reads, two example rows, the ID column formatted as text, and a
sheet of notes."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.utils import translation

from lijiao.core.importing import write_template_choices, write_template_header, write_template_notes
from lijiao.core.xlsx import text_workbook
from lijiao.people.models import Person
from lijiao.training.roster_import.columns import COLUMNS


def roster_template_xlsx() -> bytes:
    """The import form: header row, two example rows to overwrite, the ID column formatted as text, notes."""
    from lijiao.core.identity import citizen_id_check_char

    output = io.BytesIO()
    workbook = text_workbook(output, in_memory=True)
    try:
        sheet = workbook.add_worksheet("学员名单")
        text = workbook.add_format({"num_format": "@"})
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        example = workbook.add_format({"font_color": "#808080", "num_format": "@"})
        example_date = workbook.add_format({"font_color": "#808080", "num_format": "yyyy-mm-dd"})
        widths = [10, 22, 14, 6, 12, 10, 10, 24, 24, 10, 18, 10]
        formats = [date if spec.key == "birth_date" else text for spec in COLUMNS]
        write_template_header(workbook, sheet, COLUMNS, widths, formats)
        first17, second17 = "21020219950312001", "21021119880705002"
        examples = [
            [
                "张三",
                first17 + citizen_id_check_char(first17),
                "13800000001",
                "男",
                dt.date(1995, 3, 12),
                "城镇",
                "本科",
                "",
                "高校毕业生",
                "2022",
                "",
                "",
            ],
            [
                "李四",
                second17 + citizen_id_check_char(second17),
                "13900000002",
                "女",
                dt.date(1988, 7, 5),
                "农村",
                "高中/中专/技校",
                "",
                "失业人员、农村转移劳动者",
                "",
                "2102110000123",
                "",
            ],
        ]
        for row, values in enumerate(examples, start=1):
            for col, value in enumerate(values):
                if isinstance(value, dt.date):
                    sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), example_date)
                elif value:
                    sheet.write_string(row, col, value, example)
        write_template_choices(
            sheet,
            COLUMNS,
            {
                "gender": ["男", "女"],
                "household": ["城镇", "农村"],
                "education": _chinese_labels(Person.Education.labels),
            },
        )

        write_template_notes(
            workbook,
            [
                ("姓名", "必填，与身份证件一致；已登记的人员须与登记姓名一致。"),
                (
                    "身份证号",
                    "必填，18位（15位旧号码会自动升级）。本列已设为“文本”格式：请勿改为数字格式，"
                    "否则 Excel 会把号码变成 2.10202E+17 并丢失末几位，系统将拒绝该行。",
                ),
                ("手机号", "11位手机号或带区号的固定电话，可不填。"),
                (
                    "性别、出生日期",
                    "可不填；填写时须与身份证号一致。日期可写 2025-03-01、2025/3/1 或 2025年3月1日。",
                ),
                ("户籍类型", "城镇 / 农村，可不填。"),
                ("学历", "、".join(_chinese_labels(Person.Education.labels)) + "，可不填。"),
                (
                    "人员类别",
                    "可多选，用“、”分隔：高校毕业生、毕业年度高校毕业生、失业人员、农村转移劳动者、脱贫/低保家庭成员、"
                    "退役军人、残疾人、企业职工、参保职工、在校学生、事业单位人员。",
                ),
                ("毕业年份", "高校毕业生、毕业年度高校毕业生必填（如 2024）。"),
                ("失业登记证号", "失业人员必填。"),
                ("参保月数", "参保职工必填（整数）；企业职工可填。企业职工须填写工作单位。"),
                ("其他", "表头行之前可以有标题行；多余的列会被忽略；同一身份证号只能出现一次。"),
                ("", "任何一行有错误时不会导入任何学员，系统会给出带行号的错误报告，可修改后整表重新导入。"),
                ("", "示例行（灰色）请覆盖或删除。"),
            ],
            widths=(16, 100),
        )
    finally:
        workbook.close()
    return output.getvalue()


def _chinese_labels(labels: Iterable[object]) -> list[str]:
    """Choice labels as the form's Chinese headers expect them, whatever the downloader's language."""
    with translation.override("zh-hans"):
        return [str(label) for label in labels]
