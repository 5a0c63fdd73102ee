"""Reading uploaded spreadsheets (.xlsx workbooks and .csv text, told apart by their content) and
writing workbook rows without live formulas.

Every app that takes a file (the roster import, official lists, later imports) reads it here,
with the same rules: at most AIDSYS_IMPORT_MAX_MB; a workbook is a zip with xl/workbook.xml
whatever the file is called, anything else must be text in UTF-8 (with or without a BOM), UTF-16
with a BOM (Excel's "Unicode text") or GB 18030 (what Excel in China saves, a superset of GBK); a
workbook is read with openpyxl in read-only mode, one row at a time, and refused when its stated
size is absurd (a 10 MB workbook can state two million empty rows): more than MAX_ROWS rows or
MAX_COLUMNS columns. Reading stops after
TRAILING_EMPTY_ROWS empty rows in a row, the formatting an exporter left below the data. Cells come
back as text through `cell_text`, and the header row is found among the first rows by
`find_header`, however the other system spells it (full-width brackets, spaces, a star or a note in
brackets).

Whatever goes wrong is a ValidationError whose message the user can act on.

Every workbook the project writes appends its rows through `append_row`: a text from the data
that starts like a formula (OWASP's CSV-injection rule: = + - @, a tab or a carriage return) is
written as text with Excel's quote prefix, so that neither opening the file nor editing the cell
runs it. The text itself is kept as it was; numbers stay numbers. A CSV file the project writes goes
through `write_csv`, which asks the same question and prefixes such a text with an apostrophe.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell.cell import Cell

XLSX, CSV = "xlsx", "csv"
MB = 1024 * 1024
# A title or a note may stand above the header row.
HEADER_SEARCH_ROWS = 10
ENCODINGS = ("utf-8-sig", "gb18030")
# Excel's "Unicode text" (and some exporters' CSV) is UTF-16 with a byte-order mark.
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

_ZIP = b"PK\x03\x04"
# An old .xls (and .doc) file: an OLE2 compound document.
_OLE2 = b"\xd0\xcf\x11\xe0"
# Files that are text-like at their start but are no spreadsheet, named in the refusal by what they are.
_NOT_SPREADSHEETS = {
    b"%PDF": gettext_lazy("a PDF document"),
    b"{\\rtf": gettext_lazy("a Word (RTF) document"),
    b"\x89PNG": gettext_lazy("a picture (PNG)"),
    b"\xff\xd8\xff": gettext_lazy("a picture (JPEG)"),
    b"GIF8": gettext_lazy("a picture (GIF)"),
}
# Control characters no CSV file holds (a tab, line ends and a form feed aside): binary data.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# What a sniffer looks at to tell the delimiter of a CSV file.
_SNIFF_CHARS = 4096
# A sheet is at most this large: a county's largest school has a few thousand students.
MAX_ROWS = 100_000
MAX_COLUMNS = 200
# So many empty rows in a row end the data: what follows is formatting, not students.
TRAILING_EMPTY_ROWS = 1000


class FileUnreadable(ValidationError):
    """The file looked like a spreadsheet but reading it failed part way (a damaged workbook)."""

    def __init__(self):
        super().__init__(_("The file cannot be read: it may be damaged."), code="unreadable")


class SheetTooLarge(ValidationError):
    """The sheet states (or holds) more rows or columns than any list the project reads."""

    def __init__(self, rows: int, columns: int):
        super().__init__(
            _(
                "The sheet has {rows} rows and {columns} columns; at most {max_rows} rows and {max_columns} "
                "columns can be imported. Delete the empty rows and columns below and beside the data, or "
                "copy the data into a new workbook."
            ).format(rows=rows, columns=columns, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS),
            code="sheet_too_large",
        )


def max_upload_mb() -> float:
    return getattr(settings, "AIDSYS_IMPORT_MAX_MB", 20)


def size_error(size: int) -> ValidationError | None:
    """The error for a file of `size` bytes over the limit, else None."""
    limit = max_upload_mb()
    if size <= limit * MB:
        return None
    return ValidationError(
        _("The file is {size:.1f} MB; at most {limit:g} MB can be imported.").format(size=size / MB, limit=limit),
        code="size",
    )


def check_file(name: str, content: bytes) -> str:
    """XLSX or CSV, told by the content (the name only appears in the message); ValidationError saying why not."""
    error = size_error(len(content))
    if error is not None:
        raise error
    if content.startswith(_ZIP):
        if _is_workbook(content):
            return XLSX
        raise _not_a_list(name, gettext_lazy("a zip archive or a Word document"))
    if content.startswith(_OLE2):
        raise ValidationError(
            _("“{name}” is not an Excel workbook; an old .xls file must first be saved as .xlsx.").format(name=name),
            code="not_workbook",
        )
    kind = next((kind for magic, kind in _NOT_SPREADSHEETS.items() if content.startswith(magic)), None)
    if kind is not None:
        raise _not_a_list(name, kind)
    # UTF-16 holds a zero byte in every ASCII character: without its byte-order mark, that is binary data.
    text = decode(content) if b"\x00" not in content or content.startswith(_UTF16_BOMS) else None
    if (text is None and b"\x00" in content) or (text is not None and _BINARY.search(text)):
        raise ValidationError(
            _("Only .xlsx and .csv files can be imported; “{name}” is neither.").format(name=name), code="kind"
        )
    if text is None:
        raise ValidationError(_("“{name}” is not a text file in UTF-8 or GB18030.").format(name=name), code="encoding")
    return CSV


def _not_a_list(name: str, kind) -> ValidationError:
    return ValidationError(
        _(
            "“{name}” is {kind}, not an Excel workbook (.xlsx) or a CSV file: it cannot be read as a list. "
            "Nothing has been saved."
        ).format(name=name, kind=kind),
        code="kind",
    )


def read_upload(upload) -> tuple[str, bytes]:
    """(kind, content) of an uploaded file; its size is checked before it is read."""
    error = size_error(upload.size or 0)
    if error is not None:
        raise error
    upload.seek(0)
    content = upload.read()
    return check_file(upload.name or "", content), content


def _is_workbook(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def decode(content: bytes) -> str | None:
    """The text of a CSV file, or None when it is neither UTF-8, UTF-16 with a byte-order mark nor GB 18030."""
    if content.startswith(_UTF16_BOMS):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def file_rows(kind: str, content: bytes) -> Iterator[tuple[int, tuple | list]]:
    """(row number as the spreadsheet shows it, cell values) for each row of a checked file.

    A damaged file raises FileUnreadable when the reading reaches the damage; a sheet larger than
    MAX_ROWS or MAX_COLUMNS raises SheetTooLarge. After TRAILING_EMPTY_ROWS empty rows in a row the
    rows end.
    """
    rows = _xlsx_rows(content) if kind == XLSX else _csv_rows(content)
    empty_run = []
    try:
        while True:
            try:
                number, values = next(rows)
            except StopIteration:
                return
            except SheetTooLarge:
                raise
            except Exception as error:  # openpyxl and csv fail in many ways on a damaged file
                raise FileUnreadable from error
            if not any(cell_text(value) for value in values):
                # Held back until a row with data follows: the empty rows at the end are not given.
                empty_run.append((number, values[:MAX_COLUMNS]))
                if len(empty_run) >= TRAILING_EMPTY_ROWS:
                    return
                continue
            beyond = values[MAX_COLUMNS:]
            if number > MAX_ROWS or any(cell_text(value) for value in beyond):
                raise SheetTooLarge(number, len(values))
            yield from empty_run
            empty_run.clear()
            yield number, values[:MAX_COLUMNS]
    finally:
        rows.close()


def _xlsx_rows(content: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # The size the sheet states is read before any row: an absurd one is refused at once.
        if (sheet.max_row or 0) > MAX_ROWS or (sheet.max_column or 0) > MAX_COLUMNS:
            raise SheetTooLarge(sheet.max_row or 0, sheet.max_column or 0)
        # Some exporters write a smaller sheet size than they fill; read what is there instead.
        sheet.reset_dimensions()
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def _csv_rows(content: bytes):
    text = decode(content) or ""
    try:
        delimiter = csv.Sniffer().sniff(text[:_SNIFF_CHARS], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    # Only the delimiter is guessed: the sniffer also guesses the quoting, wrongly for a cell holding a
    # quote (a,"b""c" read as b"c"), and every spreadsheet program quotes as Excel does.
    yield from enumerate(csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter), start=1)


# Full-width digits and the spaces other than " " that Chinese text and Excel use.
_CELL_CHARACTERS = str.maketrans(
    {**{chr(0xFF10 + digit): str(digit) for digit in range(10)}, "\u3000": " ", "\xa0": " "}
)


def cell_text(value) -> str:
    """A cell as trimmed text, whatever type the spreadsheet gave it.

    2.0 → "2"; a 身份证号 that Excel kept as a number, 4.39901201910080E+17 → "439901201910080000"
    (its 15 digits, which the ID check then refuses); a date → "2019-10-08"; TRUE → "1";
    full-width digits (１２３) → 123 and full-width spaces → spaces.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        # repr gives the shortest digits that make this float: what the spreadsheet meant.
        return str(int(Decimal(repr(value))))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).translate(_CELL_CHARACTERS).strip()


