"""结余 of awards no approved batch pays yet: counted on the batches' own schedule, period by period.

Each program below has a roster the county approved and, where said, an approved batch; the awards
left out are what a batch made now would pay (`payable`), and the leftover counts exactly that.
"""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidsys.models import Term
from disbursements.selectors.leftovers import leftover_figures
from disbursements.services.batches import batch_approve, batch_create, batch_submit
from disbursements.services.schedule import payable, term_months
from publicity.models import RosterReport
from tests.disbursements.batch_data import approved_roster, funds
from tests.factories import ApplicationFactory, StudentFactory
from tests.publicity.notice_data import STUDENTS


def spring(cast) -> Term:
    return Term.objects.get(school_year=cast.school_year, kind="spring")


def roster(cast, *, amount: str, **program_fields):
    """赵小雨 and 王小明, awarded `amount` each in the autumn term, their roster approved by the county."""
    students = [(*student[:3], amount, *student[4:]) for student in STUDENTS[:2]]
    return approved_roster(cast, students=students, **program_fields)


def later_award(cast, program, term, *, name: str, amount: str, status: str = "approved"):
    """An award filed after the roster (a 递补 replacement, a late application) of `term`."""
    return ApplicationFactory(
        student=StudentFactory(name=name, school_class=cast.class_1),
        program=program,
        term=term,
        status=status,
        approved_tier="difficult",
        amount=Decimal(amount),
    )


def roster_approved_for(cast, program, term) -> None:
    """The county approved `program`'s roster of `term` too (on the autumn notice: only the approval counts)."""
    report = RosterReport.objects.get(program=program, term=cast.term)
    RosterReport.objects.create(
        school=cast.school, program=program, term=term, notice=report.notice, status="approved",
        reported_by=cast.li, reported_at=report.reported_at,
    )  # fmt: skip


def paid_batch(cast, program, term, month=None):
    """An approved cash batch of what is due in `term` (and `month`)."""
    funds(cast, program, amount="100000.00", term=term)
    batch = batch_create(actor=cast.li, school=cast.school, program=program, term=term, method="cash", month=month)
    return batch_approve(actor=cast.zhang, batch=batch_submit(actor=cast.li, batch=batch))


def unpaid(cast, program, term) -> dict[str, Decimal]:
    figures = leftover_figures(school=cast.school, program=program, term=term)
    return {reason: Decimal(amount) for reason, amount in figures["unpaid"].items()}


def due_now(cast, program, term) -> Decimal:
    """What batches made now would put on their lines in `term`: every month's, for a monthly program."""
    months = term_months(term) if program.pay_period == "month" else [None]
    dues = (due for month in months for due in payable(school=cast.school, program=program, term=term, month=month))
    return sum((due.amount for due in dues), Decimal("0.00"))


class TestPaidPerTerm:
    def test_an_award_of_the_term_counts_its_amount_and_no_other_term(self, cast):
        program = roster(cast, amount="625.00")
        paid_batch(cast, program, cast.term)
        later_award(cast, program, cast.term, name="补录生", amount="625.00")
        later_award(cast, program, cast.term, name="撤销生", amount="500.00", status="revoked")

        autumn = unpaid(cast, program, cast.term)
        assert (autumn["not_in_batch"], autumn["revoked"]) == (Decimal("625.00"), Decimal("500.00"))
        assert autumn["not_in_batch"] == due_now(cast, program, cast.term)
        assert unpaid(cast, program, spring(cast))["not_in_batch"] == Decimal("0.00")


class TestAppliedPerYearPaidPerTerm:
    def test_each_term_from_the_awards_own_counts_the_amount_a_term_is_paid(self, cast):
        # The amount of an award paid per term is already one term's share: it is not halved again.
        program = roster(cast, amount="1150.00", apply_period="year", pay_period="term")
        paid_batch(cast, program, cast.term)
        later_award(cast, program, cast.term, name="补录生", amount="1000.00")
        later_award(cast, program, spring(cast), name="递补生", amount="1150.00")
        roster_approved_for(cast, program, spring(cast))

        # Autumn: the late autumn award; the replacement of spring is not due before spring.
        assert unpaid(cast, program, cast.term)["not_in_batch"] == Decimal("1000.00")
        assert due_now(cast, program, cast.term) == Decimal("1000.00")
        # Spring: every award of the year, none of them in a spring batch yet.
        assert unpaid(cast, program, spring(cast))["not_in_batch"] == Decimal("4450.00")
        assert due_now(cast, program, spring(cast)) == Decimal("4450.00")


