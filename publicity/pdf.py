"""The printed notice sheet (公示表): what templates/publicity/pdf/notice.html is given.

The sheet carries only what a notice may show (DESIGN.md §4): the frozen lines, never the
application or the student. The QR code leads to the public page, where objections are lodged.
"""

import segno
from django.utils import timezone
from django.utils.safestring import mark_safe

from publicity.models import EntryChange, NoticeEntry, NoticeKind, PublicNotice


def qr_svg(url: str) -> str:
    """The URL as an inline SVG QR code, sized by the page's CSS (no width or height of its own)."""
    return mark_safe(segno.make(url, error="m").svg_inline(border=2, omitsize=True))  # noqa: S308 - segno's own markup


SHEET_FIELDS = (
    "position", "name", "class_name", "tier_label", "program_name", "amount", "change",
    "previous_tier_label", "previous_amount", "reason_shown",
)  # fmt: skip

# A supplementary sheet says what changed, group by group, in the order a reader needs them.
CHANGE_ORDER = (EntryChange.ADDED, EntryChange.CHANGED, EntryChange.REMOVED)


def _shown(entry: dict) -> dict:
    """A changed line shows its tier and amount as "old → new"; the others as they are."""
    entry["tier_shown"] = entry["tier_label"]
    entry["amount_shown"] = "" if entry["amount"] is None else str(entry["amount"])
    if entry["change"] == EntryChange.CHANGED:
        if entry["previous_tier_label"] and entry["previous_tier_label"] != entry["tier_label"]:
            entry["tier_shown"] = f"{entry['previous_tier_label']} → {entry['tier_label']}"
        if entry["previous_amount"] is not None and entry["previous_amount"] != entry["amount"]:
            entry["amount_shown"] = f"{entry['previous_amount']} → {entry['amount_shown']}"
    return entry


def sheet_groups(notice: PublicNotice) -> list[dict]:
    """The sheet's lines in groups: one for an original notice; for a supplementary one, a group per kind
    of change (added, changed, removed) that has lines, each to be headed and introduced by what changed."""
    entries = [
        _shown(entry) for entry in NoticeEntry.objects.filter(notice=notice).order_by("position").values(*SHEET_FIELDS)
    ]
    if notice.kind != NoticeKind.SUPPLEMENTARY:
        return [{"change": "", "entries": entries}]
    groups = []
    for change in CHANGE_ORDER:
        lines = [entry for entry in entries if entry["change"] == change]
        if lines:
            groups.append({"change": change.value, "heading": change.label, "entries": lines})
    return groups


def notice_sheet_context(*, notice: PublicNotice, public_url: str) -> dict:
    groups = sheet_groups(notice)
    return {
        "notice": notice,
        "school": notice.school,
        "program": notice.program,
        "term": notice.term,
        "groups": groups,
        "entry_count": sum(len(group["entries"]) for group in groups),
        "supplementary": notice.kind == NoticeKind.SUPPLEMENTARY,
        "public_url": public_url,
        "qr_svg": qr_svg(public_url),
        "printed_on": timezone.localdate(),
    }
