"""Chinese helpers: 身份证号, mobile numbers, amounts in capitals, the official calendar's years and pinyin.

Pure functions: nothing here reads the database, so that models may import this module for their
validators. Working days, which read `Holiday` rows for the years the `chinese_calendar` package
does not know, are counted in `aidsys.calendar`.
"""

import functools
import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

import chinese_calendar
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from pypinyin import lazy_pinyin
from pypinyin.constants import RE_HANS

# Characters that arrive from spreadsheets, PDFs and Chinese input methods in otherwise valid input.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_FULL_WIDTH_DIGITS = {ord("０") + value: str(value) for value in range(10)}
_HYPHENS = dict.fromkeys(map(ord, "-‐‑‒–—－"))


def _strip_spaces(text: str) -> str:
    # str.split() without arguments also splits on U+3000 and the no-break space.
    return "".join(text.split()).translate(_INVISIBLE)


# ---------------------------------------------------------------------------------------------
# 身份证号 (GB 11643-1999)

_ID_LENGTH = 18
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARACTERS = "10X98765432"
_ID_TRANSLATION = {**_FULL_WIDTH_DIGITS, ord("x"): "X", ord("ｘ"): "X", ord("Ｘ"): "X"}
_EARLIEST_BIRTH_YEAR = 1900


def id_number_check_digit(first17: str) -> str:
    """The GB 11643 check character ("0"-"9" or "X") for the first 17 digits of an ID number."""
    if len(first17) != _ID_LENGTH - 1 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARACTERS[total % 11]


@functools.lru_cache(maxsize=4096)
def normalize_id_number(text: str) -> str:
    """Return the 18-character ID number, or raise ValidationError saying what is wrong with it."""
    number = _strip_spaces(text).translate(_ID_TRANSLATION)
    if len(number) != _ID_LENGTH:
        raise ValidationError(
            gettext("The ID number must have 18 characters; this one has {count}.").format(count=len(number)),
            code="length",
        )
    for position, character in enumerate(number, start=1):
        allowed = "0123456789X" if position == _ID_LENGTH else "0123456789"
        if character not in allowed:
            raise ValidationError(
                gettext(
                    "Character {position} of the ID number is “{character}”; the first 17 characters "
                    "must be digits and the last a digit or X."
                ).format(position=position, character=character),
                code="characters",
            )
    digits = number[6:14]
    try:
        birth_date = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValidationError(
            gettext("The birth date in the ID number, {digits}, is not a real date.").format(digits=digits),
            code="birth_date",
        ) from None
    if birth_date.year < _EARLIEST_BIRTH_YEAR:
        raise ValidationError(
            gettext("The birth date in the ID number, {date}, is before 1900.").format(date=birth_date.isoformat()),
            code="early_birth_date",
        )
    if birth_date > timezone.localdate():
        raise ValidationError(
            gettext("The birth date in the ID number, {date}, is in the future.").format(date=birth_date.isoformat()),
            code="future_birth_date",
        )
    expected = id_number_check_digit(number[:17])
    if number[17] != expected:
        raise ValidationError(
            gettext(
                "The last character of the ID number should be {expected}, not {given}; "
                "please look for a mistyped digit."
            ).format(expected=expected, given=number[17]),
            code="check_digit",
        )
    return number


def id_number_birth_date(id_number: str) -> date:
    """The birth date encoded in a valid ID number (ValidationError if it is not valid)."""
    digits = normalize_id_number(id_number)[6:14]
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def id_number_gender(id_number: str) -> str:
    """ "male" or "female", from the parity of the 17th digit of a valid ID number."""
    return "male" if int(normalize_id_number(id_number)[16]) % 2 else "female"


