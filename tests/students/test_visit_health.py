"""A home visit's health finding: masked on the student page; its author reads it back (audited),
a user with the reveal permission too; anyone else reads who may."""

from datetime import date

import pytest

from aidsys.models import AuditEvent
from students.models import Student
from students.services import home_visit_record
from tests.factories import StudentFactory
from tests.students.test_registry import grant_reveal

Action = AuditEvent.Action
FINDING = "父亲腰椎间盘突出，不能干重活"


@pytest.fixture
def visit(cast):
    student = StudentFactory(school_class=cast.class_1, name="王小明")
    return home_visit_record(
        actor=cast.wang,
        student=student,
        school_year=cast.school_year,
        visited_on=date(2026, 10, 12),
        method="in_person",
        people_met="父亲",
        housing="poor",
        health_disability=FINDING,
        suggested_tier="difficult",
    )


def reveal_url(visit) -> str:
    return f"/visits/{visit.pk}/health/"


class TestVisitHealth:
    def test_the_author_sees_it_masked_with_a_button_and_no_misleading_above(self, cast, visit, client_for):
        html = client_for(cast.wang).get(f"/students/{visit.student_id}/").content.decode()
        assert FINDING not in html
        assert f'data-testid="reveal-visit-health-{visit.pk}"' in html
        assert "上方" not in html and "above" not in html
        assert 'data-testid="visit-health-who-may"' not in html

    def test_the_author_reads_it_back_and_the_showing_is_recorded(self, cast, visit, client_for):
        response = client_for(cast.wang).post(reveal_url(visit))
        assert response.status_code == 200 and FINDING in response.content.decode()
        event = AuditEvent.objects.get(action=Action.REVEAL_SENSITIVE)
        assert (event.actor, event.target, event.changes) == (cast.wang, visit, {"field": [None, "health_disability"]})
        assert event.school_id == cast.school.pk

    def test_a_user_with_the_reveal_permission_reads_it_too(self, cast, visit, client_for):
        response = client_for(grant_reveal(cast.li)).post(reveal_url(visit))
        assert response.status_code == 200 and FINDING in response.content.decode()
        assert AuditEvent.objects.get(action=Action.REVEAL_SENSITIVE).actor == cast.li

    def test_a_user_who_may_not_is_told_who_may_and_is_refused(self, cast, visit, client_for):
        client = client_for(cast.li)
        html = client.get(f"/students/{visit.student_id}/").content.decode()
        assert FINDING not in html and f'data-testid="reveal-visit-health-{visit.pk}"' not in html
        note = html.split('data-testid="visit-health-who-may">')[1].split("</div>")[0]
        assert "王老师" in note and "资助专干" in note and "记录" in note
        response = client.post(reveal_url(visit))
        assert response.status_code == 403 and FINDING not in response.content.decode()
        assert not AuditEvent.objects.filter(action=Action.REVEAL_SENSITIVE).exists()

    def test_the_author_no_longer_in_charge_of_the_student_gets_404(self, cast, visit, client_for):
        Student.objects.filter(pk=visit.student_id).update(school_class=cast.class_2)
        assert client_for(cast.wang).post(reveal_url(visit)).status_code == 404
        assert not AuditEvent.objects.filter(action=Action.REVEAL_SENSITIVE).exists()

    def test_a_user_of_another_county_gets_404(self, cast, visit, client_for):
        assert client_for(cast.outsider).post(reveal_url(visit)).status_code == 404

    def test_it_answers_only_post(self, cast, visit, client_for):
        assert client_for(cast.wang).get(reveal_url(visit)).status_code == 405