class TestPaidPerYear:
    def test_the_years_payment_counts_only_in_the_term_it_falls_due(self, cast):
        program = roster(cast, amount="2500.00", apply_period="year", pay_period="year")
        paid_batch(cast, program, cast.term)
        later_award(cast, program, cast.term, name="补录生", amount="2500.00")
        later_award(cast, program, spring(cast), name="递补生", amount="2000.00")

        assert unpaid(cast, program, cast.term)["not_in_batch"] == Decimal("2500.00")
        assert due_now(cast, program, cast.term) == Decimal("2500.00")
        # Spring counts its own replacement; the autumn award's payment fell due in autumn, whose leftover
        # counts it, although a spring batch would still make it while no line has.
        assert unpaid(cast, program, spring(cast))["not_in_batch"] == Decimal("2000.00")

    def test_a_paid_years_payment_is_not_counted_in_the_next_term(self, cast):
        program = roster(cast, amount="2500.00", apply_period="year", pay_period="year")
        paid_batch(cast, program, cast.term)

        assert unpaid(cast, program, cast.term)["not_in_batch"] == Decimal("0.00")
        assert unpaid(cast, program, spring(cast))["not_in_batch"] == Decimal("0.00")


class TestPaidMonthly:
    def test_the_months_without_a_line_count_their_share(self, cast):
        # A tenth of 2300.07 is 230.00 a month; the tenth month (June) takes the 7 fen left over.
        program = roster(cast, amount="2300.07", apply_period="year", pay_period="month")
        september, october = term_months(cast.term)[:2]
        paid_batch(cast, program, cast.term, month=september)
        paid_batch(cast, program, cast.term, month=october)
        later_award(cast, program, cast.term, name="补录生", amount="2300.07")

        # November to January of the two paid for September and October, and the late award's five months.
        autumn = unpaid(cast, program, cast.term)
        assert autumn["not_in_batch"] == Decimal("2530.00") == 2 * 3 * Decimal("230.00") + 5 * Decimal("230.00")
        assert autumn["not_in_batch"] == due_now(cast, program, cast.term)
        assert autumn["unclaimed"] == 4 * Decimal("230.00")  # the cash lines of September and October
        spring_figures = unpaid(cast, program, spring(cast))
        assert spring_figures["not_in_batch"] == 3 * Decimal("1150.07")
        assert spring_figures["not_in_batch"] == due_now(cast, program, spring(cast))

    def test_an_award_applied_per_term_counts_the_months_of_its_own_term_only(self, cast):
        program = roster(cast, amount="2300.07", pay_period="month")

        assert unpaid(cast, program, cast.term)["not_in_batch"] == 2 * Decimal("1150.00")
        assert unpaid(cast, program, cast.term)["not_in_batch"] == due_now(cast, program, cast.term)
        assert unpaid(cast, program, spring(cast))["not_in_batch"] == Decimal("0.00")

    def test_a_transferred_students_months_without_a_line_are_counted_as_transferred(self, cast):
        program = roster(cast, amount="2300.07", apply_period="year", pay_period="month")
        paid_batch(cast, program, cast.term, month=term_months(cast.term)[0])
        moved = later_award(cast, program, cast.term, name="转出生", amount="2300.07").student
        type(moved).objects.filter(pk=moved.pk).update(status="transferred_out")

        autumn = unpaid(cast, program, cast.term)
        assert (autumn["not_in_batch"], autumn["transferred"]) == (2 * 4 * Decimal("230.00"), Decimal("1150.00"))


class TestQueries:
    def test_the_count_of_queries_does_not_grow_with_the_awards(self, cast):
        program = roster(cast, amount="2300.07", apply_period="year", pay_period="month")
        paid_batch(cast, program, cast.term, month=term_months(cast.term)[0])
        with CaptureQueriesContext(connection) as few:
            leftover_figures(school=cast.school, program=program, term=cast.term)
        for number in range(5):
            later_award(cast, program, cast.term, name=f"补录生{number}", amount="2300.07")
        with CaptureQueriesContext(connection) as many:
            figures = leftover_figures(school=cast.school, program=program, term=cast.term)

        assert Decimal(figures["unpaid"]["not_in_batch"]) == 2 * 4 * Decimal("230.00") + 5 * Decimal("1150.00")
        assert len(many) == len(few)
