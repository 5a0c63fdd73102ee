"""aidsys.cn: 身份证号, mobile numbers, amounts in capitals, working days and pinyin."""

import re
from datetime import date, timedelta
from decimal import Decimal

import chinese_calendar
import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aidsys import calendar, cn
from aidsys.models import Holiday

STANDARD_EXAMPLE = "11010519491231002X"  # the worked example of GB 11643-1999


def reference_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 computed from its definition, independently of the code under test."""
    total = sum(int(digit) * (2 ** (17 - index) % 11) for index, digit in enumerate(first17))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def id_number(region: str = "430102", birth: date = date(2012, 5, 17), sequence: str = "123") -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first17 + reference_check_digit(first17)


def error_of(function, value) -> ValidationError:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        function(value)
    return caught.value


id_numbers = st.builds(
    id_number,
    region=st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    sequence=st.from_regex(r"[0-9]{3}", fullmatch=True),
)


# ---------------------------------------------------------------------------------------------
# 身份证号


def test_the_reference_check_digit_agrees_with_the_standards_example():
    assert reference_check_digit(STANDARD_EXAMPLE[:17]) == "X"


def test_it_accepts_the_example_from_the_standard():
    assert cn.normalize_id_number(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


def test_it_computes_the_check_digit_of_the_standards_example():
    assert cn.id_number_check_digit("11010519491231002") == "X"
    assert cn.id_number_check_digit("43010220120517123") == reference_check_digit("43010220120517123")


def test_it_normalizes_full_width_digits_spaces_and_a_lower_case_x():
    typed = " １１０１０５\u3000１９４９ １２３１\t００２x\u200b"
    assert cn.normalize_id_number(typed) == STANDARD_EXAMPLE


@pytest.mark.parametrize("last", ["x", "ｘ", "Ｘ", "X"])
def test_it_turns_every_kind_of_x_into_a_capital_x(last):
    assert cn.normalize_id_number(STANDARD_EXAMPLE[:17] + last) == STANDARD_EXAMPLE


@pytest.mark.parametrize("text, count", [("", 0), ("1101051949123100", 16), (STANDARD_EXAMPLE + "1", 19)])
def test_it_rejects_a_number_of_the_wrong_length(text, count):
    error = error_of(cn.normalize_id_number, text)
    assert error.code == "length"
    assert error.message == f"The ID number must have 18 characters; this one has {count}."


def test_it_counts_the_length_after_removing_spaces():
    error = error_of(cn.normalize_id_number, "1101 0519 4912 3100 2")
    assert error.code == "length"
    assert "this one has 17" in error.message


def test_it_rejects_a_letter_among_the_first_17_characters():
    error = error_of(cn.normalize_id_number, "110105A9491231002X")
    assert error.code == "characters"
    assert "Character 7 " in error.message
    assert "“A”" in error.message


def test_it_rejects_an_x_before_the_last_character():
    error = error_of(cn.normalize_id_number, "1101051949123100X2")
    assert error.code == "characters"
    assert "Character 17 " in error.message


def test_it_rejects_digits_from_other_scripts():
    error = error_of(cn.normalize_id_number, "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X")  # Arabic-Indic digits
    assert error.code == "characters"


def test_it_rejects_february_30():
    number = "430102" + "20120230" + "123"
    number += reference_check_digit(number)
    error = error_of(cn.normalize_id_number, number)
    assert error.code == "birth_date"
    assert error.message == "The birth date in the ID number, 20120230, is not a real date."


def test_it_accepts_february_29_of_a_leap_year_only():
    assert cn.normalize_id_number(id_number(birth=date(2012, 2, 29)))
    number = "430102" + "20130229" + "123"
    assert error_of(cn.normalize_id_number, number + reference_check_digit(number)).code == "birth_date"


def test_it_rejects_a_birth_date_in_the_future():
    tomorrow = timezone.localdate() + timedelta(days=1)
    error = error_of(cn.normalize_id_number, id_number(birth=tomorrow))
    assert error.code == "future_birth_date"
    assert tomorrow.isoformat() in error.message


def test_it_accepts_a_birth_date_of_today():
    today = timezone.localdate()
    assert cn.id_number_birth_date(id_number(birth=today)) == today


def test_it_rejects_a_birth_date_before_1900():
    error = error_of(cn.normalize_id_number, id_number(birth=date(1899, 12, 31)))
    assert error.code == "early_birth_date"
    assert "1899-12-31" in error.message
    assert cn.normalize_id_number(id_number(birth=date(1900, 1, 1)))


def test_it_rejects_a_wrong_check_digit():
    error = error_of(cn.normalize_id_number, STANDARD_EXAMPLE[:17] + "7")
    assert error.code == "check_digit"
    assert error.message.startswith("The last character of the ID number should be X, not 7;")


@given(id_numbers)
def test_any_valid_id_number_round_trips(number):
    assert cn.normalize_id_number(number) == number
    full_width = number[:17].translate({ord(str(d)): chr(ord("０") + d) for d in range(10)})
    assert cn.normalize_id_number(f" {full_width} {number[17].lower()}") == number


@given(id_numbers, st.sampled_from("0123456789X"))
def test_changing_the_check_digit_always_fails(number, other):
    if other == number[17]:
        other = "0" if number[17] == "X" else "X"
    error = error_of(cn.normalize_id_number, number[:17] + other)
    assert error.code == "check_digit"
    assert f"should be {number[17]}, not {other};" in error.message


@given(id_numbers, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_is_always_noticed(number, position, shift):
    digit = str((int(number[position]) + shift) % 10)
    with pytest.raises(ValidationError):
        cn.normalize_id_number(number[:position] + digit + number[position + 1 :])


@given(st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_the_check_digit_matches_the_iso_7064_definition(first17):
    assert cn.id_number_check_digit(first17) == reference_check_digit(first17)


@pytest.mark.parametrize("first17", ["1101051949123100", "110105194912310021", "1101051949123100X", "１" * 17])
def test_the_check_digit_needs_exactly_17_ascii_digits(first17):
    with pytest.raises(ValueError):
        cn.id_number_check_digit(first17)


def test_it_reads_the_birth_date_and_the_gender():
    assert cn.id_number_birth_date(STANDARD_EXAMPLE) == date(1949, 12, 31)
    assert cn.id_number_gender(STANDARD_EXAMPLE) == "female"
    assert cn.id_number_gender(id_number(sequence="013")) == "male"
    assert cn.id_number_gender(id_number(sequence="018")) == "female"


def test_reading_an_invalid_number_raises_a_validation_error():
    with pytest.raises(ValidationError):
        cn.id_number_birth_date(STANDARD_EXAMPLE[:17] + "1")


def test_it_masks_all_but_the_first_and_last_four():
    assert cn.mask_id_number("43010220120517123X") == "4301**********123X"
    assert cn.mask_id_number("4301 0220 1205 1712 3x") == "4301**********123X"


@pytest.mark.parametrize(
    "text, masked",
    [
        ("", ""),
        ("1234", "****"),
        ("1234567890", "**********"),
        ("123456789012", "1**********2"),
        ("430102120517123", "43***********23"),  # an old 15-digit number
        ("4301022012051712345", "4301***********2345"),
    ],
)
def test_it_masks_short_and_odd_values_without_leaking(text, masked):
    assert cn.mask_id_number(text) == masked


@given(st.text(alphabet="0123456789X", max_size=30))
def test_masking_never_reveals_the_middle(text):
    masked = cn.mask_id_number(text)
    assert len(masked) == len(text)
    revealed = [index for index, character in enumerate(masked) if character != "*"]
    assert len(revealed) <= 8
    assert len(text) - len(revealed) >= min(len(text), 10)
    for index in revealed:
        assert masked[index] == text[index]
        assert index < 4 or index >= len(text) - 4
    if len(text) == 18:
        assert masked[4:14] == "*" * 10


# ---------------------------------------------------------------------------------------------
# Mobile numbers


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086 13812345678",
        "8613812345678",
        "＋８６ １３８－１２３４－５６７８",
        "\u3000138 1234 5678\u200b",
    ],
)
def test_it_normalizes_a_mobile_number(typed):
    assert cn.normalize_mobile(typed) == "13812345678"


@pytest.mark.parametrize(
    "typed, code, fragment",
    [
        ("12812345678", "prefix", "this one starts with 12"),
        ("23812345678", "prefix", "this one starts with 23"),
        ("1381234567", "length", "this one has 10"),
        ("138123456789", "length", "this one has 12"),
        ("", "length", "this one has 0"),
        ("138l2345678", "characters", "only digits"),
        ("(138)12345678", "characters", "only digits"),
        ("+1 415 555 0100", "country", "mainland China"),
        ("00852 6123 4567", "country", "mainland China"),
    ],
)
def test_it_rejects_what_is_not_a_mainland_mobile_number(typed, code, fragment):
    error = error_of(cn.normalize_mobile, typed)
    assert error.code == code
    assert fragment in error.message


def test_eighty_six_is_a_prefix_only_in_front_of_eleven_digits():
    error = error_of(cn.normalize_mobile, "861381234567")
    assert error.code == "length"
    assert "this one has 12" in error.message


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("0731-84210000", "0731-84210000"),
        ("0731 8421 0000", "0731-84210000"),
        ("(0731)84210000", "0731-84210000"),
        ("（０７３１）８４２１００００", "0731-84210000"),
        ("073184210000", "0731-84210000"),
        ("010-62345678", "010-62345678"),
        ("020 8765432", "020-8765432"),
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
    ],
)
def test_it_normalizes_a_telephone_number(typed, stored):
    assert cn.normalize_telephone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["12345", "84210000", "0731-0421000", "0731-842100001", "1381234567", "12812345678", "0731-8421abc"]
)
def test_it_rejects_a_telephone_number_without_area_code_or_of_the_wrong_length(typed):
    error = error_of(cn.normalize_telephone, typed)
    assert error.code == "telephone" and "0731-84210000" in error.message


def test_validate_mobile_works_as_a_form_field_validator():
    field = forms.CharField(validators=[cn.validate_mobile])
    assert field.clean("+86 138 1234 5678") == "+86 138 1234 5678"
    with pytest.raises(ValidationError) as caught:
        field.clean("12345678901")
    assert caught.value.error_list[0].code == "prefix"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "+86", "0086", "86", "+86 "]))
def test_any_mobile_number_round_trips_with_any_prefix(number, prefix):
    spaced = f"{number[:3]} {number[3:7]}-{number[7:]}"
    assert cn.normalize_mobile(prefix + spaced) == number


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("", ""),
        ("12345", "*****"),
        ("0731-88886666", "073*****6666"),
    ],
)
def test_it_masks_a_mobile_number(phone, masked):
    assert cn.mask_mobile(phone) == masked


@pytest.mark.parametrize(
    "contact, masked",
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("0731-88886666", "073*****6666"),
        ("青山镇枫树村三组12号", "青山镇****"),
        ("王先生 13812345678", "王先生****"),
        ("zhao@example.com", "zha****"),
        ("张三", "****"),
        ("", ""),
    ],
)
def test_it_masks_a_contact_whether_a_phone_or_an_address(contact, masked):
    assert cn.mask_contact(contact) == masked


# ---------------------------------------------------------------------------------------------
# Amounts in capitals

CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = "拾佰仟万亿元角分"


def parse_capitals(words: str) -> Decimal:
    """Reads an amount in capitals back into a number, written independently of the code under test."""
    assert words.startswith("人民币")
    total = section = number = cents = 0
    for character in words[3:]:
        if character in CAPITAL_DIGITS:
            number = CAPITAL_DIGITS.index(character)
        elif character in "拾佰仟":
            section += number * 10 ** ("拾佰仟".index(character) + 1)
            number = 0
        elif character == "万":
            total += (section + number) * 10**4
            section = number = 0
        elif character == "亿":
            total = (total + section + number) * 10**8
            section = number = 0
        elif character == "元":
            total += section + number
            section = number = 0
        elif character == "角":
            cents += number * 10
            number = 0
        elif character == "分":
            cents += number
            number = 0
        else:
            assert character == "整", character
    return Decimal(total) + Decimal(cents) / 100


@pytest.mark.parametrize(
    "amount, words",
    [
        ("1250", "人民币壹仟贰佰伍拾元整"),
        ("1409.50", "人民币壹仟肆佰零玖元伍角"),
        ("325.04", "人民币叁佰贰拾伍元零肆分"),
        ("10", "人民币壹拾元整"),
        ("0", "人民币零元整"),
        ("0.5", "人民币伍角"),
        ("100000", "人民币壹拾万元整"),
        ("1000010", "人民币壹佰万零壹拾元整"),
        ("20300.07", "人民币贰万零叁佰元零柒分"),
        ("1.23", "人民币壹元贰角叁分"),
        # further cases of the same rules
        ("625", "人民币陆佰贰拾伍元整"),
        ("1009", "人民币壹仟零玖元整"),
        ("0.04", "人民币肆分"),
        ("0.55", "人民币伍角伍分"),
        ("10.50", "人民币壹拾元伍角"),
        ("10001000", "人民币壹仟万壹仟元整"),
        ("100000001", "人民币壹亿零壹元整"),
        ("100010000", "人民币壹亿零壹万元整"),
        ("110000000", "人民币壹亿壹仟万元整"),
        ("200000000000", "人民币贰仟亿元整"),
        ("999999999999.99", "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_it_writes_the_amount_in_capitals(amount, words):
    assert cn.amount_in_words(Decimal(amount)) == words


@pytest.mark.parametrize(
    "amount, words",
    [
        ("0.005", "人民币壹分"),
        ("0.004", "人民币零元整"),
        ("2.675", "人民币贰元陆角捌分"),
        ("1.994", "人民币壹元玖角玖分"),
        ("9.995", "人民币壹拾元整"),
    ],
)
def test_it_rounds_half_up_to_the_fen(amount, words):
    assert cn.amount_in_words(Decimal(amount)) == words


def test_it_accepts_an_integer():
    assert cn.amount_in_words(1500) == "人民币壹仟伍佰元整"


@pytest.mark.parametrize("amount", ["-0.01", "-1", "1000000000000", "999999999999.995", "1E+40", "NaN", "Infinity"])
def test_it_refuses_negative_huge_and_non_finite_amounts(amount):
    with pytest.raises(ValueError):
        cn.amount_in_words(Decimal(amount))


def test_it_refuses_a_float():
    with pytest.raises(TypeError):
        cn.amount_in_words(0.1)


amounts = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)
# Amounts full of zeros, where the rules for 零 are tested hardest.
zero_heavy_amounts = st.lists(st.sampled_from("000000000123456789"), min_size=3, max_size=14).map(
    lambda digits: Decimal("".join(digits)) / 100
)


@given(st.one_of(amounts, zero_heavy_amounts))
@example(Decimal("100000000.01"))
@example(Decimal("10000.10"))
def test_any_amount_reads_back_to_itself(amount):
    words = cn.amount_in_words(amount)
    assert words.startswith("人民币")
    assert parse_capitals(words) == amount


@given(st.one_of(amounts, zero_heavy_amounts))
def test_the_words_follow_the_receipt_rules(amount):
    words = cn.amount_in_words(amount)[3:]
    assert "零零" not in words
    assert words == "零元整" or not re.search("零[万亿元角分整]|零$|^零", words)
    assert re.fullmatch(f"[{CAPITAL_DIGITS}{UNITS}整]+", words)
    # Every digit but 零 is followed by its unit.
    assert not re.search(f"[{CAPITAL_DIGITS[1:]}](?![{UNITS}])", words)
    cents = int(amount * 100) % 100
    assert words.endswith("整") == (cents == 0)
    assert words.endswith("角") == (cents % 10 == 0 and cents != 0)
    assert ("元" in words) == (amount >= 1 or amount == 0)


# ---------------------------------------------------------------------------------------------
# Working days


@pytest.fixture
def package_ends_in_2026(monkeypatch):
    """Pins the package's last year, so that these tests keep meaning the same once it learns 2027."""
    monkeypatch.setattr(cn, "_PACKAGE_LAST_YEAR", 2026)


