"""操作记录 stays fast however long it grows: the audit list and each page's history are paged in the database."""

from aidsys.models import AuditEvent, Term
from aidsys.services.org import school_set_current_term
from students.services import student_update
from tests.factories import StudentFactory
from tests.lists import PER_PAGE, assert_same_queries, total_shown

HISTORY_PER_PAGE = 20


def changes(cast, student, n) -> None:
    """`n` audited changes of the student's details, by the aid office."""
    for _ in range(n):
        student.refresh_from_db()
        student_update(actor=cast.li, student=student, data={"boarder": not student.boarder})


class TestAuditList:
    def test_the_queries_are_the_same_for_ten_times_the_events(self, cast, client_for):
        student = StudentFactory(school_class=cast.class_1, name="王小明")
        changes(cast, student, 6)
        assert_same_queries(client_for(cast.li), "/audit/", lambda: changes(cast, student, 54))

    def test_page_two_shows_the_next_events_and_the_filter_holds(self, cast, client_for):
        ming = StudentFactory(school_class=cast.class_1, name="王小明")
        hong = StudentFactory(school_class=cast.class_1, name="李小红")
        changes(cast, ming, 55)
        changes(cast, hong, 5)
        client = client_for(cast.li)
        first = client.get("/audit/", {"q": "王小明"})
        second = client.get("/audit/", {"q": "王小明", "page": 2})
        listed = [e.pk for e in first.context["page"]] + [e.pk for e in second.context["page"]]
        mine = AuditEvent.objects.filter(object_repr="王小明").order_by("-pk").values_list("pk", flat=True)
        assert len(first.context["page"]) == PER_PAGE and listed == list(mine)
        assert "page=2" in first.content.decode() and total_shown(first.content.decode()) == len(mine)


class TestHistoryOfAPage:
    def test_the_student_page_costs_the_same_for_ten_times_the_history(self, cast, client_for):
        student = StudentFactory(school_class=cast.class_1)
        changes(cast, student, 3)
        assert_same_queries(client_for(cast.li), student.get_absolute_url(), lambda: changes(cast, student, 27))

    def test_the_history_pages_back_to_the_first_event(self, cast, client_for):
        student = StudentFactory(school_class=cast.class_1)
        changes(cast, student, 25)
        client = client_for(cast.li)
        url = student.get_absolute_url()
        first = client.get(url).content.decode()
        assert first.count('class="border-start ps-2 mb-2"') == HISTORY_PER_PAGE
        assert 'href="?history_page=2#history-heading"' in first
        second = client.get(url, {"history_page": 2}).content.decode()
        assert second.count('class="border-start ps-2 mb-2"') == 5
        assert "第 2 页，共 2 页" in second

    def test_the_school_page_costs_the_same_for_ten_times_the_history(self, cast, client_for):

        terms = list(Term.objects.filter(school_year=cast.school_year))

        def switch(n):
            for k in range(n):
                school_set_current_term(actor=cast.li, school=cast.school, term=terms[k % 2])

        switch(3)
        assert_same_queries(client_for(cast.li), cast.school.get_absolute_url(), lambda: switch(27))
