"""No English is left on the pages each role works with: every label, heading, button and message is Chinese.

Each role signs in, opens its dashboard, every entry of its menu and the pages those link to (one of each
kind), on a school year with a roster, a notice, a report and a payment batch; the visible text (tags,
scripts and styles dropped) may hold no run of two or more English words but the names of formats."""

import html
import re
from urllib.parse import urlsplit

import pytest
from django.utils import translation

from publicity.models import PublicNotice
from tests.disbursements.batch_data import made_batch

pytestmark = pytest.mark.django_db

# Names of formats and files that a Chinese page writes in Latin letters.
ALLOWED = {"pdf", "excel", "xlsx", "csv", "utf", "json", "url", "english", "id"}
# Latin words with nothing but spaces, digits and punctuation between them ("Grade 7(1) class").
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[ \t\d().,:;!?/&-]+[A-Za-z][A-Za-z'’]*)+")
URL = re.compile(r"https?://\S+")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
INVISIBLE = re.compile(r"<(script|style|template)\b.*?</\1>|<!--.*?-->", re.S | re.I)
LINK = re.compile(r'href="(/[^"#]*)"')
# Links that download, print, leave, or are another site's pages.
NOT_A_PAGE = re.compile(r"/accounts/logout|/admin/|/static/|/media/|export|download|print|\.pdf|\.xlsx|template|/file")
MENU = re.compile(r"<nav\b.*?</nav>", re.S)


def visible_text(content: bytes) -> str:
    page = INVISIBLE.sub(" ", content.decode())
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def english_runs(text: str) -> list[str]:
    runs = []
    for run in ENGLISH_RUN.findall(URL.sub(" ", text)):
        # A word in capitals is a code (QS-LZ, FF2026A), not English; a format's name is allowed.
        words = [word for word in WORD.findall(run) if not word.isupper() and word.lower() not in ALLOWED]
        if len(words) >= 2:
            runs.append(run)
    return runs


def pages_of(client, start: str = "/", limit: int = 60) -> dict[str, str]:
    """The dashboard, each menu entry and, one level further, one page of each kind they link to."""
    seen, kinds, texts = set(), set(), {}
    queue = [start]
    first = client.get(start)
    queue += [html.unescape(link) for nav in MENU.findall(first.content.decode()) for link in LINK.findall(nav)]
    depth = dict.fromkeys(queue, 0)
    while queue and len(texts) < limit:
        url = queue.pop(0)
        kind = re.sub(r"\d+", "N", urlsplit(url).path)
        if url in seen or kind in kinds or NOT_A_PAGE.search(url):
            continue
        seen.add(url)
        kinds.add(kind)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        texts[url] = visible_text(response.content)
        if depth[url] < 2:
            for link in map(html.unescape, LINK.findall(response.content.decode())):
                depth.setdefault(link, depth[url] + 1)
                queue.append(link)
    return texts


@pytest.fixture
def school_year(cast):
    """A roster noticed, reported and approved, its funds, and a card batch made from it."""
    return made_batch(cast, method="bank_card")


@pytest.mark.parametrize("role", ["wang", "li", "zhang", "zhao"])
def test_no_english_on_the_pages_of_each_role(cast, client_for, school_year, role):
    with translation.override("zh-hans"):
        texts = pages_of(client_for(getattr(cast, role)))
    assert len(texts) >= 5, texts.keys()
    left = {url: runs for url, text in texts.items() if (runs := english_runs(text))}
    assert left == {}


def test_no_english_on_the_public_notice(client, school_year):
    notice = PublicNotice.objects.get()
    text = visible_text(client.get(notice.get_public_url()).content)
    assert "公示" in text and english_runs(text) == []


def test_it_finds_english_words_and_lets_format_names_pass():
    assert english_runs("导出 Excel (.xlsx) 或 CSV (UTF-8)、打印（PDF）") == []
    assert english_runs("公示网址：http://testserver/n/cGoq7lV3MCsPIx6ICpzk3wjG9JgTil1f/") == []
    assert english_runs("批次 FF2026A-002-B1 · QS-LZ · G4399**********0438") == []
    assert english_runs("七年级(1)班 Grade 7(1) class") != []
    assert english_runs("<b>Save</b> changes".replace("<b>", "").replace("</b>", "")) == ["Save changes"]
