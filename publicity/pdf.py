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


def notice_sheet_context(*, notice: PublicNotice, public_url: str) -> dict:
    entries = list(
        NoticeEntry.objects.filter(notice=notice)
        .order_by("position")
        .values("position", "name", "class_name", "tier_label", "program_name", "amount", "change")
    )
    supplementary = notice.kind == NoticeKind.SUPPLEMENTARY
    if supplementary:
        changes = dict(EntryChange.choices)
        for entry in entries:
            entry["change_label"] = changes.get(entry["change"], "")
    return {
        "notice": notice,
        "school": notice.school,
        "program": notice.program,
        "term": notice.term,
        "entries": entries,
        "supplementary": supplementary,
        "public_url": public_url,
        "qr_svg": qr_svg(public_url),
        "printed_on": timezone.localdate(),
    }
