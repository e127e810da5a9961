"""The words people really type for a person's data, and the code each one means (Usability 4).

One vocabulary for every place people data comes in — the roster import, the enrollment form and API, and any
other import — through :func:`lijiao.people.services.register_person` (which accepts a choice's code, its label
or one of these variants) and the roster import's columns. Keys are compared after :func:`normalise_variant`
(NFKC, no whitespace, case-folded).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from lijiao.people.models import Person, PersonGroup

__all__ = ["GENDER_VARIANTS", "GROUP_VARIANTS", "VARIANTS", "normalise_variant"]


def normalise_variant(text: str) -> str:
    """The key a typed value is looked up by: NFKC, whitespace removed, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


_GENDERS: dict[str, str] = {
    "男": "M",
    "男性": "M",
    "m": "M",
    "male": "M",
    "女": "F",
    "女性": "F",
    "f": "F",
    "female": "F",
}
_HOUSEHOLDS: dict[str, str] = {
    **{str(label): str(code) for code, label in Person.Household.choices},
    **{str(code): str(code) for code in Person.Household.values},
    "城镇户口": "urban",
    "城镇户籍": "urban",
    "非农": "urban",
    "非农业": "urban",
    "非农业户口": "urban",
    "城市": "urban",
    "居民户口": "urban",
    "农村户口": "rural",
    "农村户籍": "rural",
    "农业": "rural",
    "农业户口": "rural",
}
_EDUCATIONS: dict[str, str] = {
    **{str(label): str(code) for code, label in Person.Education.choices},
    **{str(code): str(code) for code in Person.Education.values},
    "小学": "primary",
    "小学以下": "primary",
    "初中以下": "primary",
    "初中及以下": "junior",  # the form's lowest box: at most junior middle school, recorded as its upper bound
    "文盲": "primary",
    "高中": "senior",
    "中专": "senior",
    "中技": "senior",
    "技校": "senior",
    "职高": "senior",
    "中职": "senior",
    "高中及中专": "senior",
    "专科": "college",
    "大学专科": "college",
    "高职": "college",
    "大专及以上": "college",
    "大学本科": "bachelor",
    "学士": "bachelor",
    "硕士": "postgraduate",
    "博士": "postgraduate",
    "硕士研究生": "postgraduate",
    "博士研究生": "postgraduate",
    "研究生及以上": "postgraduate",
}
_GROUPS: dict[str, str] = {
    **{str(label): str(code) for code, label in PersonGroup.Group.choices},
    **{str(code): str(code) for code in PersonGroup.Group.values},
    "高校毕业生": "graduate",
    "离校未就业高校毕业生": "graduate",
    "毕业生": "graduate",
    "大学毕业生": "graduate",
    "毕业年度高校毕业生": "upcoming_graduate",
    "应届高校毕业生": "upcoming_graduate",
    "应届毕业生": "upcoming_graduate",
    "应届生": "upcoming_graduate",
    "失业人员": "unemployed",
    "登记失业人员": "unemployed",
    "城镇失业人员": "unemployed",
    "农村转移劳动者": "rural_migrant",
    "农村转移就业劳动者": "rural_migrant",
    "农村劳动力": "rural_migrant",
    "农民工": "rural_migrant",
    "脱贫人口": "low_income",
    "脱贫家庭": "low_income",
    "脱贫家庭成员": "low_income",
    "低保家庭": "low_income",
    "低保家庭成员": "low_income",
    "低保": "low_income",
    "退役军人": "veteran",
    "残疾人": "disabled",
    "企业职工": "employee",
    "职工": "employee",
    "在职职工": "employee",
    "参保职工": "insured",
    "参保人员": "insured",
    "在校学生": "student",
    "在校生": "student",
    "学生": "student",
    "事业单位人员": "public_institution",
    "事业单位": "public_institution",
}
_POSITIONS: dict[str, str] = {
    **{str(label): str(code) for code, label in Person.Position.choices},
    **{str(code): str(code) for code in Person.Position.values},
    "工人": "worker",
    "工人岗位": "worker",
    "工勤": "worker",
    "干部": "cadre",
    "干部岗位": "cadre",
    "管理岗位": "cadre",
    "专业技术岗位": "cadre",
    "管理或专业技术岗位": "cadre",
}

GENDER_VARIANTS: Final = {normalise_variant(k): v for k, v in _GENDERS.items()}
GROUP_VARIANTS: Final = {normalise_variant(k): v for k, v in _GROUPS.items()}
VARIANTS: Final[dict[str, dict[str, str]]] = {
    "household": {normalise_variant(k): v for k, v in _HOUSEHOLDS.items()},
    "education": {normalise_variant(k): v for k, v in _EDUCATIONS.items()},
    "position": {normalise_variant(k): v for k, v in _POSITIONS.items()},
}
