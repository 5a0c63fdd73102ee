"""The score sees the evidence: an attached 低保证, 特困证 or 残疾证 whose special group is not recorded is
offered, on the first review, the school's review and the student page, as one click recording the group
with the certificate as its source; the score then counts it."""

import pytest

from aidsys.models import AuditEvent
from applications.models import Application
from applications.services.attachments import attachment_add
from reviews.scoring import hardship_score
from students.models import SpecialGroupFlag
from students.services import special_group_set
from tests.applications.filing import PDF_BYTES, upload
from tests.reviews.conftest import recommended, submitted

Action = AuditEvent.Action


def attach(cast, application, kind="subsistence", n=0, actor=None):
    """Attach a certificate to the application (attachments go on while it is a draft)."""
    status = application.status
    Application.objects.filter(pk=application.pk).update(status="draft")
    application.refresh_from_db()
    attachment = attachment_add(
        actor=actor or cast.wang,
        application=application,
        kind=kind,
        upload=upload("证.pdf", PDF_BYTES + b"%" * (n + 1)),
    )
    Application.objects.filter(pk=application.pk).update(status=status)
    return attachment


def record_url(attachment) -> str:
    return f"/attachments/{attachment.pk}/special-group/"


def first_review_url(application) -> str:
    return f"/reviews/applications/{application.pk}/first-review/"


def class_review_url(cast, program) -> str:
    return f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/classes/{cast.class_1.pk}/"


def score(application) -> int:
    return hardship_score(Application.objects.get(pk=application.pk)).total


class TestOnTheFirstReview:
    def test_one_click_records_the_group_with_the_certificate_as_its_source_and_the_score_counts_it(
        self, cast, program, client_for
    ):
        application = submitted(cast, program)
        attachment = attach(cast, application)
        client = client_for(cast.wang)
        html = client.get(first_review_url(application)).content.decode()
        assert 'data-testid="certificate-offer"' in html and 'data-testid="record-group-minimum_living"' in html
        before = score(application)
        response = client.post(
            record_url(attachment), {"group": "minimum_living", "next": first_review_url(application)}
        )
        assert response.status_code == 302 and response.headers["Location"] == first_review_url(application)
        flag = SpecialGroupFlag.objects.get(household=application.student.household)
        assert (flag.group, flag.source, flag.recorded_by) == ("minimum_living", "certificate", cast.wang)
        assert "低保证" in flag.note and "2026-11-23" in flag.note
        event = AuditEvent.objects.for_object(flag).get()
        assert (event.action, event.actor) == (Action.CREATE, cast.wang)
        assert score(application) == before + 30
        facts = [point.fact for point in hardship_score(Application.objects.get(pk=application.pk)).points]
        assert any("低保" in fact and "证明材料" in fact for fact in facts), facts
        page = client.get(first_review_url(application)).content.decode()
        assert 'data-testid="certificate-offer"' not in page

    def test_it_is_not_offered_when_the_group_is_already_recorded(self, cast, program, client_for):
        application = submitted(cast, program)
        attach(cast, application)
        special_group_set(
            actor=cast.wang, household=application.student.household, group="minimum_living", source="home_visit"
        )
        html = client_for(cast.wang).get(first_review_url(application)).content.decode()
        assert 'data-testid="certificate-offer"' not in html

    def test_a_disability_certificate_offers_the_students_or_a_parents_disability(self, cast, program, client_for):
        application = submitted(cast, program)
        attachment = attach(cast, application, kind="disability")
        client = client_for(cast.wang)
        html = client.get(first_review_url(application)).content.decode()
        assert 'data-testid="record-group-disabled_student"' in html
        assert 'data-testid="record-group-child_of_disabled"' in html
        client.post(record_url(attachment), {"group": "child_of_disabled"})
        assert 'data-testid="certificate-offer"' not in client.get(first_review_url(application)).content.decode()

    def test_a_certificate_does_not_record_a_group_it_does_not_prove(self, cast, program, client_for):
        application = submitted(cast, program)
        attachment = attach(cast, application)
        response = client_for(cast.wang).post(record_url(attachment), {"group": "orphan"}, follow=True)
        assert "不能证明" in response.content.decode()
        assert not SpecialGroupFlag.objects.exists()

    def test_a_second_click_changes_nothing(self, cast, program, client_for):
        attachment = attach(cast, submitted(cast, program))
        client = client_for(cast.wang)
        client.post(record_url(attachment), {"group": "minimum_living"})
        client.post(record_url(attachment), {"group": "minimum_living"})
        flag = SpecialGroupFlag.objects.get()
        assert AuditEvent.objects.for_object(flag).count() == 1

    def test_an_address_elsewhere_is_not_followed(self, cast, program, client_for):
        application = submitted(cast, program)
        attachment = attach(cast, application)
        response = client_for(cast.wang).post(
            record_url(attachment), {"group": "minimum_living", "next": "https://example.com/"}
        )
        assert response.headers["Location"] == f"/applications/{application.pk}/"


class TestOnTheSchoolReview:
    def test_the_aid_office_is_offered_it_and_the_ranked_score_counts_it(self, cast, program, client_for):
        application = recommended(cast, program)
        attachment = attach(cast, application, kind="extreme_poverty")
        client = client_for(cast.li)
        url = class_review_url(cast, program)
        html = client.get(url).content.decode()
        assert 'data-testid="record-group-extreme_poverty"' in html
        assert f'value="{url}"' in html
        before = score(application)
        assert client.post(record_url(attachment), {"group": "extreme_poverty", "next": url}).headers["Location"] == url
        assert SpecialGroupFlag.objects.get().source == "certificate"
        assert score(application) == before + 30

    @pytest.mark.parametrize("role", ["zhang", "zhao"])
    def test_a_reader_who_may_not_record_is_not_offered_it_and_is_refused(self, cast, program, client_for, role):
        application = recommended(cast, program)
        attachment = attach(cast, application)
        client = client_for(getattr(cast, role))
        assert 'data-testid="certificate-offer"' not in client.get(class_review_url(cast, program)).content.decode()
        assert client.post(record_url(attachment), {"group": "minimum_living"}).status_code == 403
        assert not SpecialGroupFlag.objects.exists()

    def test_users_out_of_scope_find_nothing(self, cast, program, client_for):
        attachment = attach(cast, submitted(cast, program, school_class=cast.class_2), actor=cast.li)
        assert client_for(cast.wang).post(record_url(attachment), {"group": "minimum_living"}).status_code == 404
        assert client_for(cast.outsider).post(record_url(attachment), {"group": "minimum_living"}).status_code == 404
        assert not SpecialGroupFlag.objects.exists()


class TestOnTheStudentPage:
    def test_the_student_page_loads_the_offer_for_those_who_keep_the_records(self, cast, program, client_for):
        application = submitted(cast, program)
        attach(cast, application)
        student = application.student
        offers_url = f"/students/{student.pk}/certificate-offers/"
        client = client_for(cast.wang)
        assert f'hx-get="{offers_url}"' in client.get(f"/students/{student.pk}/").content.decode()
        partial = client.get(offers_url).content.decode()
        assert 'data-testid="record-group-minimum_living"' in partial
        assert f'value="/students/{student.pk}/"' in partial
        principal = client_for(cast.zhang)
        assert "certificate-offers" not in principal.get(f"/students/{student.pk}/").content.decode()
        assert 'data-testid="certificate-offer"' not in principal.get(offers_url).content.decode()
