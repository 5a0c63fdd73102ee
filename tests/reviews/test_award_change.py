"""An approved award's tier or amount changed after sign-off (an upheld objection): within quota, audited,
and the signed roster back to the principal."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aidsys.models import AuditEvent
from applications.models import Application, ClassQuota, Quota
from applications.services.quota_limits import QuotaExceeded
from reviews.models import RosterSignoff
from reviews.services import InvalidTransition, roster_sign, roster_submit
from reviews.services.award_change import application_award_change
from tests.reviews.conftest import approved, recommended


def change(cast, application, **fields):
    values = {"tier": "especially_difficult", "reason": "异议成立：家庭困难程度核定为特别困难"}
    return application_award_change(actor=cast.li, application=application, **(values | fields))


class TestAwardChange:
    def test_the_tier_changes_with_the_standard_amount_and_the_reason(self, cast, program, quota):
        application = approved(cast, program)
        change(cast, application)
        stored = Application.objects.get(pk=application.pk)
        assert (stored.status, stored.approved_tier, stored.amount, stored.decision_reason) == (
            "approved",
            "especially_difficult",
            Decimal("625.00"),
            "异议成立：家庭困难程度核定为特别困难",
        )
        event = AuditEvent.objects.for_object(stored).get()
        assert event.action == "update" and event.actor == cast.li
        assert event.changes["approved_tier"] == ["difficult", "especially_difficult"]
        assert event.reason == "异议成立：家庭困难程度核定为特别困难"

    def test_another_amount_needs_its_own_reason(self, cast, program, quota):
        application = approved(cast, program)
        with pytest.raises(ValidationError) as refused:
            change(cast, application, tier="difficult", amount=Decimal("500.00"))
        assert refused.value.error_dict["amount_reason"][0].code == "amount_reason"
        change(cast, application, tier="difficult", amount=Decimal("500.00"), amount_reason="按实际情况减半")
        assert Application.objects.get(pk=application.pk).amount == Decimal("500.00")

    def test_a_reason_and_a_change_are_needed(self, cast, program, quota):
        application = approved(cast, program)
        with pytest.raises(ValidationError) as refused:
            change(cast, application, reason=" ")
        assert refused.value.error_dict["reason"][0].code == "reason"
        with pytest.raises(ValidationError) as refused:
            change(cast, application, tier="difficult")
        assert refused.value.error_dict["tier"][0].code == "unchanged"

    def test_only_an_approved_award_changes(self, cast, program, quota):
        with pytest.raises(InvalidTransition):
            change(cast, recommended(cast, program))

    def test_a_tier_without_a_quota_or_over_a_divided_quota_is_refused(self, cast, program, quota):
        Quota.objects.filter(pk=quota.pk).update(tier="difficult")
        application = approved(cast, program)
        with pytest.raises(QuotaExceeded) as refused:
            change(cast, application)
        assert refused.value.code == "no_quota_for_tier"
        assert Application.objects.get(pk=application.pk).approved_tier == "difficult"

    def test_a_class_without_its_part_of_a_divided_quota_is_refused(self, cast, program, quota):
        ClassQuota.objects.create(quota=quota, school_class=cast.class_2, awards=5)
        application = approved(cast, program)
        with pytest.raises(QuotaExceeded):
            change(cast, application)

    def test_the_amount_quota_holds(self, cast, program, quota):
        Quota.objects.filter(pk=quota.pk).update(amount=Decimal("1300.00"))
        first, second = approved(cast, program), approved(cast, program)
        change(cast, first, tier="difficult", amount=Decimal("675.00"), amount_reason="寄宿")
        with pytest.raises(QuotaExceeded):
            change(cast, second, tier="difficult", amount=Decimal("700.00"), amount_reason="寄宿")
        assert Application.objects.get(pk=second.pk).amount == Decimal("625.00")

    def test_a_signed_roster_goes_back_to_the_principal(self, cast, program, quota):
        application = approved(cast, program)
        signoff = roster_sign(
            actor=cast.zhang, signoff=roster_submit(actor=cast.li, school=cast.school, program=program, term=cast.term)
        )
        change(cast, application)
        signoff.refresh_from_db()
        assert (signoff.status, signoff.version) == ("pending", 1)
        assert RosterSignoff.objects.get().submitted_by == cast.li

    def test_only_the_aid_office_changes_an_award(self, cast, program, quota):
        application = approved(cast, program)
        for who in (cast.wang, cast.zhang, cast.zhao):
            with pytest.raises(PermissionDenied):
                application_award_change(actor=who, application=application, tier="especially_difficult", reason="x")
