from decimal import Decimal

import pytest

from lijiao.core.money import InvalidAmount, format_yuan, round_yuan, to_yuan


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1500", "1500.00"),
        ("1,500.5", "1500.50"),
        ("￥2000元", "2000.00"),
        (Decimal("5500"), "5500.00"),
        (800, "800.00"),
    ],
)
def test_amounts_parse_exactly(raw, expected):
    assert to_yuan(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", [1500.5, "abc", "", None, True, "1.005", "NaN", "Infinity"])
def test_bad_amounts_are_refused(raw):
    with pytest.raises(InvalidAmount):
        to_yuan(raw)


def test_rounding_and_formatting():
    assert round_yuan(Decimal("1500") * Decimal("1.30")) == Decimal("1950.00")
    assert round_yuan(Decimal("0.005")) == Decimal("0.01")
    assert format_yuan(Decimal("12345.6")) == "¥12,345.60"
    assert format_yuan(None) == "—"
