"""Hostile input for the property-based tests (ISSUE 15 point 7): what a machine tries that people rarely do.

Every property test runs under `PROPERTIES`: a moderate number of examples, no deadline (the
machine is shared), and `derandomize=True`, so that a run is the same run on every machine and
in CI (a failure found once is found again, and no example database is kept between runs). To
search further once, run a file with `--hypothesis-seed=<n>` and a larger max_examples locally.

The strategies below give cell values and typed text: random unicode (control characters
included), full-width digits, formulas, very long strings, numbers Decimal cannot quantize,
impossible dates and 身份证号 in every wrong form a spreadsheet produces.
"""

import re
from datetime import date, datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from aidsys import cn

PROPERTIES = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(PROPERTIES, max_examples=25)

CHINESE = re.compile(r"[\u4e00-\u9fff]")

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.com","点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
]
NUMBERS = [
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1e999",
    "-1e999",
    "1E+400",
    "9" * 400,
    "-625.00",
    "0",
    "-0",
    "0.001",
    "625.005",
    "１２３",
    "1,234.5",
    "¥625",
    "￥-1",
    "1_000",
    "٣٤٥",
    "4.39901E+17",
]
DATES = [
    "2026-11-23",
    "2026/11/23",
    "2026年11月23日",
    "2026.11.23",
    "20261123",
    "2026-02-30",
    "2026年2月30日",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "99999999999-1-1",
    "2026-11-23-99999999999",
    "1-1-" + "9" * 30,
    "２０２６－１１－２３",
    "二〇二六年十一月二十三日",
    "46349",  # an Excel serial date (2026-11-23) typed as text
    "2026-11-23 10:00:00",
    "2026-11-23T25:61:00",
]
STRANGE_TEXT = [
    "",
    " ",
    "\u3000",
    "\x00",
    "\x07\x1b[31m",
    "\u202e反转",
    "\ufeff",
    "\u200b",
    "null",
    "None",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "%s%s%n",
    "𠀀𠀁𠀂",
    "王" * 300,
    "x" * 5000,
    "\n".join(["换行", "文字"]),
    '"',
    '"引号,逗号"',
    ";;;",
]
HOSTILE_WORDS = FORMULAS + NUMBERS + DATES + STRANGE_TEXT

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_WORDS),
    st.text(max_size=30),
    st.text(alphabet="0123456789０１２３４５６７８９xXｘ -/.年月日,¥+e", max_size=24),
)


def valid_id_number(birth: date = date(2019, 10, 8), sequence: int = 123) -> str:
    first17 = f"439901{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + cn.id_number_check_digit(first17)


def _wrong_check_digit(number: str) -> str:
    return number[:17] + next(c for c in "0123456789X" if c != number[17])


def _old_form(number: str) -> str:
    """The 15-digit ID number of before 1999: no century, no check digit."""
    return number[:6] + number[8:17]


def _spaced(number: str) -> str:
    return " ".join([number[:6], number[6:14], number[14:]])


def _full_width(number: str) -> str:
    return "".join(chr(ord(c) - ord("0") + 0xFF10) if c.isdigit() else c for c in number)


ID_MANGLERS = {
    "as is": lambda number: number,
    "wrong check digit": _wrong_check_digit,
    "lower case x": lambda number: number.replace("X", "x"),
    "spaces": _spaced,
    "full width": _full_width,
    "15-digit old form": _old_form,
    "one short": lambda number: number[:-1],
    "one long": lambda number: number + "1",
    "a letter inside": lambda number: number[:5] + "O" + number[6:],
    "a number cell": lambda number: float(number[:17]),
    "scientific": lambda number: f"{int(number[:17]):.5E}",
}

id_numbers_mangled = st.builds(
    lambda birth, sequence, mangle: ID_MANGLERS[mangle](valid_id_number(birth, sequence)),
    birth=st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 11, 1)),
    sequence=st.integers(0, 999),
    mangle=st.sampled_from(sorted(ID_MANGLERS)),
)

# A value a workbook cell may hold, as openpyxl writes it.
cell_values = st.one_of(
    hostile_text,
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.booleans(),
    st.none(),
)

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "big5", "latin-1"]


def encoded(text: str, encoding: str) -> bytes:
    """The text as a file in that encoding would hold it (characters it cannot hold become ?)."""
    return text.encode(encoding, errors="replace")


def is_chinese(message) -> bool:
    return bool(CHINESE.search(str(message)))
