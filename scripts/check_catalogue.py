"""Fail when a gettext catalogue has an untranslated or fuzzy entry.

Usage: check_catalogue.py [PO_FILE ...]  (default: locale/zh_Hans/LC_MESSAGES/django.po)

Standard library only, so that it runs before anything is installed. The header entry
(msgid "") is not checked: makemessages always marks it fuzzy and msgfmt compiles it anyway.
"""

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CATALOGUE = Path("locale/zh_Hans/LC_MESSAGES/django.po")

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


@dataclass
class Entry:
    line: int
    fuzzy: bool = False
    references: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def unquote(text: str, path: Path, line: int) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{path}:{line}: expected a quoted string, got {text!r}")
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse(path: Path) -> list[Entry]:
    """Read the entries of a .po file; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    entry = Entry(line=0)
    # The field that continuation lines ("...") append to: (name, plural index).
    current: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, current
        if entry.msgid is not None:
            entries.append(entry)
        entry, current = Entry(line=0), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if entry.msgstr and not line.startswith(('"', "msgstr")):
            finish()  # the next entry, even without a blank line before it
        if line.startswith("#,"):
            entry.fuzzy = entry.fuzzy or "fuzzy" in {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#:"):
            entry.references.extend(line[2:].split())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if current is None:
                raise ValueError(f"{path}:{number}: continuation line outside a field")
            name, index = current
            text = unquote(line, path, number)
            if name == "msgstr":
                entry.msgstr[index] += text
            else:
                setattr(entry, name, getattr(entry, name) + text)
        else:
            keyword, _, value = line.partition(" ")
            if not re.fullmatch(r"msgctxt|msgid|msgid_plural|msgstr(\[\d+\])?", keyword):
                raise ValueError(f"{path}:{number}: unexpected line {raw!r}")
            text = unquote(value, path, number)
            if keyword.startswith("msgstr"):
                index = int(keyword[len("msgstr[") : -1]) if keyword != "msgstr" else 0
                entry.msgstr[index] = text
                current = ("msgstr", index)
            else:
                setattr(entry, keyword, text)
                current = (keyword, 0)
                if keyword == "msgid":
                    entry.line = number
    finish()
    return entries


def is_header(entry: Entry) -> bool:
    return entry.msgid == "" and entry.msgctxt is None


def plural_count(entries: list[Entry]) -> int | None:
    """nplurals from the header's Plural-Forms, or None when the header does not say."""
    for entry in entries:
        if is_header(entry):
            match = re.search(r"^Plural-Forms:.*\bnplurals\s*=\s*(\d+)", entry.msgstr.get(0, ""), re.M)
            return int(match.group(1)) if match else None
    return None


def problems(entry: Entry, nplurals: int | None) -> list[str]:
    found = []
    if entry.fuzzy:
        found.append("fuzzy")
    if not entry.msgstr:
        found.append("no msgstr")
    elif entry.msgid_plural is not None:
        # msgmerge keeps the template's two plural forms; a language with nplurals=1 (Chinese)
        # only ever uses msgstr[0], so the others may stay empty.
        forms = range(nplurals) if nplurals else sorted(entry.msgstr)
        empty = [index for index in forms if not entry.msgstr.get(index)]
        if empty:
            found.append("empty " + ", ".join(f"msgstr[{index}]" for index in empty))
    elif not entry.msgstr.get(0):
        found.append("empty msgstr")
    return found


def check(path: Path) -> int:
    if not path.exists():
        print(f"{path}: missing (makemessages found no messages?)", file=sys.stderr)
        return 1
    try:
        entries = parse(path)
    except (ValueError, UnicodeDecodeError) as error:
        print(f"{path}: cannot parse: {error}", file=sys.stderr)
        return 1
    nplurals = plural_count(entries)
    bad = 0
    for entry in entries:
        if is_header(entry):
            continue
        found = problems(entry, nplurals)
        if not found:
            continue
        bad += 1
        where = entry.references[0] if entry.references else f"line {entry.line}"
        context = f" (msgctxt {entry.msgctxt!r})" if entry.msgctxt is not None else ""
        print(f"{path}:{entry.line}: {', '.join(found)}: msgid {entry.msgid!r}{context}  [{where}]")
    messages = sum(1 for entry in entries if not is_header(entry))
    if bad:
        print(f"{path}: {bad} of {messages} messages need a translation", file=sys.stderr)
        return 1
    print(f"{path}: all {messages} messages translated")
    return 0


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or [DEFAULT_CATALOGUE]
    return max(check(path) for path in paths)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
