import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from aidsys.models import AuditEvent
from applications.models import ClassQuota, Quota
from applications.services.quota_limits import QuotaExceeded, Use, quota_reserve
from applications.services.quotas import ClassPart, class_quotas_allocate, quota_allocate
from tests.factories import (
    AidProgramFactory,
    ApplicationFactory,
    QuotaFactory,
    SchoolClassFactory,
    SchoolFactory,
    StudentFactory,
)

Action = AuditEvent.Action


@pytest.fixture
def program(cast):
    return AidProgramFactory(county=cast.county, code="YWSB-XX", name="义务教育生活补助（小学）", stages=["primary"])


def approve(cast, program, school_class, tier="difficult", amount="625.00"):
    return ApplicationFactory(
        student=StudentFactory(school_class=school_class),
        program=program,
        term=cast.term,
        status="approved",
        approved_tier=tier,
        amount=Decimal(amount),
        filed_by=cast.wang,
    )


def allocate(cast, program, school=None, tier="", awards=None, amount=None, actor=None):
    return quota_allocate(
        actor=actor or cast.zhao,
        program=program,
        term=cast.term,
        school=school or cast.school,
        tier=tier,
        awards=awards,
        amount=None if amount is None else Decimal(amount),
    )


def divide(cast, program, *parts):
    return class_quotas_allocate(actor=cast.li, program=program, term=cast.term, school=cast.school, parts=list(parts))


class TestQuotaAllocate:
    def test_it_creates_then_changes_the_quota_with_an_event_each(self, cast, program):
        quota = allocate(cast, program, awards=10)
        allocate(cast, program, awards=12, amount="7500")
        quota.refresh_from_db()
        assert (quota.awards, quota.amount) == (12, Decimal("7500.00"))
        events = AuditEvent.objects.for_object(quota).order_by("pk")
        assert [e.action for e in events] == [Action.CREATE, Action.UPDATE]
        assert events[1].changes == {"amount": [None, "7500"], "awards": [10, 12]}
        assert events[1].school_id == cast.school.pk

    def test_a_quota_cannot_be_lowered_below_what_is_used(self, cast, program):
        quota = allocate(cast, program, awards=5, amount="5000")
        for _ in range(3):
            approve(cast, program, cast.class_1)
        with pytest.raises(ValidationError) as refused:
            allocate(cast, program, awards=2, amount="1000")
        messages = refused.value.messages
        assert len(messages) == 2
        assert "3" in messages[0] and "2" in messages[0] and cast.school.name in messages[0]
        assert "1875.00" in messages[1]
        quota.refresh_from_db()
        assert (quota.awards, quota.amount) == (5, Decimal("5000.00"))
        allocate(cast, program, awards=3, amount="1875")  # down to exactly what is used

    def test_a_new_tier_quota_counts_what_that_tier_already_uses(self, cast, program):
        allocate(cast, program, awards=10)
        approve(cast, program, cast.class_1, tier="especially_difficult")
        approve(cast, program, cast.class_1, tier="especially_difficult")
        approve(cast, program, cast.class_1, tier="difficult")
        with pytest.raises(ValidationError, match="2"):
            allocate(cast, program, tier="especially_difficult", awards=1)
        assert allocate(cast, program, tier="especially_difficult", awards=2).tier == "especially_difficult"

    def test_a_used_quota_cannot_be_removed_an_unused_one_goes_with_its_class_parts(self, cast, program):
        quota = allocate(cast, program, awards=4)
        divide(cast, program, ClassPart(quota.pk, cast.class_1.pk, 2, None))
        assert allocate(cast, program) is None
        assert not Quota.objects.exists() and not ClassQuota.objects.exists()
        assert AuditEvent.objects.filter(action=Action.DELETE).count() == 2
        allocate(cast, program, awards=4)
        approve(cast, program, cast.class_1)
        with pytest.raises(ValidationError, match="1"):
            allocate(cast, program)
        assert Quota.objects.count() == 1

    def test_a_quota_cannot_go_below_what_the_classes_were_given(self, cast, program):
        quota = allocate(cast, program, awards=10)
        divide(
            cast, program, ClassPart(quota.pk, cast.class_1.pk, 4, None), ClassPart(quota.pk, cast.class_2.pk, 3, None)
        )
        with pytest.raises(ValidationError, match="7"):
            allocate(cast, program, awards=6)
        allocate(cast, program, awards=7)

    def test_a_school_of_another_county_gets_no_quota_of_this_program(self, cast, program):
        with pytest.raises(ValidationError):
            allocate(cast, program, school=cast.other_school, awards=3)
        assert not Quota.objects.exists()


