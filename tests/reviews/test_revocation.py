import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aidsys.models import AuditEvent, SchoolYear, Term
from applications.models import Application
from applications.services.quota_limits import QuotaExceeded, quota_states
from reviews.models import Revocation, RosterSignoff
from reviews.selectors import open_places, waiting_list
from reviews.services import InvalidTransition, application_approve, application_revoke, roster_sign, roster_submit
from students.models import SpecialGroupFlag
from tests.factories import QuotaFactory, TermFactory
from tests.reviews.conftest import approved, recommended


def spring(cast):
    return Term.objects.get(school_year=cast.school_year, kind="spring")


def revoke(cast, application, **fields):
    values = {"reason": "transferred_out", "detail": "2027年3月转学至外县", "effective_term": spring(cast)}
    return application_revoke(actor=cast.li, application=application, **(values | fields))


def signed_roster(cast, program):
    signoff = roster_submit(actor=cast.li, school=cast.school, program=program, term=cast.term)
    return roster_sign(actor=cast.zhang, signoff=signoff)


class TestRevoke:
    def test_it_revokes_records_why_and_frees_the_place(self, cast, program, quota):
        application = approved(cast, program)
        revocation = revoke(cast, application)
        application.refresh_from_db()
        assert application.status == "revoked"
        assert (revocation.reason, revocation.effective_term, revocation.revoked_by) == (
            "transferred_out",
            spring(cast),
            cast.li,
        )
        assert quota_states(program=program, term=cast.term, school=cast.school)[0].awards_used == 0
        events = AuditEvent.objects.for_object(application)
        assert events.get().changes == {"status": ["approved", "revoked"]}
        assert AuditEvent.objects.for_object(revocation).get().action == AuditEvent.Action.CREATE

    def test_details_and_a_known_reason_are_needed(self, cast, program, quota):
        application = approved(cast, program)
        with pytest.raises(ValidationError) as refused:
            revoke(cast, application, reason="whim", detail=" ")
        assert set(refused.value.error_dict) == {"reason", "detail"}

    def test_the_term_is_the_applications_or_a_later_one_of_the_same_school_year(self, cast, program, quota):
        next_year = TermFactory(school_year=SchoolYear.objects.create(start_year=2027))
        application = approved(cast, program)
        with pytest.raises(ValidationError) as refused:
            revoke(cast, application, effective_term=next_year)
        assert refused.value.error_dict["effective_term"][0].code == "effective_term"
        QuotaFactory(program=program, term=spring(cast), school=cast.school)
        in_spring = approved(cast, program, term=spring(cast))
        with pytest.raises(ValidationError):
            revoke(cast, in_spring, effective_term=cast.term)
        revoke(cast, application, effective_term=cast.term)
        revoke(cast, in_spring, effective_term=spring(cast))

    def test_only_an_approved_award_is_revoked_once(self, cast, program, quota):
        application = approved(cast, program)
        stale = Application.objects.get(pk=application.pk)
        revoke(cast, application)
        with pytest.raises(InvalidTransition):
            revoke(cast, stale)
        with pytest.raises(InvalidTransition):
            revoke(cast, recommended(cast, program))
        assert Revocation.objects.count() == 1

    def test_only_the_aid_office_revokes(self, cast, program, quota):
        application = approved(cast, program)
        for who in (cast.wang, cast.zhang, cast.zhao):
            with pytest.raises(PermissionDenied):
                application_revoke(
                    actor=who, application=application, reason="other", detail="情况有变", effective_term=cast.term
                )

    def test_a_revocation_on_a_signed_roster_asks_for_a_new_signature(self, cast, program, quota):
        application = approved(cast, program)
        approved(cast, program)
        signoff = signed_roster(cast, program)
        revoke(cast, application)
        signoff.refresh_from_db()
        assert (signoff.status, signoff.version) == ("pending", 1)
        signoff = roster_sign(actor=cast.zhang, signoff=signoff)
        assert signoff.version == 2


