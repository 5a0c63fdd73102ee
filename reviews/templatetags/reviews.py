"""Template helpers of the review pages."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter(is_safe=True)
def summary_cells(cells, css=""):
    """A summary row's awards and yuan, two cells per tier. A roster of 50 classes has some 500
    numbers: one call per row instead of a template loop per number."""
    classes = escape(f"text-end {css}".rstrip())
    # Safe by construction: the cells' texts are an int's and a Decimal's digits.
    return mark_safe(  # noqa: S308
        "".join(
            f'<td class="{classes}">{cell.count_text}</td><td class="{classes}">{cell.amount_text}</td>'
            for cell in cells
        )
    )