class TestClassQuotasAllocate:
    @pytest.fixture
    def quota(self, cast, program):
        return allocate(cast, program, awards=10, amount="6250")

    def test_the_aid_office_divides_the_quota_with_an_event_per_part(self, cast, program, quota):
        divide(
            cast,
            program,
            ClassPart(quota.pk, cast.class_1.pk, 6, Decimal("3750")),
            ClassPart(quota.pk, cast.class_2.pk, 4, Decimal("2500")),
        )
        assert sorted(ClassQuota.objects.values_list("awards", flat=True)) == [4, 6]
        events = AuditEvent.objects.filter(action=Action.CREATE, content_type__model="classquota")
        assert events.count() == 2 and {e.actor for e in events} == {cast.li}

    def test_parts_over_the_school_quota_are_refused_and_nothing_is_saved(self, cast, program, quota):
        divide(cast, program, ClassPart(quota.pk, cast.class_1.pk, 5, None))
        with pytest.raises(ValidationError) as refused:
            divide(
                cast,
                program,
                ClassPart(quota.pk, cast.class_1.pk, 7, None),
                ClassPart(quota.pk, cast.class_2.pk, 4, None),
            )
        assert "11" in refused.value.messages[0] and "10" in refused.value.messages[0]
        assert list(ClassQuota.objects.values_list("school_class", "awards")) == [(cast.class_1.pk, 5)]

    def test_parts_given_earlier_count_against_the_quota(self, cast, program, quota):
        divide(cast, program, ClassPart(quota.pk, cast.class_1.pk, 8, None))
        with pytest.raises(ValidationError):
            divide(cast, program, ClassPart(quota.pk, cast.class_2.pk, 3, None))

    def test_the_amounts_may_not_add_up_to_more_than_the_schools(self, cast, program, quota):
        with pytest.raises(ValidationError, match="6250"):
            divide(
                cast,
                program,
                ClassPart(quota.pk, cast.class_1.pk, None, Decimal("5000")),
                ClassPart(quota.pk, cast.class_2.pk, None, Decimal("1250.01")),
            )
        assert not ClassQuota.objects.exists()

    def test_a_part_cannot_go_below_what_the_class_uses(self, cast, program, quota):
        divide(cast, program, ClassPart(quota.pk, cast.class_1.pk, 3, None))
        approve(cast, program, cast.class_1)
        approve(cast, program, cast.class_1)
        with pytest.raises(ValidationError, match="2"):
            divide(cast, program, ClassPart(quota.pk, cast.class_1.pk, 1, None))
        with pytest.raises(ValidationError):
            divide(cast, program, ClassPart(quota.pk, cast.class_1.pk, None, None))
        divide(cast, program, ClassPart(quota.pk, cast.class_1.pk, 2, None))

    def test_a_class_of_another_school_is_refused(self, cast, program, quota):
        stranger = SchoolClassFactory(school=cast.sibling_school, school_year=cast.school_year)
        with pytest.raises(ValidationError):
            divide(cast, program, ClassPart(quota.pk, stranger.pk, 1, None))

    def test_approvals_then_keep_within_each_class_part(self, cast, program, quota):
        divide(cast, program, ClassPart(quota.pk, cast.class_1.pk, 1, None))
        approve(cast, program, cast.class_1)
        with pytest.raises(QuotaExceeded):
            quota_reserve(
                program=program, term=cast.term, school=cast.school, uses=[Use(cast.class_1.pk, "difficult", 625)]
            )


def county_page(cast, program):
    return f"/quotas/programs/{program.pk}/terms/{cast.term.pk}/"


def set_url(cast, program, school):
    return f"/quotas/programs/{program.pk}/terms/{cast.term.pk}/schools/{school.pk}/"