def national_day_2027() -> None:
    for day in range(1, 8):
        Holiday.objects.create(date=date(2027, 10, day), kind=Holiday.Kind.HOLIDAY, name="国庆节")
    Holiday.objects.create(date=date(2027, 9, 26), kind=Holiday.Kind.WORKDAY, name="国庆节调休上班")
    Holiday.objects.create(date=date(2027, 10, 9), kind=Holiday.Kind.WORKDAY, name="国庆节调休上班")


def test_the_package_answers_for_its_years_and_refuses_the_next():
    first, last = cn.calendar_package_years()
    assert first <= 2026 <= last
    chinese_calendar.is_workday(date(last, 12, 31))  # raises if the last year is not covered
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(last + 1, 1, 4))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(first - 1, 12, 31))


@pytest.mark.django_db
def test_it_counts_five_working_days_across_national_day_2026(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert calendar.last_working_day(date(2026, 9, 28), 5) == date(2026, 10, 9)


@pytest.mark.django_db
def test_the_start_counts_when_it_is_a_working_day():
    assert calendar.last_working_day(date(2026, 9, 28), 1) == date(2026, 9, 28)
    assert calendar.last_working_day(date(2026, 10, 1), 1) == date(2026, 10, 8)


@pytest.mark.django_db
def test_it_counts_the_adjusted_saturday_after_national_day_2026():
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    assert calendar.last_working_day(date(2026, 10, 8), 3) == date(2026, 10, 10)


def test_the_package_has_spring_festival_2026_as_expected():
    festival = [date(2026, 2, 15) + timedelta(days=n) for n in range(9)]
    assert all(day in chinese_calendar.holidays for day in festival)
    assert not any(chinese_calendar.is_workday(day) for day in festival)
    assert date(2026, 2, 14) in chinese_calendar.workdays
    assert date(2026, 2, 28) in chinese_calendar.workdays
    assert chinese_calendar.is_workday(date(2026, 2, 24))


@pytest.mark.django_db
def test_it_counts_across_spring_festival_2026():
    # Thu 12, Fri 13, Sat 14 (worked), then the holiday to Mon 23, then Tue 24.
    assert calendar.last_working_day(date(2026, 2, 12), 3) == date(2026, 2, 14)
    assert calendar.last_working_day(date(2026, 2, 12), 4) == date(2026, 2, 24)
    # Tue 24 to Fri 27, then Saturday 28 is worked.
    assert calendar.last_working_day(date(2026, 2, 24), 5) == date(2026, 2, 28)


@pytest.mark.django_db
def test_it_crosses_into_2027_counting_monday_to_friday(package_ends_in_2026):
    # Mon 28 to Thu 31 December 2026, then Friday 1 January 2027 (no data), then Monday 4.
    period = calendar.working_period(date(2026, 12, 28), 6)
    assert period == calendar.WorkingPeriod(start=date(2026, 12, 28), end=date(2027, 1, 4), fallback_years=(2027,))
    assert calendar.last_working_day(date(2026, 12, 28), 5) == date(2027, 1, 1)


@pytest.mark.django_db
def test_it_crosses_into_2027_using_its_holiday_rows(package_ends_in_2026):
    Holiday.objects.create(date=date(2027, 1, 1), kind=Holiday.Kind.HOLIDAY, name="元旦")
    period = calendar.working_period(date(2026, 12, 28), 5)
    assert period.end == date(2027, 1, 4)
    assert period.fallback_years == ()
    assert period.fallback_warning == ""


@pytest.mark.django_db
def test_it_uses_the_holiday_rows_of_2027(package_ends_in_2026, django_assert_num_queries):
    national_day_2027()
    # Wed 29, Thu 30 September; 1-7 October off; Fri 8; Saturday 9 worked; Monday 11.
    with django_assert_num_queries(1):
        assert calendar.last_working_day(date(2027, 9, 29), 5) == date(2027, 10, 11)
    # Sunday 26 September is worked, so a period may start on it.
    assert calendar.last_working_day(date(2027, 9, 26), 1) == date(2027, 9, 26)


@pytest.mark.django_db
def test_a_holiday_row_on_a_weekend_and_a_workday_row_on_a_weekday_change_nothing(package_ends_in_2026):
    Holiday.objects.create(date=date(2027, 3, 6), kind=Holiday.Kind.HOLIDAY, name="星期六")
    Holiday.objects.create(date=date(2027, 3, 8), kind=Holiday.Kind.WORKDAY, name="星期一")
    assert calendar.last_working_day(date(2027, 3, 5), 2) == date(2027, 3, 8)


@pytest.mark.django_db
def test_without_rows_2027_is_counted_monday_to_friday(package_ends_in_2026):
    period = calendar.working_period(date(2027, 9, 29), 5)
    assert period.end == date(2027, 10, 5)
    assert period.fallback_years == (2027,)
    assert calendar.working_day_sources(date(2027, 1, 1), date(2027, 12, 31)) == {2027: "weekdays"}
    with translation.override("en"):
        assert period.fallback_warning == ("No holiday data for 2027: working days were counted Monday to Friday.")


@pytest.mark.django_db
def test_the_warning_names_every_year_without_data(package_ends_in_2026):
    # 23 weekdays in December 2027, then Mon 3 to Tue 11 January 2028.
    period = calendar.working_period(date(2027, 12, 1), 30)
    assert period.end == date(2028, 1, 11)
    assert period.fallback_years == (2027, 2028)
    with translation.override("en"):
        assert period.fallback_warning.startswith("No holiday data for 2027, 2028:")


@pytest.mark.django_db
def test_years_before_the_package_fall_back_too():
    first, _last = cn.calendar_package_years()
    period = calendar.working_period(date(first - 1, 12, 31), 2)
    assert period.fallback_years == (first - 1,)
    assert calendar.working_day_sources(date(first - 1, 6, 1), date(first, 6, 1)) == {
        first - 1: "weekdays",
        first: "calendar",
    }


@pytest.mark.django_db
def test_it_reports_the_source_of_each_year_in_one_query(package_ends_in_2026, django_assert_num_queries):
    national_day_2027()
    Holiday.objects.create(date=date(2030, 1, 1), kind=Holiday.Kind.HOLIDAY, name="元旦")
    with django_assert_num_queries(1):
        sources = calendar.working_day_sources(date(2025, 12, 1), date(2028, 2, 1))
    assert sources == {2025: "calendar", 2026: "calendar", 2027: "table", 2028: "weekdays"}


@pytest.mark.django_db
def test_a_period_over_several_table_years_is_one_query(package_ends_in_2026, django_assert_num_queries):
    national_day_2027()
    Holiday.objects.create(date=date(2027, 12, 31), kind=Holiday.Kind.HOLIDAY, name="元旦")
    Holiday.objects.create(date=date(2028, 1, 3), kind=Holiday.Kind.HOLIDAY, name="元旦")
    # Mon 27 to Thu 30 December; Fri 31 off; the weekend; Mon 3 January off; Tue 4, Wed 5.
    with django_assert_num_queries(1):
        period = calendar.working_period(date(2027, 12, 27), 6)
    assert period.end == date(2028, 1, 5)
    assert period.fallback_years == ()


@pytest.mark.django_db
def test_it_never_counts_a_weekend_in_a_year_without_data():
    start = date(2031, 1, 1)
    end = calendar.last_working_day(start, 250)
    assert end.weekday() < 5
    weekdays = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    assert sum(1 for day in weekdays if day.weekday() < 5) == 250


@pytest.mark.parametrize("days", [0, -3])
def test_a_period_needs_at_least_one_day(days):
    with pytest.raises(ValueError):
        calendar.last_working_day(date(2026, 9, 28), days)


def test_sources_need_an_end_after_the_start():
    with pytest.raises(ValueError):
        calendar.working_day_sources(date(2026, 2, 1), date(2026, 1, 1))


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 10, 31)), days=st.integers(1, 30))
def test_the_end_of_a_period_is_always_a_working_day(start, days):
    end = calendar.last_working_day(start, days)
    assert chinese_calendar.is_workday(end)
    counted = sum(1 for n in range((end - start).days + 1) if chinese_calendar.is_workday(start + timedelta(days=n)))
    assert counted == days