_NOTE = re.compile(r"[(\[【].*?[)\]】]")


def normalize_header(value, *, notes: bool = True) -> str:
    """A header as it is compared: 身份证号码（必填） → 身份证号码(必填), or 身份证号码 with notes=False.

    Full-width forms folded (NFKC), no spaces, no stars, lower case; `notes=False` also drops
    what stands in brackets.
    """
    text = unicodedata.normalize("NFKC", cell_text(value))
    text = "".join(text.split()).replace("*", "").lower()
    return text if notes else _NOTE.sub("", text)


@dataclass(frozen=True)
class Header:
    row: int  # as the spreadsheet numbers it
    texts: list[str]  # every cell of the row, as text
    columns: dict[str, list[int]]  # key → the indexes of the cells naming it, left to right

    def index(self, key: str) -> int | None:
        found = self.columns.get(key)
        return found[0] if found else None


def read_header(row: int, values: Iterable, aliases: Mapping[str, Iterable[str]]) -> Header:
    """Which cells of this row name which key; `aliases` gives each key the headers that name it.

    A cell names the first key with an alias equal to it, compared with `normalize_header`, or
    else equal to it without its note in brackets (身份证号(必填)), so that an alias that is
    itself written with brackets (乡镇(街道)) still counts as a whole.
    """
    wanted = {key: {normalize_header(alias) for alias in names} for key, names in aliases.items()}
    texts = [cell_text(value) for value in values or ()]
    columns: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        for candidate in dict.fromkeys((normalize_header(text), normalize_header(text, notes=False))):
            key = next((key for key, names in wanted.items() if candidate and candidate in names), None)
            if key is not None:
                columns.setdefault(key, []).append(index)
                break
    return Header(row=row, texts=texts, columns=columns)


