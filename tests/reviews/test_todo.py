from datetime import timedelta

from django.utils import timezone

from aidsys.todo import todo_for
from reviews.models import RosterSignoff
from tests.reviews.conftest import approved, recommended, submitted

DAYS = timedelta(days=1)


def items(user, keyword):
    return [item for item in todo_for(user) if keyword in item.url]


class TestTodo:
    def test_the_class_teacher_sees_what_awaits_first_review_with_its_age(self, cast, program):
        submitted(cast, program, submitted_at=timezone.now() - 9 * DAYS)
        submitted(cast, program, submitted_at=timezone.now() - 2 * DAYS)
        submitted(cast, program, status="sent_back", decided_at=timezone.now() - DAYS)
        submitted(cast, program, school_class=cast.class_2)
        found = items(cast.wang, "first-review")
        assert [(item.count, item.overdue) for item in found] == [(2, True), (1, False)]
        assert found[0].age_days == 9 and cast.class_1.name in found[0].title

    def test_the_filer_sees_what_was_returned_to_them(self, cast, program):
        submitted(cast, program, status="returned", first_reviewed_at=timezone.now() - 8 * DAYS)
        found = items(cast.wang, "/reviews/returned/")
        assert len(found) == 1 and found[0].count == 1 and found[0].overdue
        assert items(cast.li, "/reviews/returned/") == []

    def test_the_aid_office_sees_rosters_with_recommended_applications_and_returned_rosters(self, cast, program):
        recommended(cast, program, first_reviewed_at=timezone.now() - 10 * DAYS)
        recommended(cast, program, school_class=cast.class_2)
        approved(cast, program)
        found = items(cast.li, "/reviews/schools/")
        assert len(found) == 1 and found[0].count == 2 and "2" in found[0].title and found[0].overdue
        RosterSignoff.objects.create(
            school=cast.school,
            program=program,
            term=cast.term,
            status="returned",
            submitted_by=cast.li,
            submitted_at=timezone.now(),
            decided_at=timezone.now(),
        )
        assert len(items(cast.li, "/reviews/schools/")) == 2
        assert items(cast.zhang, "/reviews/") == [] and items(cast.wang, "/reviews/schools/") == []

    def test_the_principal_sees_rosters_to_sign(self, cast, program):
        RosterSignoff.objects.create(
            school=cast.school,
            program=program,
            term=cast.term,
            submitted_by=cast.li,
            submitted_at=timezone.now() - 8 * DAYS,
        )
        found = items(cast.zhang, "/signoff/")
        assert len(found) == 1 and found[0].overdue
        assert items(cast.li, "/signoff/") == [] and items(cast.outsider, "/reviews/") == []

    def test_the_dashboard_marks_what_is_overdue(self, cast, program, client_for):
        submitted(cast, program, submitted_at=timezone.now() - 9 * DAYS)
        html = client_for(cast.wang).get("/").content.decode()
        assert "/first-review/" in html and "list-group-item-warning" in html


class TestReviewsIndex:
    def test_each_role_finds_where_its_reviews_start(self, cast, program, client_for):
        submitted(cast, program)
        recommended(cast, program, school_class=cast.class_2)
        html = client_for(cast.wang).get("/reviews/").content.decode()
        assert f"/reviews/classes/{cast.class_1.pk}/first-review/" in html and "/reviews/schools/" not in html
        html = client_for(cast.li).get("/reviews/").content.decode()
        assert f"/reviews/schools/{cast.school.pk}/" in html and "first-review" not in html
        html = client_for(cast.zhao).get("/reviews/").content.decode()
        assert f"/reviews/schools/{cast.sibling_school.pk}/" in html
        html = client_for(cast.outsider).get("/reviews/").content.decode()
        assert "/reviews/schools/" not in html and f"/reviews/classes/{cast.other_class.pk}/" in html