# ---------------------------------------------------------------------------------------------
# Pinyin


def test_it_spells_a_name_in_pinyin():
    assert cn.pinyin_sort_key("王小明") == "wangxiaoming"
    assert cn.pinyin_initials("王小明") == "wxm"


@pytest.mark.parametrize(
    "name, key, initials",
    [
        ("曾小明", "zengxiaoming", "zxm"),
        ("单田芳", "shantianfang", "stf"),
        ("解缙", "xiejin", "xj"),
        ("区伟", "ouwei", "ow"),
        ("仇英", "qiuying", "qy"),
        ("朴树", "piaoshu", "ps"),
        ("查良镛", "zhaliangyong", "zly"),
        ("乐毅", "yueyi", "yy"),
        ("盖聂", "genie", "gn"),
        ("缪斯", "miaosi", "ms"),
        ("覃玉", "qinyu", "qy"),
        ("尉健行", "weijianxing", "wjx"),
        ("翟天临", "zhaitianlin", "ztl"),
        ("种师道", "chongshidao", "csd"),
        ("长孙无忌", "zhangsunwuji", "zswj"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("单于飞", "chanyufei", "cyf"),
        ("万俟卨", "moqixie", "mqx"),
    ],
)
def test_it_reads_the_first_character_as_a_surname(name, key, initials):
    assert cn.pinyin_sort_key(name) == key
    assert cn.pinyin_initials(name) == initials


def test_a_surname_character_later_in_the_name_keeps_its_everyday_reading():
    assert cn.pinyin_sort_key("王单") == "wangdan"


def test_surnames_sort_by_their_reading():
    names = ["曾小明", "陈红", "安娜", "查文"]
    assert sorted(names, key=cn.pinyin_sort_key) == ["安娜", "陈红", "曾小明", "查文"]


@pytest.mark.parametrize(
    "name, key, initials",
    [
        ("Anna李", "annali", "annal"),
        ("ＡＢ王", "abwang", "abw"),
        ("买买提·吐尔逊", "maimaitituerxun", "mmttex"),
        ("王 小明", "wangxiaoming", "wxm"),
        ("吕", "lv", "l"),
        ("", "", ""),
    ],
)
def test_other_characters_pass_through_lower_cased(name, key, initials):
    assert cn.pinyin_sort_key(name) == key
    assert cn.pinyin_initials(name) == initials


han_characters = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5).filter(
    lambda character: cn.pinyin_initials(character).isascii()
)


