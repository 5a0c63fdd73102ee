"""Reads of the reviews: the ranked class roster, the school's roster, the sign-off summary."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, Min, OuterRef, Q, Sum, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import get_language, gettext

from aidsys.cn import amount_in_words
from aidsys.models.org import class_name
from applications.models import Application, Status
from applications.opinions import Opinion
from applications.selectors import StandardMissing, award_ceiling, standard_amount
from applications.services.quota_limits import UseGroup, quota_states
from reviews.models import ReviewMeeting, ReviewPanel, Revocation, RosterSignoff, SignoffStatus
from reviews.scoring import Score, hardship_score, with_score_inputs
from students.models import HomeVisit, Tier

# The tiers an award can be given in: "not difficult" is no tier of aid.
AWARD_TIERS = [(value, label) for value, label in Tier.choices if value != Tier.NOT_DIFFICULT]
# Still with the class teacher: a roster is not complete while any application is here.
AT_FIRST_REVIEW = (Status.SUBMITTED, Status.SENT_BACK)
# Through the first review, awaiting the school's decision: recommended, or not recommended with a reason.
AWAITING_SCHOOL = (Status.RECOMMENDED, Status.NOT_RECOMMENDED)


# ---------------------------------------------------------------------------------------------
# Standards


def standard_amount_of(*, program, term, tier: str, boarder: bool) -> Decimal | None:
    """The standard amount of one award (applications' look-up), or None where the county set none.

    The program's standards are fetched once and kept on it, so a roster looks them up without a
    query per application.
    """
    prefetch_related_objects([program], "standards")
    try:
        return standard_amount(program, term.school_year, tier, boarder)
    except StandardMissing:
        return None


def award_ceiling_for(application: Application) -> Decimal | None:
    prefetch_related_objects([application.program], "standards")
    return award_ceiling(application.program, application.term.school_year)


def standard_amount_for(application: Application, tier: str) -> Decimal | None:
    return standard_amount_of(
        program=application.program, term=application.term, tier=tier, boarder=application.student.boarder
    )


# ---------------------------------------------------------------------------------------------
# First review


def first_review_applications(*, user, school_class):
    """A class's applications at first review (submitted, sent back) and those returned to the filer."""
    applications = Application.objects.visible_to(user).filter(
        school_class=school_class, status__in=(*AT_FIRST_REVIEW, Status.RETURNED)
    )
    return (
        with_score_inputs(applications)
        .select_related("program", "filed_by", "term__school_year")
        .order_by("submitted_at", "pk")
    )


def application_for_first_review(*, user, pk: int) -> Application:
    return (
        with_score_inputs(Application.objects.all())
        .select_related("program", "school_class", "filed_by", "first_reviewed_by", "decided_by")
        .prefetch_related("attachments", "home_visits")
        .get_visible_or_404(user, pk=pk)
    )


def visits_this_year(application: Application) -> list[HomeVisit]:
    visits = getattr(application.student, "visits_for_score", None)
    if visits is None:
        visits = application.student.visits.order_by("-visited_on", "-pk")
    return [visit for visit in visits if visit.school_year_id == application.term.school_year_id]


def submission_blockers(*, school, program, term, user=None) -> list[Application]:
    """The roster's applications that keep it from going to the principal, by class then name: those
    still at first review, and those not recommended that the school has not decided on yet. With
    `user`, only those the user sees."""
    applications = Application.objects.visible_to(user) if user is not None else Application.objects.all()
    return list(
        applications.filter(
            school=school, program=program, term=term, status__in=(*AT_FIRST_REVIEW, Status.NOT_RECOMMENDED)
        )
        .select_related("student", "school_class", "program")
        .order_by("school_class__grade", "school_class__number", "student__name_pinyin", "pk")
    )


# ---------------------------------------------------------------------------------------------
# Second review


@dataclass
class Ranked:
    application: Application
    score: Score
    standard: Decimal | None
    rank: int = 0


def ranked(applications, *, program, term) -> list[Ranked]:
    """Applications (prefetched with `with_score_inputs`) ranked by score, the earliest recommended first on a tie."""
    rows = []
    for application in applications:
        tier = application.recommended_tier or application.requested_tier
        standard = standard_amount_of(program=program, term=term, tier=tier, boarder=application.student.boarder)
        rows.append(Ranked(application, hardship_score(application), standard))
    rows.sort(key=lambda row: (-row.score.total, row.application.first_reviewed_at or row.application.filed_at))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    return rows


@dataclass
class ClassReview:
    recommended: list[Ranked]
    not_recommended: list[Ranked]
    decided: list[Application]
    elsewhere: dict[str, int]
    quotas: list
    signoff: RosterSignoff | None


def class_review(*, user, school, program, term, school_class) -> ClassReview:
    """The second-review page of one class: the recommended ranked, those the class teacher did not
    recommend (with the reason), the decided, the quotas, in fixed queries."""
    applications = list(
        with_score_inputs(
            Application.objects.visible_to(user).filter(
                school=school, program=program, term=term, school_class=school_class
            )
        ).select_related("filed_by", "first_reviewed_by", "decided_by", "revocation", "replaces__student")
    )
    recommended = [a for a in applications if a.status == Status.RECOMMENDED]
    not_recommended = [a for a in applications if a.status == Status.NOT_RECOMMENDED]
    decided = [a for a in applications if a.status in (Status.APPROVED, Status.REJECTED, Status.REVOKED)]
    decided.sort(key=lambda a: (a.status, a.student.name_pinyin))
    elsewhere: dict[str, int] = defaultdict(int)
    for application in applications:
        if application.status not in (*AWAITING_SCHOOL, Status.APPROVED, Status.REJECTED, Status.REVOKED):
            elsewhere[application.get_status_display()] += 1
    return ClassReview(
        recommended=ranked(recommended, program=program, term=term),
        not_recommended=ranked(not_recommended, program=program, term=term),
        decided=decided,
        elsewhere=dict(elsewhere),
        quotas=quota_states(program=program, term=term, school=school, school_class=school_class),
        signoff=signoff_of(school=school, program=program, term=term),
    )


def signoff_of(*, school, program, term) -> RosterSignoff | None:
    return (
        RosterSignoff.objects.filter(school=school, program=program, term=term)
        .select_related("submitted_by", "decided_by")
        .first()
    )


def school_opinion_of(application: Application) -> Opinion | None:
    """学校审核意见 on the application form: the principal's signature of the roster the decision is on
    (校长审定); None while the roster is not signed."""
    if application.status not in (Status.APPROVED, Status.REJECTED):
        return None
    signoff = signoff_of(school=application.school, program=application.program, term=application.term)
    if signoff is None or signoff.status != SignoffStatus.SIGNED:
        return None
    if application.status == Status.APPROVED:
        text = gettext("Agreed. The principal has signed off the roster of {program}.")
    else:
        text = gettext("Not agreed. The application is not on the roster of {program} the principal has signed off.")
    return Opinion(text=text.format(program=application.program), on=timezone.localdate(signoff.decided_at))


STATUS_COLUMNS = (
    Status.SUBMITTED,
    Status.SENT_BACK,
    Status.RECOMMENDED,
    Status.NOT_RECOMMENDED,
    Status.APPROVED,
    Status.REJECTED,
    Status.REVOKED,
    Status.RETURNED,
)


@dataclass
class ClassRow:
    school_class: object
    counts: dict[str, int]
    oldest_recommended: object = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def roster_classes(*, user, school, program, term) -> list[ClassRow]:
    """The school's classes with applications of this program and term, with counts by status."""
    rows = (
        Application.objects.visible_to(user)
        .filter(school=school, program=program, term=term)
        .order_by()
        .values("school_class")
        .annotate(
            oldest=Min("first_reviewed_at", filter=Q(status__in=AWAITING_SCHOOL)),
            **{status.value: Count("pk", filter=Q(status=status)) for status in STATUS_COLUMNS},
        )
    )
    rows = list(rows)
    from aidsys.models import SchoolClass

    classes = SchoolClass.objects.in_bulk([row["school_class"] for row in rows])
    result = [
        ClassRow(
            classes[row["school_class"]],
            {status.value: row[status.value] for status in STATUS_COLUMNS},
            row["oldest"],
        )
        for row in rows
    ]
    result.sort(key=lambda r: (r.school_class.grade, r.school_class.number))
    return result


def open_places(*, school, program, term) -> list[Application]:
    """Revoked awards whose place has not been taken by a replacement (递补) yet."""
    replaced = Application.objects.filter(replaces=OuterRef("pk"), status__in=(Status.APPROVED, Status.REVOKED))
    return list(
        Application.objects.filter(school=school, program=program, term=term, status=Status.REVOKED)
        .exclude(Exists(replaced))
        .select_related("student", "school_class", "revocation__effective_term__school_year")
        .order_by("revocation__revoked_at", "pk")
    )


def waiting_list(*, user, school, program, term) -> list[Ranked]:
    """The ranked waiting list for replacements: the school's recommended applications not yet decided.

    The aid office leaves undecided what the quota cannot fund; a rejection is a decision on the
    merits with its reason, not a place in the queue, so rejected applications are not offered.
    """
    applications = with_score_inputs(
        Application.objects.visible_to(user).filter(
            school=school, program=program, term=term, status=Status.RECOMMENDED
        )
    ).select_related("school_class")
    return ranked(applications, program=program, term=term)


def revocations(*, school, program, term):
    return (
        Revocation.objects.filter(application__school=school, application__program=program, application__term=term)
        .select_related(
            "application__student", "application__school_class", "effective_term__school_year", "revoked_by"
        )
        .order_by("-revoked_at")
    )


# ---------------------------------------------------------------------------------------------
# The school's rosters and the principal's summary


@dataclass
class RosterLine:
    program: object
    term: object
    counts: dict[str, int]
    signoff: RosterSignoff | None = None


def school_rosters(*, user, school) -> list[RosterLine]:
    """Every program and term the school has applications or a quota for, newest term first."""
    from aidsys.models import Term
    from applications.models import AidProgram, Quota

    counts = (
        Application.objects.visible_to(user)
        .filter(school=school)
        .order_by()
        .values("program", "term")
        .annotate(**{status.value: Count("pk", filter=Q(status=status)) for status in STATUS_COLUMNS})
    )
    lines = {(row["program"], row["term"]): {s.value: row[s.value] for s in STATUS_COLUMNS} for row in counts}
    for key in Quota.objects.filter(school=school).values_list("program", "term"):
        lines.setdefault(key, dict.fromkeys((s.value for s in STATUS_COLUMNS), 0))
    programs = AidProgram.objects.in_bulk({program for program, _ in lines})
    terms = Term.objects.select_related("school_year").in_bulk({term for _, term in lines})
    signoffs = {
        (s.program_id, s.term_id): s for s in RosterSignoff.objects.filter(school=school).select_related("decided_by")
    }
    result = [
        RosterLine(programs[program], terms[term], line_counts, signoffs.get((program, term)))
        for (program, term), line_counts in lines.items()
    ]
    result.sort(key=lambda line: (-line.term.start.toordinal(), line.program.code))
    return result


@dataclass
class SummaryCell:
    count: int = 0
    amount: Decimal = Decimal("0.00")

    def add(self, count: int, amount: Decimal) -> None:
        self.count += count
        self.amount += amount

    # Text for the page: a roster of 50 classes has some 500 numbers, and the template's own
    # localisation of each number cost more than the rest of the page together.
    @property
    def count_text(self) -> str:
        return str(self.count)

    @property
    def amount_text(self) -> str:
        return f"{self.amount:.2f}"


@dataclass
class SignoffSummary:
    tiers: list[tuple[str, str]]
    rows: list[tuple[object, list[SummaryCell], SummaryCell, int]]
    tier_totals: list[SummaryCell]
    total: SummaryCell
    waiting: int
    at_first_review: int
    revoked: int
    # Not recommended by the class teacher, awaiting the school's decision.
    not_recommended: int = 0
    replacements: int = 0
    # The approved by class and tier, as the quotas count them (applications.services.quota_limits.approved_use).
    approved_use: list[UseGroup] = field(default_factory=list)


def signoff_summary(*, school, program, term) -> SignoffSummary:
    """The approved roster by class and tier with counts and amounts, and what is still open:
    one grouped query over the roster's applications, and one for its classes."""
    from aidsys.models import SchoolClass

    groups = (
        Application.objects.filter(school=school, program=program, term=term)
        .order_by()
        # In the roster index's order, so that the groups come off the index without a sort.
        .values_list("status", "school_class_id", "approved_tier")
        .annotate(n=Count("pk"), amount=Sum("amount"), replacements=Count("replaces"))
    )
    approved: list[UseGroup] = []
    waiting_by_class: dict[int, int] = defaultdict(int)
    at_first_review = revoked = replacements = not_recommended = 0
    for status, class_id, tier, n, amount, replacing in groups:
        if status == Status.APPROVED:
            approved.append(UseGroup(class_id, tier, n, amount or Decimal("0.00")))
            replacements += replacing
        elif status == Status.RECOMMENDED:
            waiting_by_class[class_id] += n
        elif status in AT_FIRST_REVIEW:
            at_first_review += n
        elif status == Status.NOT_RECOMMENDED:
            not_recommended += n
        elif status == Status.REVOKED:
            revoked += n
    tiers = AWARD_TIERS
    tier_index = {value: index for index, (value, _label) in enumerate(tiers)}
    cells: dict[int, list[SummaryCell]] = {}
    for group in approved:
        class_cells = cells.setdefault(group.school_class_id, [SummaryCell() for _ in tiers])
        class_cells[tier_index[group.tier]].add(group.awards, group.amount)
    for class_id in waiting_by_class:
        cells.setdefault(class_id, [SummaryCell() for _ in tiers])
    classes = SchoolClass.objects.in_bulk(list(cells))
    rows = []
    tier_totals = [SummaryCell() for _ in tiers]
    total = SummaryCell()
    for class_id in sorted(cells, key=lambda pk: (classes[pk].grade, classes[pk].number)):
        class_total = SummaryCell()
        for index, cell in enumerate(cells[class_id]):
            class_total.add(cell.count, cell.amount)
            tier_totals[index].add(cell.count, cell.amount)
        total.add(class_total.count, class_total.amount)
        rows.append((classes[class_id], cells[class_id], class_total, waiting_by_class.get(class_id, 0)))
    return SignoffSummary(
        tiers=tiers,
        rows=rows,
        tier_totals=tier_totals,
        total=total,
        waiting=sum(waiting_by_class.values()),
        at_first_review=at_first_review,
        revoked=revoked,
        not_recommended=not_recommended,
        replacements=replacements,
        approved_use=approved,
    )


def panel_of(*, school, term) -> ReviewPanel | None:
    return ReviewPanel.objects.filter(school=school, term=term).prefetch_related("members").first()


def meetings_of(panel: ReviewPanel) -> list[ReviewMeeting]:
    return list(panel.meetings.select_related("recorded_by").prefetch_related("members_present").order_by("date", "pk"))


# ---------------------------------------------------------------------------------------------
# The roster's students, for the principal's page and the printed 审定名单


@dataclass
class RosterStudent:
    position: int
    class_name: str
    name: str
    tier_label: str
    amount: Decimal

    @property
    def amount_text(self) -> str:
        return f"{self.amount:.2f}"


@dataclass
class RosterStudents:
    students: list[RosterStudent]
    total: Decimal

    @property
    def count(self) -> int:
        return len(self.students)

    @property
    def total_text(self) -> str:
        return f"{self.total:.2f}"

    @property
    def total_in_words(self) -> str:
        return amount_in_words(self.total)


def roster_students(*, school, program, term) -> RosterStudents:
    """The roster's approved students by class (grade, number), then name in pinyin order, in one query.

    Names, classes, tiers and amounts only: what the principal signs needs no 身份证号.
    """
    rows = (
        Application.objects.filter(school=school, program=program, term=term, status=Status.APPROVED)
        .order_by("school_class__grade", "school_class__number", "student__name_pinyin", "pk")
        .values_list("school_class__grade", "school_class__number", "student__name", "approved_tier", "amount")
    )
    language = get_language()
    tier_labels = {value: str(label) for value, label in Tier.choices}
    students = []
    total = Decimal("0.00")
    for position, (grade, number, name, tier, amount) in enumerate(rows, start=1):
        amount = amount or Decimal("0.00")
        total += amount
        students.append(
            RosterStudent(position, class_name(language, grade, number), name, tier_labels.get(tier, ""), amount)
        )
    return RosterStudents(students, total)
