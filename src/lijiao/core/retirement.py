"""The statutory retirement age (法定退休年龄) after the 2025 reform. Pure Python, no Django, no ORM.

《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》(2024-09-13), from 2025-01-01:

- men (原60周岁) and women whose original age was 55 (原55周岁, 干部/管理技术岗位): one month later for every four
  months of births, up to 63 and 58 (36 months);
- women whose original age was 50 (原50周岁, 工人岗位): one month later for every two months of births, up to 55
  (60 months).

The delay depends on the month in which a person would have retired under the old rule: the first such month
from January 2025 gets one month, and every further 4 (2) months one more. The official 对照表 (附件) follows from
it, e.g. a man born 1965-01 retires at 60 years 1 month in 2025-02, one born 1965-05 at 60y2m in 2025-07, one
born 1976-09 or later at 63; a woman worker born 1975-01 at 50y1m in 2025-02, born 1984-11 or later at 55; a
woman cadre born 1971-04 at 55y4m in 2026-08. People whose old retirement month was before 2025 keep the old age.

Eligibility rules read it as facts (``lijiao.training.checks.person_facts``): ``retirement_age_reached`` and the
``retirement_date`` it was computed from, with the ``retirement_category`` that was used.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "CATEGORIES",
    "DEFAULT_FEMALE_CATEGORY",
    "REFORM_START",
    "Retirement",
    "RetirementCategory",
    "category_for",
    "statutory_retirement",
]

# ``male``: men; ``female_cadre``: women whose original age was 55 (干部/管理技术岗位, and by most provinces'
# practice flexible workers); ``female_worker``: women whose original age was 50 (工人岗位).
type RetirementCategory = Literal["male", "female_cadre", "female_worker"]
CATEGORIES: Final[tuple[RetirementCategory, ...]] = ("male", "female_cadre", "female_worker")

# A woman whose position was not recorded: the later age (55 → 58), so nobody is refused training on a guess;
# the decision records the category used and that it was assumed (ADR 0009).
DEFAULT_FEMALE_CATEGORY: Final[RetirementCategory] = "female_cadre"

REFORM_START: Final = (2025, 1)

# category → (original age in years, months of births per month of delay, maximum delay in months)
_POLICY: Final[dict[RetirementCategory, tuple[int, int, int]]] = {
    "male": (60, 4, 36),
    "female_cadre": (55, 4, 36),
    "female_worker": (50, 2, 60),
}


@dataclass(frozen=True, slots=True)
class Retirement:
    """When a person reaches the statutory retirement age."""

    category: RetirementCategory
    age_years: int
    age_months: int  # 0–11
    delay_months: int  # months added by the 2025 reform
    year: int  # the month in which the age is reached
    month: int
    date: dt.date  # the day the age is reached: the birth day in that month (the month's last day if shorter)

    def reached_on(self, on: dt.date) -> bool:
        """Whether the retirement age has been reached on ``on``."""
        return on >= self.date


def _months(year: int, month: int) -> int:
    return year * 12 + month - 1


def category_for(gender: str, position: str = "") -> tuple[RetirementCategory, bool]:
    """The category of a person of ``gender`` (``"M"``/``"F"``) with a recorded ``position`` (``"worker"`` /
    ``"cadre"`` / ``""``), and whether it was assumed (a woman without a recorded position)."""
    if gender == "M":
        return "male", False
    if position == "worker":
        return "female_worker", False
    if position == "cadre":
        return "female_cadre", False
    return DEFAULT_FEMALE_CATEGORY, True


def statutory_retirement(birth_date: dt.date, category: RetirementCategory) -> Retirement:
    """The statutory retirement age and month of a person born on ``birth_date`` in ``category``."""
    original_age, step, max_delay = _POLICY[category]
    old_month = _months(birth_date.year + original_age, birth_date.month)
    after_reform = old_month - _months(*REFORM_START)
    delay = 0 if after_reform < 0 else min(after_reform // step + 1, max_delay)
    total = old_month + delay
    year, month = divmod(total, 12)
    month += 1
    day = min(birth_date.day, calendar.monthrange(year, month)[1])
    age_years, age_months = divmod(original_age * 12 + delay, 12)
    return Retirement(
        category=category,
        age_years=age_years,
        age_months=age_months,
        delay_months=delay,
        year=year,
        month=month,
        date=dt.date(year, month, day),
    )