@given(st.text(alphabet=han_characters, min_size=1, max_size=4))
def test_every_chinese_character_gives_one_lower_case_syllable(name):
    key = cn.pinyin_sort_key(name)
    initials = cn.pinyin_initials(name)
    assert re.fullmatch("[a-z]+", key)
    assert len(initials) == len(name)
    assert key.startswith(initials[0])


# ---------------------------------------------------------------------------------------------
# Card numbers: 16 to 19 digits with the Luhn check


def with_luhn_digit(first: str) -> str:
    """`first` and the one check digit that makes it pass."""
    return first + next(str(digit) for digit in range(10) if cn.luhn_valid(first + str(digit)))


@pytest.mark.parametrize("number", ["4111111111111111", "79927398713", "6222021234567890128", "0"])
def test_luhn_accepts_known_valid_numbers(number):
    assert cn.luhn_valid(number)


@pytest.mark.parametrize("number", ["4111111111111112", "79927398710", "", "6222 0212", "１２３", "abc"])
def test_luhn_refuses_a_wrong_check_digit_and_anything_but_ascii_digits(number):
    assert not cn.luhn_valid(number)


@given(st.text(alphabet="0123456789", min_size=15, max_size=18))
def test_exactly_one_check_digit_makes_a_number_pass(first):
    assert sum(cn.luhn_valid(first + str(digit)) for digit in range(10)) == 1


@given(st.text(alphabet="0123456789", min_size=15, max_size=18), st.integers(min_value=1, max_value=9))
def test_any_single_mistyped_digit_is_caught(first, shift):
    number = with_luhn_digit(first)
    position = len(number) // 2
    mistyped = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert not cn.luhn_valid(mistyped)


def test_a_card_number_is_normalised_from_spaces_hyphens_and_full_width_digits():
    assert cn.normalize_card_number("6222 0212-3456 7890 128") == "6222021234567890128"
    assert cn.normalize_card_number("４１１１１１１１１１１１１１１１") == "4111111111111111"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("4111-1111-1111-111A", "characters"),
        (with_luhn_digit("411111111111111"[:14]), "length"),
        (with_luhn_digit("6" * 19), "length"),
        ("4111111111111112", "check_digit"),
    ],
)
def test_validate_card_number_says_what_is_wrong(text, code):
    with pytest.raises(ValidationError) as raised:
        cn.validate_card_number(text)
    assert raised.value.code == code


def test_the_length_message_gives_the_count():
    with translation.override("en"), pytest.raises(ValidationError, match="16 to 19 digits; this one has 15"):
        cn.validate_card_number(with_luhn_digit("41111111111111"))
