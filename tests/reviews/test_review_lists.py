"""The review queues stay fast in a large school: paged in the database, no query per application."""

import pytest
from django.utils import timezone

from applications.models import Status
from students.models import SpecialGroupFlag
from tests.applications.filing import make_program
from tests.factories import ApplicationFactory, StudentFactory
from tests.lists import PER_PAGE, assert_same_queries, total_shown


@pytest.fixture
def program(cast):
    return make_program(cast)


def at_first_review(cast, program, n, *, status=Status.SUBMITTED, **fields):
    """`n` applications of 一年级(1)班 with what the score reads: a special group of the household."""
    applications = []
    for _ in range(n):
        student = StudentFactory(school_class=cast.class_1)
        SpecialGroupFlag.objects.create(household=student.household, group="orphan", source="self_declared")
        applications.append(
            ApplicationFactory(
                student=student,
                program=program,
                term=cast.term,
                status=status,
                filed_by=cast.wang,
                submitted_at=timezone.now(),
                **fields,
            )
        )
    return applications


class TestFirstReviewList:
    def url(self, cast):
        return f"/reviews/classes/{cast.class_1.pk}/first-review/"

    def test_the_queries_are_the_same_for_ten_times_the_applications(self, cast, program, client_for):
        at_first_review(cast, program, 4)
        at_first_review(cast, program, 2, status=Status.RETURNED, first_reviewed_by=cast.wang)

        def grow():
            at_first_review(cast, program, 40)
            at_first_review(cast, program, 14, status=Status.SENT_BACK)

        assert_same_queries(client_for(cast.wang), self.url(cast), grow)

    def test_the_groups_count_every_application_and_show_those_of_the_page(self, cast, program, client_for):
        submitted = at_first_review(cast, program, PER_PAGE - 2)
        sent_back = at_first_review(cast, program, 5, status=Status.SENT_BACK)
        client = client_for(cast.wang)
        first = client.get(self.url(cast))
        second = client.get(self.url(cast), {"page": 2})
        counts = {status: count for _title, status, count, _rows in first.context["groups"]}
        assert counts == {Status.SUBMITTED: PER_PAGE - 2, Status.SENT_BACK: 5, Status.RETURNED: 0}

        def listed(response):
            return [(a.pk, a.status) for _title, _status, _count, rows in response.context["groups"] for a, _s in rows]

        ordered = [(a.pk, a.status) for a in submitted + sent_back]
        assert listed(first) + listed(second) == ordered
        assert 'data-testid="count-sent_back">5<' in second.content.decode()
        assert total_shown(first.content.decode()) == PER_PAGE + 3


class TestReturnedToMe:
    def test_the_queries_are_the_same_for_ten_times_the_applications(self, cast, program, client_for):
        def grow(n):
            at_first_review(cast, program, n, status=Status.RETURNED, first_reviewed_by=cast.wang,
                            first_reviewed_at=timezone.now())  # fmt: skip

        grow(6)
        assert_same_queries(client_for(cast.wang), "/reviews/returned/", lambda: grow(54))
        response = client_for(cast.wang).get("/reviews/returned/", {"page": 2})
        assert response.context["page"].number == 2 and len(response.context["applications"]) == 10
