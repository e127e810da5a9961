"""The statutory retirement age after the 2025 reform, against the official 对照表's rows."""

import datetime as dt

import pytest

from lijiao.core.retirement import category_for, statutory_retirement


@pytest.mark.parametrize(
    ("birth", "category", "age", "when", "delay"),
    [
        # 男职工 (原60): every 4 months of births one month more, up to 63
        ("1964-12-15", "male", (60, 0), (2024, 12), 0),
        ("1965-01-15", "male", (60, 1), (2025, 2), 1),
        ("1965-04-15", "male", (60, 1), (2025, 5), 1),
        ("1965-05-15", "male", (60, 2), (2025, 7), 2),
        ("1966-01-15", "male", (60, 4), (2026, 5), 4),
        ("1970-01-15", "male", (61, 4), (2031, 5), 16),
        ("1976-08-15", "male", (62, 11), (2039, 7), 35),
        ("1976-09-15", "male", (63, 0), (2039, 9), 36),
        ("1990-03-15", "male", (63, 0), (2053, 3), 36),
        # 原55周岁女职工 (干部): every 4 months one month more, up to 58
        ("1969-12-15", "female_cadre", (55, 0), (2024, 12), 0),
        ("1970-01-15", "female_cadre", (55, 1), (2025, 2), 1),
        ("1971-04-15", "female_cadre", (55, 4), (2026, 8), 4),
        ("1981-09-15", "female_cadre", (58, 0), (2039, 9), 36),
        # 原50周岁女职工 (工人): every 2 months one month more, up to 55
        ("1974-12-15", "female_worker", (50, 0), (2024, 12), 0),
        ("1975-01-15", "female_worker", (50, 1), (2025, 2), 1),
        ("1975-03-15", "female_worker", (50, 2), (2025, 5), 2),
        ("1980-01-15", "female_worker", (52, 7), (2032, 8), 31),
        ("1984-09-15", "female_worker", (54, 11), (2039, 8), 59),
        ("1984-11-15", "female_worker", (55, 0), (2039, 11), 60),
    ],
)
def test_official_table_rows(birth, category, age, when, delay):
    result = statutory_retirement(dt.date.fromisoformat(birth), category)
    assert (result.age_years, result.age_months) == age
    assert (result.year, result.month) == when
    assert result.delay_months == delay


def test_the_age_is_reached_on_the_birth_day_of_the_retirement_month():
    result = statutory_retirement(dt.date(1965, 1, 31), "male")
    assert result.date == dt.date(2025, 2, 28)  # February has no 31st
    assert not result.reached_on(dt.date(2025, 2, 27))
    assert result.reached_on(dt.date(2025, 2, 28))


def test_category_from_gender_and_recorded_position():
    assert category_for("M") == ("male", False)
    assert category_for("M", "worker") == ("male", False)
    assert category_for("F", "worker") == ("female_worker", False)
    assert category_for("F", "cadre") == ("female_cadre", False)
    assert category_for("F") == ("female_cadre", True)  # not recorded: the later age, marked as assumed