def find_header(
    rows: Iterator[tuple[int, Iterable]],
    aliases: Mapping[str, Iterable[str]],
    *,
    required: Iterable[str],
    search_rows: int = HEADER_SEARCH_ROWS,
) -> Header | None:
    """The first of the first `search_rows` rows that names every `required` key, or None.

    `rows` is an iterator of (row number, values), as `file_rows` gives: it is left at the first
    row after the header, so that the caller reads the data rows from it.
    """
    required = tuple(required)
    for seen, (number, values) in enumerate(rows, start=1):
        header = read_header(number, values, aliases)
        if all(key in header.columns for key in required):
            return header
        if seen >= search_rows:
            break
    return None


# What a spreadsheet program may take for the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def data_cell(sheet, value) -> Cell:
    """A cell holding `value` as data: a text that looks like a formula stays text, quote-prefixed."""
    cell = Cell(sheet, row=1, column=1, value=value)  # append() gives it its place
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def append_row(sheet, values: Iterable) -> None:
    """Append one row of data to a worksheet (normal or write-only), never as a live formula.

    Only a text that looks like a formula becomes a cell of its own (quote-prefixed); every other
    value goes in as it is, which openpyxl writes as data: a cell object per value would cost a
    write-only sheet several times its own time."""
    sheet.append([data_cell(sheet, value) if looks_like_formula(value) else value for value in values])


def csv_cell(value):
    """A value as a CSV cell: text that looks like a formula gets a leading apostrophe (OWASP's rule
    for CSV, which has no quote prefix); None is empty; numbers and dates are written as they print."""
    if value is None:
        return ""
    if looks_like_formula(value):
        return "'" + value
    return value


def write_csv(stream, rows: Iterable[Iterable]) -> None:
    """Write rows of data as CSV (the caller encodes; UTF-8 with a BOM is what Excel in China opens),
    every cell through the same formula check as `append_row`."""
    writer = csv.writer(stream)
    for values in rows:
        writer.writerow([csv_cell(value) for value in values])
