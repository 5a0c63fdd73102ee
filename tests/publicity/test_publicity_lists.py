"""The lists of notices and objections stay fast in a large county: paged and filtered in the database.

Each list costs the same queries with N rows as with 10×N; page 2 shows the next rows; a filter
holds across pages.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from publicity.models import Objection, ObjectionReminder, PublicNotice, RosterReport, new_public_token
from tests.factories import AidProgramFactory
from tests.lists import PER_PAGE, assert_same_queries, total_shown
from tests.publicity.objection_data import running_notice

# 23 November 2026: today of the tests (tests/conftest.py); each notice runs over it.


@pytest.fixture
def notice(cast):
    return running_notice(cast)


def more_notices(notice, n) -> list[PublicNotice]:
    """`n` more published notices like `notice` (test set-up writes the rows directly)."""
    copies = []
    for version in range(n):
        copy = PublicNotice.objects.get(pk=notice.pk)
        copy.pk = None
        copy.token = new_public_token()
        copy.signoff_version = 1000 + PublicNotice.objects.count() + version
        copy.save()
        copies.append(copy)
    return copies


def lodged(notice, n, *, deadline_in: int = 3) -> list[Objection]:
    """`n` open objections to the notice's first line (written directly: the public form limits a visitor)."""
    entry = notice.entries.order_by("position").first()
    start = Objection.objects.count()
    return [
        Objection.objects.create(
            notice=notice,
            entry=entry,
            tracking_number=f"YY20261123{start + k:05d}",
            channel="phone",
            text="家里新盖了楼房。",
            lodged_at=timezone.now() - timedelta(minutes=start + k),
            deadline=timezone.localdate() + timedelta(days=deadline_in),
            recorded_by=notice.created_by,
        )
        for k in range(n)
    ]


class TestNoticeIndex:
    def test_the_queries_are_the_same_for_ten_times_the_notices(self, cast, notice, client_for):
        more_notices(notice, 5)
        assert_same_queries(client_for(cast.li), "/notices/", lambda: more_notices(notice, 54))

    def test_page_two_shows_the_next_notices(self, cast, notice, client_for):
        more_notices(notice, 59)
        client = client_for(cast.li)
        first, second = client.get("/notices/"), client.get("/notices/", {"page": 2})
        listed = [n.pk for n in first.context["notices"]] + [n.pk for n in second.context["notices"]]
        assert len(first.context["notices"]) == PER_PAGE
        assert listed == list(PublicNotice.objects.order_by("-start_date", "-pk").values_list("pk", flat=True))
        assert total_shown(first.content.decode()) == 60


class TestCountyNotices:
    def test_the_queries_are_the_same_for_ten_times_the_notices(self, cast, notice, client_for):
        more_notices(notice, 5)
        lodged(notice, 2)

        def grow():
            for copy in more_notices(notice, 54):
                lodged(copy, 1)

        assert_same_queries(client_for(cast.zhao), "/county/notices/?status=running", grow)

    def test_a_filter_holds_across_pages(self, cast, notice, client_for):
        more_notices(notice, 59)
        client = client_for(cast.zhao)
        html = client.get("/county/notices/", {"status": "running"}).content.decode()
        assert total_shown(html) == 60 and "status=running&amp;page=2" in html
        second = client.get("/county/notices/", {"status": "running", "page": 2})
        assert len(second.context["page"].object_list) == 10
        assert client.get("/county/notices/", {"status": "closed"}).context["page"].paginator.count == 0


class TestObjectionLists:
    def test_the_queries_of_the_list_are_the_same_for_ten_times_the_objections(self, cast, notice, client_for):
        lodged(notice, 6)
        assert_same_queries(client_for(cast.li), "/objections/?status=open", lambda: lodged(notice, 54))

    def test_the_queries_of_a_notices_objections_are_the_same_too(self, cast, notice, client_for):
        lodged(notice, 6)
        url = f"/notices/{notice.pk}/objections/"
        assert_same_queries(client_for(cast.li), url, lambda: lodged(notice, 54))

    def test_page_two_shows_the_next_objections_and_the_filter_holds(self, cast, notice, client_for):
        overdue = lodged(notice, 55, deadline_in=-1)
        lodged(notice, 5)
        client = client_for(cast.li)
        first = client.get("/objections/", {"status": "overdue"})
        second = client.get("/objections/", {"status": "overdue", "page": 2})
        listed = [o.pk for o in first.context["objections"]] + [o.pk for o in second.context["objections"]]
        assert sorted(listed) == sorted(o.pk for o in overdue) and len(listed) == len(set(listed))
        assert "status=overdue&amp;page=2" in first.content.decode()
        notice_page = client.get(f"/notices/{notice.pk}/objections/", {"page": 2})
        assert notice_page.context["page"].number == 2 and len(notice_page.context["objections"]) == 10

    def test_the_reminders_cost_the_same_for_ten_times_the_days(self, cast, client_for):
        def remind(days):
            start = ObjectionReminder.objects.count()
            for k in range(start, start + days):
                ObjectionReminder.objects.create(
                    user=cast.li, school=cast.school, day=timezone.localdate() - timedelta(days=k),
                    text="1 件异议今日到期", objection_count=1, created_at=timezone.now(),
                )  # fmt: skip

        remind(6)
        assert_same_queries(client_for(cast.li), "/objections/reminders/", lambda: remind(54))


class TestCountyReports:
    def reported(self, cast, notice, n) -> None:
        """`n` rosters reported to the county, one program each (written directly)."""
        for _ in range(n):
            RosterReport.objects.create(
                school=cast.school, program=AidProgramFactory(county=cast.county), term=cast.term, notice=notice,
                summary={"count": 4, "total": "2375.00"}, reported_by=cast.li, reported_at=timezone.now(),
            )  # fmt: skip

    def test_the_queries_are_the_same_for_ten_times_the_reports(self, cast, notice, client_for):
        self.reported(cast, notice, 6)
        url = "/county/reports/?status=reported"
        assert_same_queries(client_for(cast.zhao), url, lambda: self.reported(cast, notice, 54))
        second = client_for(cast.zhao).get(url + "&page=2")
        assert second.context["page"].number == 2 and len(second.context["page"].object_list) == 10