class TestReplacement:
    def test_the_waiting_list_is_ranked_and_offered_once_a_place_is_free(self, cast, program, quota, client_for):
        revoked = approved(cast, program)
        low = recommended(cast, program)
        high = recommended(cast, program, school_class=cast.class_2)
        SpecialGroupFlag.objects.create(household=high.student.household, group="orphan", source="home_visit")
        recommended(cast, program, status="rejected", decision_reason="名额已满")
        url = f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/"
        assert 'data-testid="replacements"' not in client_for(cast.li).get(url).content.decode()
        revoke(cast, revoked)
        assert [p.pk for p in open_places(school=cast.school, program=program, term=cast.term)] == [revoked.pk]
        ranked = waiting_list(user=cast.li, school=cast.school, program=program, term=cast.term)
        assert [row.application.pk for row in ranked] == [high.pk, low.pk]
        html = client_for(cast.li).get(url).content.decode()
        assert 'data-testid="replacements"' in html and html.index(high.student.name) < html.index(low.student.name)

    def test_a_replacement_takes_the_place_once_and_passes_the_quota(self, cast, program):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=1)
        revoked = approved(cast, program)
        first, second = recommended(cast, program), recommended(cast, program)
        with pytest.raises(QuotaExceeded):
            application_approve(actor=cast.li, application=first, tier="difficult")
        revoke(cast, revoked)
        application_approve(actor=cast.li, application=first, tier="difficult", replaces=revoked)
        first.refresh_from_db()
        assert first.status == "approved" and first.replaces == revoked
        assert open_places(school=cast.school, program=program, term=cast.term) == []
        with pytest.raises(ValidationError) as refused:
            application_approve(actor=cast.li, application=second, tier="difficult", replaces=revoked)
        assert refused.value.code == "already_replaced"

    def test_only_a_revoked_award_of_the_same_roster_can_be_replaced(self, cast, program, quota):
        standing = approved(cast, program)
        with pytest.raises(ValidationError) as refused:
            application_approve(
                actor=cast.li, application=recommended(cast, program), tier="difficult", replaces=standing
            )
        assert refused.value.code == "not_replaceable"

    def test_a_replacement_on_a_signed_roster_is_allowed_and_goes_back_for_signature(self, cast, program, quota):
        revoked = approved(cast, program)
        waiting = recommended(cast, program)
        signoff = signed_roster(cast, program)
        revoke(cast, revoked)
        roster_sign(actor=cast.zhang, signoff=RosterSignoff.objects.get())
        with pytest.raises(ValidationError) as refused:
            application_approve(actor=cast.li, application=waiting, tier="difficult")
        assert refused.value.code == "roster_locked"
        application_approve(actor=cast.li, application=waiting, tier="difficult", replaces=revoked)
        signoff.refresh_from_db()
        assert (signoff.status, signoff.version) == ("pending", 2)
        assert roster_sign(actor=cast.zhang, signoff=signoff).version == 3

    def test_a_revoked_replacement_opens_one_place_not_two(self, cast, program, quota):
        revoked = approved(cast, program)
        replacement = recommended(cast, program)
        revoke(cast, revoked)
        application_approve(actor=cast.li, application=replacement, tier="difficult", replaces=revoked)
        revoke(cast, replacement)
        assert [p.pk for p in open_places(school=cast.school, program=program, term=cast.term)] == [replacement.pk]

    def test_the_page_approves_a_replacement(self, cast, program, quota, client_for):
        revoked = approved(cast, program)
        waiting = recommended(cast, program)
        revoke(cast, revoked)
        response = client_for(cast.li).post(
            f"/reviews/applications/{waiting.pk}/replace/", {"replaces": revoked.pk, "tier": "difficult"}
        )
        assert response.status_code == 302
        waiting.refresh_from_db()
        assert waiting.replaces == revoked and waiting.amount is not None

    def test_the_revoke_page_refuses_a_bad_term_beside_the_field(self, cast, program, quota, client_for):
        application = approved(cast, program)
        client = client_for(cast.li)
        url = f"/reviews/applications/{application.pk}/revoke/"
        page = client.get(url)
        assert page.status_code == 200
        assert [(q.awards, q.awards_used, q.awards_remaining) for q in page.context["quotas"]] == [(10, 1, 9)]
        response = client.post(url, {"reason": "disciplined", "detail": "", "effective_term": spring(cast).pk})
        assert response.status_code == 400
        assert Application.objects.get(pk=application.pk).status == "approved"
        assert client_for(cast.zhang).get(url).status_code == 403
        assert client_for(cast.outsider).get(url).status_code == 404