class TestCountyQuotaPage:
    def test_it_lists_every_school_served_with_allocated_used_and_remaining(self, cast, program, client_for):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=10)
        approve(cast, program, cast.class_1)
        SchoolFactory(county=cast.county, name="青山县第一高级中学", stages=["senior"])
        response = client_for(cast.zhao).get(county_page(cast, program))
        html = response.content.decode()
        assert response.status_code == 200
        assert html.count('data-testid="quota-row"') == 2  # the two primary schools, not the senior one
        assert cast.sibling_school.name in html and "青山县第一高级中学" not in html
        assert "10 awards: 1 used, 9 left" in html or "10个名额：已用1个，剩余9个" in html

    def test_county_staff_set_a_schools_quota_through_htmx(self, cast, program, client_for):
        response = client_for(cast.zhao).post(
            set_url(cast, program, cast.sibling_school),
            {f"s{cast.sibling_school.pk}-tier": "", f"s{cast.sibling_school.pk}-awards": "8"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        assert response.content.decode().startswith(f'<tr id="quota-row-{cast.sibling_school.pk}"')
        quota = Quota.objects.get(school=cast.sibling_school)
        assert quota.awards == 8
        assert AuditEvent.objects.for_object(quota).get().actor == cast.zhao

    def test_lowering_below_used_is_refused_with_what_is_used(self, cast, program, client_for):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=3)
        approve(cast, program, cast.class_1)
        approve(cast, program, cast.class_2)
        response = client_for(cast.zhao).post(
            set_url(cast, program, cast.school),
            {f"s{cast.school.pk}-tier": "", f"s{cast.school.pk}-awards": "1"},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert 'data-testid="quota-error"' in html and "2" in html.split('data-testid="quota-error"')[1]
        assert Quota.objects.get().awards == 3

    def test_without_htmx_it_redirects_to_the_page_with_a_message(self, cast, program, client_for):
        client = client_for(cast.zhao)
        data = {f"s{cast.school.pk}-tier": "difficult", f"s{cast.school.pk}-amount": "3000"}
        response = client.post(set_url(cast, program, cast.school), data)
        assert response.status_code == 302 and response.url == county_page(cast, program)
        assert Quota.objects.get().tier == "difficult"

    def test_setting_answers_post_only(self, cast, program, client_for):
        assert client_for(cast.zhao).get(set_url(cast, program, cast.school)).status_code == 405

    def test_the_aid_office_may_not_allocate_and_another_county_is_not_found(self, cast, program, client_for):
        assert client_for(cast.li).get(county_page(cast, program)).status_code == 403
        data = {f"s{cast.school.pk}-awards": "99"}
        assert client_for(cast.li).post(set_url(cast, program, cast.school), data).status_code == 403
        assert client_for(cast.outsider).get(county_page(cast, program)).status_code == 404
        assert client_for(cast.zhao).post(set_url(cast, program, cast.other_school), data).status_code == 404
        assert not Quota.objects.exists()

    def test_it_issues_as_many_queries_for_30_schools_as_for_3(self, cast, program, client_for):
        client = client_for(cast.zhao)

        def add_schools(n):
            for _ in range(n):
                school = SchoolFactory(county=cast.county)
                quota = QuotaFactory(program=program, term=cast.term, school=school, awards=5)
                QuotaFactory(program=program, term=cast.term, school=school, tier="difficult", awards=2)
                school_class = SchoolClassFactory(school=school, school_year=cast.school_year)
                ClassQuota.objects.create(quota=quota, school_class=school_class, awards=1)
                approve(cast, program, school_class)

        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(county_page(cast, program)).status_code == 200
            return len(captured)

        add_schools(1)  # with cast.school and cast.sibling_school: 3
        small = queries()
        add_schools(27)
        assert Quota.objects.filter(tier="").count() == 28
        assert queries() == small


def school_page(cast, program, school=None):
    return f"/quotas/programs/{program.pk}/terms/{cast.term.pk}/schools/{(school or cast.school).pk}/classes/"


class TestSchoolQuotaPage:
    @pytest.fixture
    def quota(self, cast, program):
        return QuotaFactory(program=program, term=cast.term, school=cast.school, awards=10)

    def test_it_shows_the_schools_quota_and_a_row_per_class(self, cast, program, quota, client_for):
        approve(cast, program, cast.class_2)
        html = client_for(cast.li).get(school_page(cast, program)).content.decode()
        assert html.count('data-testid="class-row"') == 2
        assert "10 awards: 1 used, 9 left" in html or "10个名额：已用1个，剩余9个" in html

    def test_the_aid_office_divides_and_the_event_is_left(self, cast, program, quota, client_for):
        data = {f"q{quota.pk}_c{cast.class_1.pk}_awards": "6", f"q{quota.pk}_c{cast.class_2.pk}_awards": "4"}
        response = client_for(cast.li).post(school_page(cast, program), data)
        assert response.status_code == 302
        assert dict(ClassQuota.objects.values_list("school_class", "awards")) == {
            cast.class_1.pk: 6,
            cast.class_2.pk: 4,
        }
        assert (
            AuditEvent.objects.filter(action=Action.CREATE, content_type__model="classquota", actor=cast.li).count()
            == 2
        )

    def test_parts_over_the_quota_are_refused_on_the_page_and_nothing_saved(self, cast, program, quota, client_for):
        data = {f"q{quota.pk}_c{cast.class_1.pk}_awards": "7", f"q{quota.pk}_c{cast.class_2.pk}_awards": "4"}
        response = client_for(cast.li).post(school_page(cast, program), data)
        assert response.status_code == 200
        errors = response.content.decode().split('data-testid="division-errors"')[1].split("</div></div>")[0]
        assert "11" in errors and "10" in errors
        assert not ClassQuota.objects.exists()

    def test_the_principal_and_the_county_read_but_do_not_divide(self, cast, program, quota, client_for):
        data = {f"q{quota.pk}_c{cast.class_1.pk}_awards": "1"}
        for user in (cast.zhang, cast.zhao):
            assert client_for(user).get(school_page(cast, program)).status_code == 200
            assert client_for(user).post(school_page(cast, program), data).status_code == 403
        assert not ClassQuota.objects.exists()

    def test_a_class_teacher_gets_403_and_the_outsider_404(self, cast, program, quota, client_for):
        assert client_for(cast.wang).get(school_page(cast, program)).status_code == 403
        assert client_for(cast.outsider).get(school_page(cast, program)).status_code == 404

    def test_the_page_answers_get_and_post_only(self, cast, program, quota, client_for):
        assert client_for(cast.li).put(school_page(cast, program)).status_code == 405

    def test_it_issues_as_many_queries_for_20_classes_as_for_2(self, cast, program, quota, client_for):
        client = client_for(cast.li)

        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(school_page(cast, program)).status_code == 200
            return len(captured)

        small = queries()
        for number in range(3, 21):
            school_class = SchoolClassFactory(school=cast.school, school_year=cast.school_year, number=number)
            ClassQuota.objects.create(quota=quota, school_class=school_class, awards=0)
            approve(cast, program, school_class)
        assert queries() == small


class TestQuotaIndex:
    def test_county_staff_get_the_county_pages_and_the_aid_office_its_school(self, cast, program, client_for):
        county = client_for(cast.zhao).get("/quotas/").content.decode()
        assert f'href="{county_page(cast, program)}"' in county
        school = client_for(cast.li).get(f"/quotas/?term={cast.term.pk}").content.decode()
        assert f'href="{school_page(cast, program)}"' in school
        assert f'href="{county_page(cast, program)}"' not in school


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_divisions_never_give_classes_more_than_the_quota(cast):
    """Two aid-office users save at the same moment, each giving 6 of 10 awards to a different class."""
    program = AidProgramFactory(county=cast.county, stages=["primary"])
    quota = QuotaFactory(program=program, term=cast.term, school=cast.school, awards=10)
    classes = [cast.class_1, cast.class_2] * 3
    barrier = threading.Barrier(len(classes))
    outcomes = []

    def save(school_class):
        try:
            barrier.wait()
            divide(cast, program, ClassPart(quota.pk, school_class.pk, 6, None))
            outcomes.append("saved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(school_class,)) for school_class in classes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(ClassQuota.objects.values_list("awards", flat=True)) <= 10
    assert ClassQuota.objects.count() == 1
    assert outcomes.count("refused") == 3
