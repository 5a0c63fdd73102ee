"""The generated county's applications and reviews (`manage.py seed_county`), through the services.

The county's national programs and a quota for each school; in each school about one student in
eight (the poorest families, special groups first) applies, filed and submitted by the class
teacher, visited at home first where the teacher recommends, recommended, and decided by the aid
office within the quota. Schools are at different points of the term, in a cycle (`SCHOOL_STATES`):
one in three still reviewing (drafts, first review, returned, sent back, recommended, approved,
rejected), the others with the roster submitted to the principal; the publicity and disbursement
parts carry those further.

Idempotent: a school with any application in the term is left as it is.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from aidsys.services.writes import instances_create
from applications.models import AidProgram, Application, Quota
from applications.services.applications import application_file, application_submit
from applications.services.programs import NATIONAL_PROGRAMS, national_programs_seed, program_update
from applications.services.quotas import quota_allocate
from reviews.demo import LATE_REASONS, NO_VISIT_REASON, RETURN_COMMENT, SEND_BACK_COMMENT, STATEMENTS, _program_for
from reviews.services import (
    application_recommend,
    application_reject,
    application_return,
    application_send_back,
    applications_approve,
    roster_submit,
)
from students.models import EnrolmentStatus, HomeVisit, Housing, IncomeSource, Student, Tier, VisitMethod

REVIEWING, SUBMITTED, NOTICED, REPORTED, PAID = "reviewing", "submitted", "noticed", "reported", "paid"
# Where each school stands, by its place in the county: the first three cover every stage.
SCHOOL_STATES = [PAID, NOTICED, REVIEWING, PAID, SUBMITTED, PAID, REPORTED, PAID, PAID, REVIEWING]
APPLYING_SHARE = 0.12
# An applicant's stage by the draw, in a reviewing school and in one that has decided.
REVIEWING_STAGES = [
    (0.08, "draft"),
    (0.20, "submitted"),
    (0.25, "returned"),
    (0.30, "sent_back"),
    (0.55, "recommended"),
    (0.60, "no_visit"),
    (0.90, "approved"),
    (1.00, "rejected"),
]
DECIDED_STAGES = [(0.03, "draft"), (0.05, "returned"), (0.93, "approved"), (1.00, "rejected")]
TIERS = [Tier.ESPECIALLY_DIFFICULT, Tier.DIFFICULT, Tier.DIFFICULT, Tier.GENERALLY_DIFFICULT]
REJECT_REASON = "经家访核实，家庭人均收入高于认定标准，且无特殊困难情形，本学期未予通过。"


def school_state(school, context) -> str:
    return SCHOOL_STATES[context.schools.index(school) % len(SCHOOL_STATES)]


def _applicants(school, context, share: float) -> list[Student]:
    students = list(
        Student.objects.filter(school=school, status=EnrolmentStatus.ENROLLED)
        .select_related("household", "school", "school_class__class_teacher")
        .prefetch_related("household__members", "household__special_groups")
        .order_by("pk")
    )

    def hardship(student):
        income = student.household.per_capita_income()
        return (-len(student.household.special_groups.all()), income is None, income or 0, student.pk)

    chosen = sorted(students, key=hardship)[: max(len(REVIEWING_STAGES), round(len(students) * share))]
    # One object for each class and teacher: a user's scope is computed once for all their writes.
    classes = {}
    for student in chosen:
        student.school_class = classes.setdefault(student.school_class_id, student.school_class)
    return chosen


def _stage(draw: float, stages) -> str:
    return next(stage for limit, stage in stages if draw <= limit)


def _visit_missing(context, school, planned) -> None:
    """A visit of the school year for each applicant the teacher will recommend and who has none."""
    visited = set(
        HomeVisit.objects.filter(student__school=school, school_year=context.school_year).values_list(
            "student_id", flat=True
        )
    )
    today = timezone.localdate()
    by_teacher: dict = {}
    for index, (student, stage, tier) in enumerate(planned):
        if student.pk in visited or stage in ("draft", "submitted", "returned", "no_visit"):
            continue
        teacher = student.school_class.class_teacher
        by_teacher.setdefault(teacher, []).append(
            HomeVisit(
                student=student,
                visitor=teacher,
                school_year=context.school_year,
                visited_on=min(context.term.start + timedelta(days=10 + index % 30), today),
                method=VisitMethod.IN_PERSON,
                people_met=f"{student.guardian_name}（{student.get_guardian_relation_display()}）",
                housing=Housing.POOR if tier != Tier.GENERALLY_DIFFICULT else Housing.ORDINARY,
                income_sources=[IncomeSource.WAGES, IncomeSource.FARMING],
                notes="家中住房简陋，家长务工收入不稳定，孩子懂事、学习认真。",
                suggested_tier=Tier.NOT_DIFFICULT if stage == "rejected" else tier,
            )
        )
    for teacher, visits in by_teacher.items():
        instances_create(actor=teacher, instances=visits, school=school, clean=False)


def _school(context, school, program) -> int:
    state = school_state(school, context)
    rng = context.rng("applications", school.code)
    stages = REVIEWING_STAGES if state == REVIEWING else DECIDED_STAGES
    # Every stage at least once (the poorest families first), then as drawn.
    first = [stage for _limit, stage in stages]
    planned = [
        (student, first[index] if index < len(first) else _stage(rng.random(), stages), rng.choice(TIERS))
        for index, student in enumerate(_applicants(school, context, APPLYING_SHARE))
    ]
    aid = context.staff(school, "aid")
    approving = [entry for entry in planned if entry[1] == "approved"]
    if not Quota.objects.filter(program=program, term=context.term, school=school).exists():
        quota_allocate(
            actor=context.county_staff[0],
            program=program,
            term=context.term,
            school=school,
            tier="",
            awards=len(approving) + 2,
            amount=None,
        )
    _visit_missing(context, school, planned)
    visits = {
        visit.student_id: visit
        for visit in HomeVisit.objects.filter(student__school=school, school_year=context.school_year)
    }
    to_approve: dict = {}
    for index, (student, stage, tier) in enumerate(planned):
        teacher = student.school_class.class_teacher
        application = application_file(
            actor=teacher,
            student=student,
            program=program,
            term=context.term,
            requested_tier=tier,
            statement=STATEMENTS[index % len(STATEMENTS)],
            pledge_signed=stage != "draft",
            late_reason=LATE_REASONS[index % len(LATE_REASONS)],
            home_visits=[visits[student.pk]] if student.pk in visits else [],
        )
        if stage == "draft":
            continue
        application_submit(actor=teacher, application=application)
        if stage == "submitted":
            continue
        if stage == "returned":
            application_return(actor=teacher, application=application, comment=RETURN_COMMENT)
            continue
        application_recommend(
            actor=teacher,
            application=application,
            tier=tier,
            no_visit_reason=NO_VISIT_REASON if stage == "no_visit" else "",
        )
        if stage == "approved":
            to_approve.setdefault(student.school_class, []).append(application.pk)
        elif stage == "rejected":
            application_reject(actor=aid, application=application, reason=REJECT_REASON)
        elif stage == "sent_back":
            application_send_back(actor=aid, application=application, comment=SEND_BACK_COMMENT)
    for school_class, ids in to_approve.items():
        applications_approve(
            actor=aid, school=school, program=program, term=context.term, school_class=school_class, application_ids=ids
        )
    if state != REVIEWING and to_approve:
        roster_submit(actor=aid, school=school, program=program, term=context.term)
    return len(planned)


def seed(context) -> None:
    national_programs_seed(actor=context.county_staff[0], county=context.county, school_year=context.school_year)
    codes = [national.code for national in NATIONAL_PROGRAMS]
    for program in AidProgram.objects.filter(county=context.county, code__in=codes):
        if "cash" not in program.payment_methods:
            # The county lets schools pay in cash against signatures too (families without a card).
            program_update(
                actor=context.county_staff[0],
                program=program,
                data={"payment_methods": [*program.payment_methods, "cash"]},
            )
    filed = 0
    for index, school in enumerate(context.schools, start=1):
        program = _program_for(school, context.county)
        if program is not None and not Application.objects.filter(school=school, term=context.term).exists():
            with transaction.atomic():
                filed += _school(context, school, program)
        if index % 10 == 0 or index == len(context.schools):
            context.progress(f"  applications: {index}/{len(context.schools)} schools ({filed} new)")
