"""Printable documents: an HTML template rendered to an A4 PDF with WeasyPrint.

Templates extend templates/pdf/base.html, which sets the page (A4, margins, the page counter
at the bottom) and the Chinese fonts installed on the server (Noto CJK). Nothing is fetched
from the network: a document that refers to an outside resource renders without it.
"""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def _page_counter_css() -> SafeString:
    """The footer's text as a CSS `content` value: the translated words around the page counters.

    Marked safe here, where it is built from our own catalogue's text with its quotes escaped for CSS:
    a <style> element is raw text, so HTML escaping would break the quotes.
    """
    text = _("Page {page} of {pages}")
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return mark_safe(quoted.replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "'))  # noqa: S308


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"a printed document does not load {url}")


def render_layout(template_name: str, context: dict):
    """The document laid out in pages (a WeasyPrint Document), whose boxes show what will be drawn."""
    from weasyprint import HTML  # imported here: loading it costs a tenth of a second, paid only when printing

    html = render_to_string(template_name, {**context, "page_counter_css": _page_counter_css()})
    return HTML(string=html, url_fetcher=_no_fetching).render()


def render_pdf(template_name: str, context: dict) -> bytes:
    return render_layout(template_name, context).write_pdf()