def mask_id_number(id_number: str) -> str:
    """First 4 and last 4 characters, the rest as '*': "4301**********123X"."""
    if not id_number:
        return ""
    text = _strip_spaces(id_number).translate(_ID_TRANSLATION)
    # At least 10 characters stay hidden (for an 18-character number: the end of the region code
    # and the whole birth date), so a short or odd value shows less than 4 + 4, down to nothing.
    shown = min(4, max(0, (len(text) - 10) // 2))
    if not shown:
        return "*" * len(text)
    return text[:shown] + "*" * (len(text) - 2 * shown) + text[-shown:]


# ---------------------------------------------------------------------------------------------
# Card numbers (UnionPay: 16 to 19 digits, the last a Luhn check digit)

CARD_MIN_DIGITS = 16
CARD_MAX_DIGITS = 19
_CARD_TRANSLATION = {**_FULL_WIDTH_DIGITS, **_HYPHENS}


def luhn_valid(digits: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn check (ISO/IEC 7812): "6222021234567890128" → True."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def normalize_card_number(text: str) -> str:
    """The card number as digits only (spaces, hyphens and full-width digits folded), or a
    ValidationError saying what is wrong: not digits, the wrong length, or a mistyped digit."""
    number = _strip_spaces(text).translate(_CARD_TRANSLATION)
    if not number.isascii() or not number.isdigit():
        raise ValidationError(gettext("A card number has digits only."), code="characters")
    if not CARD_MIN_DIGITS <= len(number) <= CARD_MAX_DIGITS:
        raise ValidationError(
            gettext("A card number has {min} to {max} digits; this one has {count}.").format(
                min=CARD_MIN_DIGITS, max=CARD_MAX_DIGITS, count=len(number)
            ),
            code="length",
        )
    if not luhn_valid(number):
        raise ValidationError(
            gettext("The card number fails its check digit; please look for a mistyped digit."), code="check_digit"
        )
    return number


def validate_card_number(value: str) -> None:
    """Form and model field validator for card numbers (UnionPay bank, aid and social-security cards)."""
    normalize_card_number(value)


# ---------------------------------------------------------------------------------------------
# Mainland mobile numbers

_MOBILE_TRANSLATION = {**_FULL_WIDTH_DIGITS, **_HYPHENS, ord("＋"): "+"}
_MOBILE_PATTERN = re.compile(r"1[3-9][0-9]{9}")


def mask_account_number(number: str) -> str:
    """A bank or card number with only its first 4 and last 4 digits shown."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _mobile_digits(text: str) -> str:
    return _strip_spaces(text).translate(_MOBILE_TRANSLATION)


def normalize_mobile(text: str) -> str:
    """Return the 11-digit mainland mobile number, or raise ValidationError saying what is wrong."""
    number = _mobile_digits(text)
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    elif number.startswith("86") and len(number) == 13:
        # A mainland mobile number starts with 1, so "86" in front of 11 digits can only be the
        # country code typed without its plus sign.
        number = number[2:]
    elif number.startswith(("+", "00")):
        raise ValidationError(
            gettext("Only mainland China mobile numbers (+86) are accepted."),
            code="country",
        )
    if not re.fullmatch(r"[0-9]*", number):
        raise ValidationError(
            gettext("A mobile number may contain only digits, spaces, hyphens and a +86 prefix."),
            code="characters",
        )
    if len(number) != 11:
        raise ValidationError(
            gettext("A mobile number has 11 digits; this one has {count}.").format(count=len(number)),
            code="length",
        )
    if not _MOBILE_PATTERN.fullmatch(number):
        raise ValidationError(
            gettext("A mainland mobile number starts with 13 to 19; this one starts with {prefix}.").format(
                prefix=number[:2]
            ),
            code="prefix",
        )
    return number


def validate_mobile(value: str) -> None:
    """Model and form field validator for mainland mobile numbers."""
    normalize_mobile(value)


def mask_mobile(phone: str) -> str:
    """ "138****5678"; a value that is not a mobile number keeps at least 4 digits hidden."""
    if not phone:
        return ""
    try:
        number = normalize_mobile(phone)
    except ValidationError:
        number = _mobile_digits(phone)
    if len(number) < 11:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_contact(contact: str) -> str:
    """A contact typed as free text (an objector's): a phone number masked as `mask_mobile` does;
    anything else, an address or an e-mail, keeps only its first 3 characters, as an address keeps its township."""
    if not contact:
        return ""
    if re.fullmatch(r"\+?[0-9()]+", _mobile_digits(contact)):
        return mask_mobile(contact)
    text = _strip_spaces(contact)
    return text[:3] + "****" if len(text) > 3 else "****"


# ---------------------------------------------------------------------------------------------
# Telephone numbers printed for families to call (a county's or a school's complaint telephone)

# Beijing (010) and the large cities of 02x have 3-digit area codes, every other area code 4: the
# digits alone say where the area code ends, whatever separators were typed.
_LANDLINE_PATTERN = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))([1-9][0-9]{6,7})")
_TELEPHONE_SEPARATORS = re.compile(r"[-()（）\s]")


def normalize_telephone(text: str) -> str:
    """A landline with its area code as "0731-84210000", or an 11-digit mobile number; else ValidationError.

    Typed variants are accepted: spaces, full-width digits, any hyphen, the area code in brackets.
    """
    digits = _TELEPHONE_SEPARATORS.sub("", text.translate(_FULL_WIDTH_DIGITS).translate(_HYPHENS)).translate(_INVISIBLE)
    if _MOBILE_PATTERN.fullmatch(digits):
        return digits
    landline = _LANDLINE_PATTERN.fullmatch(digits)
    if landline:
        return f"{landline[1]}-{landline[2]}"
    raise ValidationError(
        gettext(
            "Enter a landline with its area code, such as 0731-84210000, or an 11-digit mobile number starting with 1."
        ),
        code="telephone",
    )


# ---------------------------------------------------------------------------------------------
# Amounts in capitals, as on receipts (中国人民银行《支付结算办法》附件一)

_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACE_UNITS = ("", "拾", "佰", "仟")
_SECTION_UNITS = ("", "万", "亿")
_AMOUNT_LIMIT = Decimal(10) ** 12
_CENT = Decimal("0.01")


def _section_in_words(section: int) -> str:
    """1..9999 in capitals, a run of inner zeros read as one 零, trailing zeros silent."""
    words = []
    zero_pending = False
    for place in range(3, -1, -1):
        digit = section // 10**place % 10
        if not digit:
            zero_pending = bool(words)
            continue
        if zero_pending:
            words.append("零")
            zero_pending = False
        words.append(_CAPITAL_DIGITS[digit] + _PLACE_UNITS[place])
    return "".join(words)


def _yuan_in_words(yuan: int) -> str:
    words = []
    zero_pending = False
    for index in range(len(_SECTION_UNITS) - 1, -1, -1):
        section = yuan // 10 ** (4 * index) % 10000
        if not section:
            zero_pending = bool(words)
            continue
        # A section under 1000 after a higher one starts with a silent zero: 壹佰万零壹拾.
        if words and (zero_pending or section < 1000):
            words.append("零")
        words.append(_section_in_words(section) + _SECTION_UNITS[index])
        zero_pending = False
    return "".join(words)


def amount_in_words(amount: Decimal) -> str:
    """人民币壹仟贰佰伍拾元整: the amount rounded half up to fen, below one 万亿."""
    if isinstance(amount, float):
        raise TypeError("amounts are Decimal; a float is not exact")
    amount = Decimal(amount)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"cannot write {amount} in words")
    # Checked before rounding too: quantize() fails on numbers wider than the context precision.
    if amount >= _AMOUNT_LIMIT or amount.quantize(_CENT, ROUND_HALF_UP) >= _AMOUNT_LIMIT:
        raise ValueError(f"{amount} is too large; amounts must be below 10^12 yuan")
    cents = int(amount.quantize(_CENT, ROUND_HALF_UP) * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    words = _yuan_in_words(yuan) + "元" if yuan else ""
    if jiao:
        words += _CAPITAL_DIGITS[jiao] + "角"
    if fen:
        words += ("零" if yuan and not jiao else "") + _CAPITAL_DIGITS[fen] + "分"
    if not jiao and not fen:
        words = (words or "零元") + "整"
    return "人民币" + words


# ---------------------------------------------------------------------------------------------
# Working days: which years the chinese_calendar package knows (aidsys.calendar counts the days)

CALENDAR = "calendar"
TABLE = "table"
WEEKDAYS = "weekdays"

# The same rule as chinese_calendar's own check: it answers for every year from its first to its
# last holiday, and raises NotImplementedError outside them.
_PACKAGE_FIRST_YEAR = min(chinese_calendar.holidays).year
_PACKAGE_LAST_YEAR = max(chinese_calendar.holidays).year


def calendar_package_years() -> tuple[int, int]:
    """First and last year for which the chinese_calendar package has the official holidays."""
    return _PACKAGE_FIRST_YEAR, _PACKAGE_LAST_YEAR


def in_calendar_package(year: int) -> bool:
    """Whether the chinese_calendar package has the official holidays of `year`."""
    return _PACKAGE_FIRST_YEAR <= year <= _PACKAGE_LAST_YEAR


# ---------------------------------------------------------------------------------------------
# Pinyin of names

# Surnames whose reading differs from the character's everyday one, as pypinyin gives it. Compound
# surnames come first so that 单于 is not read as 单 (shan) + 于. Where a surname has two readings
# one is chosen: 乐 reads yue (乐毅), not le. 尉 alone is wei (尉健行); only in 尉迟 is it yu.
_COMPOUND_SURNAMES = {
    "长孙": ("zhang", "sun"),
    "尉迟": ("yu", "chi"),
    "单于": ("chan", "yu"),
    "万俟": ("mo", "qi"),
    "澹台": ("tan", "tai"),
    "乐正": ("yue", "zheng"),
    "令狐": ("ling", "hu"),
}
_SURNAMES = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "区": "ou",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "乐": "yue",
    "盖": "ge",
    "缪": "miao",
    "覃": "qin",
    "尉": "wei",
    "翟": "zhai",
    "秘": "bi",
    "种": "chong",
    "重": "chong",
    "召": "shao",
    "隗": "wei",
    "句": "gou",
    "繁": "po",
    "员": "yun",
    "能": "nai",
    "折": "she",
    "祭": "zhai",
    "藏": "zang",
    "洗": "xian",
    "佴": "nai",
    "薄": "bo",
    "阚": "kan",
    "都": "du",
    "黑": "he",
    "卜": "bu",
    "粘": "nian",
}
# Separators inside a name (买买提·吐尔逊) that must not weigh in sorting.
_NAME_SEPARATORS = re.compile(r"[\s·・•‧]+")


def _name_parts(name: str) -> list[tuple[str, bool]]:
    """(syllable, True) per Chinese character and (text, False) per run of other characters."""
    text = _NAME_SEPARATORS.sub("", unicodedata.normalize("NFKC", name or ""))
    parts: list[tuple[str, bool]] = []
    if text[:2] in _COMPOUND_SURNAMES:
        parts += [(syllable, True) for syllable in _COMPOUND_SURNAMES[text[:2]]]
        text = text[2:]
    elif text[:1] in _SURNAMES:
        parts.append((_SURNAMES[text[:1]], True))
        text = text[1:]
    for is_chinese, characters in groupby(text, key=lambda character: bool(RE_HANS.match(character))):
        run = "".join(characters)
        if is_chinese:
            # The whole run at once, so that pypinyin reads polyphones in their words' context.
            # A character pypinyin cannot read comes back unchanged and passes through like the rest.
            parts += [(syllable, syllable.isascii()) for syllable in lazy_pinyin(run)]
        else:
            parts.append((run.lower(), False))
    return parts


def pinyin_sort_key(name: str) -> str:
    """Full pinyin without tones or spaces, for sorting: 曾小明 → "zengxiaoming"."""
    return pinyin_key_and_initials(name)[0]


def pinyin_key_and_initials(name: str) -> tuple[str, str]:
    """Both at once (one reading of the name), for code that stores both."""
    parts = _name_parts(name)
    key = "".join(text for text, _is_syllable in parts)
    initials = "".join(text[0] if is_syllable else text for text, is_syllable in parts)
    return key, initials


def pinyin_initials(name: str) -> str:
    """First letter of each syllable: 王小明 → "wxm"; other characters pass through lower-cased."""
    return pinyin_key_and_initials(name)[1]
