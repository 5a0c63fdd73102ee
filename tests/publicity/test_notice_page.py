"""The staff's page of a notice: its lines under the notice's own headings, and what each role reads there."""

from tests.publicity.notice_data import make_notice
from tests.publicity.test_public_page import column_headings


def test_the_notice_page_heads_its_lines_as_the_notice_does(cast, client_for):
    """The staff's page shows the lines under the notice's own headings: 序号 and 姓名 (DESIGN.md §4)."""
    notice = make_notice(cast)
    page = client_for(cast.li).get(notice.get_absolute_url()).content.decode()
    assert column_headings(page, "notice-entries")[:2] == ["序号", "姓名"]
