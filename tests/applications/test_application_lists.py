"""The lists of applications stay fast in a large school: paged and filtered in the database.

Each list costs the same queries with N applications as with 10×N; page 2 shows the next ones; a
filter holds across pages; a page out of range answers the last page.
"""

import pytest
from django.urls import reverse

from applications.selectors import applications as selectors
from tests.applications.filing import make_program
from tests.factories import ApplicationFactory, StudentFactory
from tests.lists import PER_PAGE, assert_same_queries, total_shown


@pytest.fixture
def program(cast):
    return make_program(cast)


def filed(cast, program, n, *, school_class=None, status="submitted", student=None):
    return [
        ApplicationFactory(
            student=student or StudentFactory(school_class=school_class or cast.class_1),
            program=program,
            term=cast.term,
            status=status,
            filed_by=cast.wang,
        )
        for _ in range(n)
    ]


def url(name, *args):
    return reverse(f"applications:{name}", args=args)


def shown(client, path, **query) -> list[int]:
    return [application.pk for application in client.get(path, query).context["page"].object_list]


class TestSchoolApplications:
    def test_the_queries_are_the_same_for_ten_times_the_applications(self, cast, program, client_for):
        filed(cast, program, 4)
        filed(cast, program, 2, school_class=cast.class_2)
        path = url("school_applications", cast.school.pk)
        assert_same_queries(client_for(cast.li), path, lambda: filed(cast, program, 54, school_class=cast.class_2))

    def test_page_two_shows_the_next_applications(self, cast, program, client_for):
        filed(cast, program, 40)
        filed(cast, program, 30, school_class=cast.class_2)
        client = client_for(cast.li)
        path = url("school_applications", cast.school.pk)
        ordered = [a.pk for a in selectors.applications(user=cast.li, school=cast.school)]
        first, second = shown(client, path), shown(client, path, page=2)
        assert len(first) == PER_PAGE and first + second == ordered
        assert total_shown(client.get(path).content.decode()) == 70

    def test_a_filter_holds_across_pages(self, cast, program, client_for):
        drafts = filed(cast, program, 55, status="draft")
        filed(cast, program, 5, status="submitted")
        client = client_for(cast.li)
        path = url("school_applications", cast.school.pk)
        html = client.get(path, {"status": "draft"}).content.decode()
        assert total_shown(html) == 55 and "status=draft" in html and "page=2" in html
        listed = shown(client, path, status="draft") + shown(client, path, status="draft", page=2)
        assert sorted(listed) == sorted(a.pk for a in drafts)

    def test_a_page_out_of_range_answers_the_last_page(self, cast, program, client_for):
        filed(cast, program, PER_PAGE + 1)
        response = client_for(cast.li).get(url("school_applications", cast.school.pk), {"page": 1000})
        assert response.status_code == 200 and response.context["page"].number == 2


class TestClassApplications:
    def test_the_queries_are_the_same_for_ten_times_the_applications_and_students(self, cast, program, client_for):
        filed(cast, program, 6)
        path = url("class_applications", cast.class_1.pk)

        def grow():
            filed(cast, program, 54)
            StudentFactory.create_batch(10, school_class=cast.class_1)

        assert_same_queries(client_for(cast.wang), path, grow)

    def test_the_applications_and_the_roster_page_apart(self, cast, program, client_for):
        applications = filed(cast, program, 60)
        client = client_for(cast.wang)
        path = url("class_applications", cast.class_1.pk)
        first = client.get(path)
        assert first.context["page"].paginator.count == 60
        assert first.context["roster_page"].paginator.count == 60
        second = client.get(path, {"page": 2})
        assert second.context["page"].number == 2 and second.context["roster_page"].number == 1
        listed = [a.pk for a in first.context["applications"]] + [a.pk for a in second.context["applications"]]
        assert sorted(listed) == sorted(a.pk for a in applications)
        roster = client.get(path, {"roster_page": 2})
        assert roster.context["page"].number == 1 and len(roster.context["roster"]) == 10
        assert 'href="?roster_page=2#file-heading"' in first.content.decode()


class TestStudentApplications:
    def test_the_queries_are_the_same_for_ten_times_the_applications(self, cast, client_for):
        student = StudentFactory(school_class=cast.class_1)

        def grow(n):
            for _ in range(n):
                filed(cast, make_program(cast), 1, student=student, status="withdrawn")

        grow(3)
        assert_same_queries(client_for(cast.wang), url("student_applications", student.pk), lambda: grow(27))
