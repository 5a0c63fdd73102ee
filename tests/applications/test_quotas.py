from decimal import Decimal

import pytest

from applications.models import ClassQuota
from applications.services.quota_limits import QuotaExceeded, Use, quota_reserve, quota_states
from tests.factories import AidProgramFactory, ApplicationFactory, QuotaFactory, StudentFactory


@pytest.fixture
def program(cast):
    return AidProgramFactory(county=cast.county, name="义务教育生活补助")


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


def reserve(cast, program, *uses):
    return quota_reserve(program=program, term=cast.term, school=cast.school, uses=list(uses))


class TestQuotaReserve:
    def test_it_refuses_an_approval_with_no_quota_allocated(self, cast, program):
        with pytest.raises(QuotaExceeded) as refused:
            reserve(cast, program, Use(cast.class_1.pk, "difficult", Decimal("625")))
        assert refused.value.code == "no_quota"

    def test_it_counts_approved_applications_and_refuses_the_one_too_many(self, cast, program):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=2)
        approve(cast, program, cast.class_1)
        ApplicationFactory(program=program, term=cast.term, student=StudentFactory(school_class=cast.class_1))
        states = reserve(cast, program, Use(cast.class_1.pk, "difficult", Decimal("625")))
        assert [(s.awards, s.awards_used, s.awards_remaining) for s in states] == [(2, 2, 0)]
        approve(cast, program, cast.class_1)
        with pytest.raises(QuotaExceeded) as refused:
            reserve(cast, program, Use(cast.class_2.pk, "difficult", Decimal("625")))
        assert "0" in refused.value.messages[0] and "2" in refused.value.messages[0]

    def test_a_batch_is_refused_whole_when_it_does_not_fit(self, cast, program):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=3)
        approve(cast, program, cast.class_1)
        uses = [Use(cast.class_1.pk, "difficult", Decimal("625"))] * 3
        with pytest.raises(QuotaExceeded):
            reserve(cast, program, *uses)
        assert reserve(cast, program, *uses[:2])[0].awards_remaining == 0

    def test_a_tier_quota_limits_its_tier_only(self, cast, program):
        QuotaFactory(program=program, term=cast.term, school=cast.school, tier="especially_difficult", awards=1)
        QuotaFactory(program=program, term=cast.term, school=cast.school, tier="difficult", awards=5)
        approve(cast, program, cast.class_1, tier="especially_difficult")
        with pytest.raises(QuotaExceeded):
            reserve(cast, program, Use(cast.class_1.pk, "especially_difficult", Decimal("625")))
        reserve(cast, program, Use(cast.class_1.pk, "difficult", Decimal("625")))
        with pytest.raises(QuotaExceeded) as refused:
            reserve(cast, program, Use(cast.class_1.pk, "generally_difficult", Decimal("625")))
        assert refused.value.code == "no_quota_for_tier"

    def test_an_amount_quota_limits_the_yuan(self, cast, program):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=None, amount=Decimal("1000"))
        approve(cast, program, cast.class_1, amount="625.00")
        with pytest.raises(QuotaExceeded):
            reserve(cast, program, Use(cast.class_1.pk, "difficult", Decimal("625")))
        reserve(cast, program, Use(cast.class_1.pk, "difficult", Decimal("375")))

    def test_a_divided_quota_limits_each_class_and_leaves_classes_without_a_part_out(self, cast, program):
        quota = QuotaFactory(program=program, term=cast.term, school=cast.school, awards=10)
        ClassQuota.objects.create(quota=quota, school_class=cast.class_1, awards=1)
        approve(cast, program, cast.class_1)
        with pytest.raises(QuotaExceeded):
            reserve(cast, program, Use(cast.class_1.pk, "difficult", Decimal("625")))
        with pytest.raises(QuotaExceeded):
            reserve(cast, program, Use(cast.class_2.pk, "difficult", Decimal("625")))
        states = quota_states(program=program, term=cast.term, school=cast.school, school_class=cast.class_1)
        assert [(s.is_class, s.awards_used, s.awards_remaining) for s in states] == [(False, 1, 9), (True, 1, 0)]

    def test_other_schools_and_terms_do_not_count(self, cast, program):
        QuotaFactory(program=program, term=cast.term, school=cast.school, awards=1)
        ApplicationFactory(
            student=StudentFactory(school_class__school=cast.sibling_school),
            program=program, term=cast.term, status="approved", approved_tier="difficult", amount=Decimal("625"),
        )  # fmt: skip
        assert reserve(cast, program, Use(cast.class_1.pk, "difficult", Decimal("625")))[0].awards_remaining == 0
