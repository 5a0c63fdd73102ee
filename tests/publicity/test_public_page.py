"""The public page: no sign-in, only during the period (Asia/Shanghai), 410 once the period has ended."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from publicity.models import PublicNotice
from students.models import Student
from tests.publicity.notice_data import STUDENTS, make_notice, move_period


@pytest.fixture
def visitor():
    return Client()


def open_page(visitor, notice):
    return visitor.get(reverse("publicity:public_notice", args=[notice.token]))


class TestPublicPage:
    def test_during_the_period_it_shows_the_lines_to_anyone(self, cast, visitor):
        notice = make_notice(cast)
        response = open_page(visitor, notice)
        assert response.status_code == 200
        page = response.content.decode()
        for name, *_rest in STUDENTS:
            assert name in page
        assert "0731-12345678" in page
        assert '<meta name="robots" content="noindex, nofollow">' in page
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert response["Cache-Control"] == "no-store"
        assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies

    def test_it_shows_nothing_private(self, cast, visitor):
        notice = make_notice(cast, shows_amount=True)
        page = open_page(visitor, notice).content.decode()
        for student in Student.objects.all():
            for private in (
                student.id_number,
                student.student_number,
                student.guardian_phone,
                student.account_number,
                student.household.address_detail,
                student.birth_date.isoformat(),
            ):
                assert private not in page
        assert "625.00" in page

    def test_the_page_links_the_objection_form_and_the_status_page(self, cast, visitor):
        notice = make_notice(cast)
        page = open_page(visitor, notice).content.decode()
        assert reverse("publicity:objection_lodge", args=[notice.token]) in page
        assert reverse("publicity:objection_track") in page

    def test_after_the_period_it_is_gone(self, cast, visitor):
        notice = move_period(make_notice(cast), ended_days_ago=1)
        response = open_page(visitor, notice)
        assert response.status_code == 410
        page = response.content.decode()
        assert "id_number" not in page and all(name not in page for name, *_rest in STUDENTS)
        assert notice.end_date.isoformat() in page
        assert response["X-Robots-Tag"] == "noindex, nofollow"

    def test_the_last_day_is_still_shown(self, cast, visitor):
        notice = move_period(make_notice(cast), ended_days_ago=0)
        assert notice.end_date == timezone.localdate()
        assert open_page(visitor, notice).status_code == 200

    def test_before_the_period_it_says_when_it_starts_and_shows_nobody(self, cast, visitor):
        notice = move_period(make_notice(cast, shows_amount=True), starts_in=2)
        response = open_page(visitor, notice)
        assert response.status_code == 200
        page = response.content.decode()
        assert "公示期自2026年11月25日起" in page, page
        assert "2026年12月2日" in page
        assert all(name not in page for name, *_rest in STUDENTS)
        assert 'data-testid="public-entr' not in page and "625.00" not in page
        assert str(notice.entries.count()) + " 名" not in page
        assert reverse("publicity:objection_lodge", args=[notice.token]) not in page
        assert response["Cache-Control"] == "no-store"
        assert response["X-Robots-Tag"] == "noindex, nofollow"

    def test_a_closed_notice_is_not_announced_before_its_period(self, cast, visitor):
        notice = move_period(make_notice(cast), starts_in=1)
        PublicNotice.objects.filter(pk=notice.pk).update(status="closed")
        assert open_page(visitor, notice).status_code == 404

    def test_a_draft_is_not_found_even_during_its_period(self, cast, visitor):
        notice = make_notice(cast, publish=False)
        assert notice.start_date <= timezone.localdate() <= notice.end_date
        assert open_page(visitor, notice).status_code == 404

    def test_a_guessed_token_is_not_found(self, cast, visitor):
        make_notice(cast)
        assert visitor.get(reverse("publicity:public_notice", args=["abc"])).status_code == 404

    def test_tokens_are_long_and_different(self, cast):
        first = make_notice(cast)
        second = make_notice(cast, students=STUDENTS[:1])
        assert first.token != second.token and len(first.token) >= 32
        assert PublicNotice.objects.filter(token=first.token).count() == 1

    def test_a_post_is_refused(self, cast, visitor):
        notice = make_notice(cast)
        assert visitor.post(reverse("publicity:public_notice", args=[notice.token])).status_code == 405

    @pytest.mark.parametrize("ended", [False, True], ids=["running", "ended"])
    def test_the_title_is_plain_text_and_the_tracking_link_is_in_the_page(self, cast, visitor, ended):
        notice = make_notice(cast)
        if ended:
            move_period(notice, ended_days_ago=1)
        page = open_page(visitor, notice).content.decode()
        title = page[page.index("<title>") + len("<title>") : page.index("</title>")]
        assert title.strip() and "<" not in title and "href" not in title
        track = f'href="{reverse("publicity:objection_track")}"'
        assert page.count(track) == 1
        assert page.index(track) > page.index("<main")


def column_headings(page: str, testid: str | None = None) -> list[str]:
    """The texts of the <th> cells in the page's (or the table's) first <thead>."""
    if testid:
        page = page[page.index(f'data-testid="{testid}"') :]
    head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th\b[^>]*>(.*?)</th>", head, re.S)]


def test_the_columns_are_headed_as_the_rules_name_them(cast, visitor):
    """DESIGN.md §4: a notice shows 序号, 姓名, ...: a row number and a person's name, not 编号 and 名称."""
    headings = column_headings(open_page(visitor, make_notice(cast)).content.decode())
    assert headings[:2] == ["序号", "姓名"]
