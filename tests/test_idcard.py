import datetime as dt

import pytest

from models import idcard


def test_example_from_domain_is_valid():
    info = idcard.parse("11010519491231002X")
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "女"


@pytest.mark.parametrize("number,reason", [
    ("11010519491231002", "18位"),
    ("110105194912310021", "校验位"),
    ("110105194902300028", "出生日期"),
    ("11010519491231002Y", "数字"),
])
def test_invalid_numbers_say_why(number, reason):
    assert reason in idcard.problem(number)


def test_make_round_trips_sex_and_birth():
    number = idcard.make("230221", dt.date(1955, 3, 12), 123)
    assert idcard.problem(number) is None
    assert idcard.parse(number).sex == "男"
    assert idcard.parse(idcard.make("230221", dt.date(1955, 3, 12), 124)).sex == "女"


def test_normalize_fullwidth_space_and_lower_x():
    assert idcard.normalize(" １１０１０５１９４９１２３１００２ｘ ") == "11010519491231002X"
    assert idcard.normalize("11010519491231002x") == "11010519491231002X"


def test_masks_hide_birth_and_sequence_digits_and_phone_middle():
    assert idcard.mask_id("230221195503121237") == "230221***********7"
    assert idcard.mask_phone("13912345678") == "139****5678"
    assert idcard.mask_id("") == ""
