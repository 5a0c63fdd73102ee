"""What a refused form looks like on its page: the summary of its errors at the top, before the form."""

import re

SUMMARY = 'data-testid="error-summary"'


def error_summary(html: str) -> str:
    """The page's one error summary, as HTML."""
    assert html.count(SUMMARY) == 1, "the page shows no error summary (or more than one)"
    start = html.rindex("<div", 0, html.index(SUMMARY))
    return html[start : html.index("</div>", start)]


def summary_lines(html: str) -> list[str]:
    """The summary's lines as text, each with the id its link leads to ("" without a link)."""
    lines = re.findall(r"<li>(.*?)</li>", error_summary(html), flags=re.S)
    found = []
    for line in lines:
        link = re.search(r'href="#([^"]+)"', line)
        found.append((re.sub(r"<[^>]+>", "", line).strip(), link.group(1) if link else ""))
    return found


def assert_summary_before(html: str, form_marker: str) -> None:
    """The summary comes before the form (found by a piece of its HTML, e.g. its action)."""
    assert html.index(SUMMARY) < html.index(form_marker)
