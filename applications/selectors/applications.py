"""Reads of applications and their attachments. Each starts from the user's scope."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys import cn
from aidsys.models import AuditEvent, SchoolClass, Term, grade_stage
from applications.models import OPEN_STATUSES, AidProgram, Application, ApplyPeriod, Attachment
from applications.opinions import form_opinions
from students.models import ON_ROLL, HomeVisit, Student


def application_for_page(*, user, pk: int) -> Application:
    return (
        Application.objects.select_related(
            "student__school_class",
            "student__household",
            "program",
            "term__school_year",
            "school",
            "school_class__class_teacher",
            "filed_by",
            "first_reviewed_by",
        )
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by").order_by("pk")),
            Prefetch("home_visits", queryset=HomeVisit.objects.select_related("visitor").order_by("-visited_on")),
        )
        .get_visible_or_404(user, pk=pk)
    )


def applications(*, user, school=None, school_class=None, student=None, filters: dict | None = None):
    """Applications in scope, newest first, with what a list shows, in a fixed number of queries."""
    filters = filters or {}
    found = Application.objects.visible_to(user)
    if school is not None:
        found = found.filter(school=school)
    if school_class is not None:
        found = found.filter(school_class=school_class)
    if student is not None:
        found = found.filter(student=student)
    for name in ("program", "term", "school_class"):
        if filters.get(name):
            found = found.filter(**{name: filters[name]})
    if filters.get("status"):
        found = found.filter(status=filters["status"])
    return found.select_related("student", "program", "term__school_year", "school_class").order_by(
        "school_class__grade", "school_class__number", "student__name_pinyin", "-filed_at", "-pk"
    )


def roster_for_filing(*, user, school_class: SchoolClass, term: Term | None):
    """The class's students on roll, each with how many open applications they have in the term."""
    students = Student.objects.visible_to(user).filter(school_class=school_class, status__in=ON_ROLL)
    open_in_term = Q(applications__status__in=OPEN_STATUSES, applications__term=term)
    return students.annotate(open_applications=Count("applications", filter=open_in_term)).order_by("name_pinyin")


def programs_for(*, student: Student):
    """The active programs of the student's county that serve the stage of the student's class."""
    if student.school_class is None:
        return AidProgram.objects.none()
    stage = grade_stage(student.school_class.grade)
    programs = AidProgram.objects.filter(county_id=student.school.county_id, active=True).order_by("code")
    # The stages are a JSON list; filtering in Python keeps this the same on SQLite and PostgreSQL.
    return AidProgram.objects.filter(pk__in=[p.pk for p in programs if p.serves(stage)]).order_by("code")


@dataclass
class ProgramChoice:
    """The programs a new application may be for, the one to propose, and why there is none."""

    programs: QuerySet
    proposed: AidProgram | None
    none_because: str


def _taken_in(student: Student, term: Term) -> set[int]:
    """Programs the student already holds an open application of in `term` (a new one would be refused)."""
    return set(
        Application.objects.filter(student=student, status__in=OPEN_STATUSES)
        .filter(Q(term=term) | Q(program__apply_period=ApplyPeriod.YEAR, term__school_year_id=term.school_year_id))
        .values_list("program_id", flat=True)
    )


def program_choice(*, student: Student) -> ProgramChoice:
    """The programs that fit the student (`programs_for`) and the one to propose for the current term.

    The proposal is the only fitting program whose window is open today and that the student has
    not yet applied for in the term; if none is open, the only fitting program not yet applied for
    (filed late, with its reason). Where the choice is not that clear, nothing is proposed.
    """
    fitting = programs_for(student=student)
    programs = list(fitting.prefetch_related("windows"))
    if not programs:
        if student.school_class is None:
            return ProgramChoice(fitting, None, "")
        stage = grade_stage(student.school_class.grade)
        because = _(
            "No active aid program of the county serves {stage}, the stage of {school_class}, so there is nothing "
            "to apply for. The county's student aid centre sets up the programs: ask it if one is missing."
        ).format(stage=stage.label, school_class=student.school_class.name)
        return ProgramChoice(fitting, None, because)
    term = student.school.current_term
    if term is None:
        candidates = programs
    else:
        taken = _taken_in(student, term)
        candidates = [program for program in programs if program.pk not in taken]
        today = timezone.localdate()
        open_now = [program for program in candidates if _window_holds(program, term, today)]
        candidates = open_now or candidates
    return ProgramChoice(fitting, candidates[0] if len(candidates) == 1 else None, "")


def _window_holds(program: AidProgram, term: Term, day) -> bool:
    opens, closes = program.window_for(term)
    return opens <= day <= closes


def terms_for(*, student: Student):
    """The terms of the school year the student's class belongs to."""
    if student.school_class is None:
        return Term.objects.none()
    return Term.objects.filter(school_year_id=student.school_class.school_year_id).select_related("school_year")


def visits_of(*, student: Student):
    return HomeVisit.objects.filter(student=student).order_by("-visited_on", "-pk")


def application_history(*, application: Application, limit: int = 100):
    """操作记录 of an application and of every attachment it has had, also the removed ones; newest first."""
    attachment_type = ContentType.objects.get_for_model(Attachment)
    attachment_ids = (
        AuditEvent.objects.filter(
            content_type=attachment_type,
            action=AuditEvent.Action.CREATE,
            changes__application__1__id=application.pk,
        )
        .values_list("object_id", flat=True)
        .distinct()
    )
    return (
        AuditEvent.objects.filter(
            Q(content_type=ContentType.objects.get_for_model(Application), object_id=str(application.pk))
            | Q(content_type=attachment_type, object_id__in=list(attachment_ids))
        )
        .select_related("content_type")
        .order_by("-pk")[:limit]
    )


def attachment_in_scope(*, user, pk: int) -> Attachment:
    return Attachment.objects.select_related("application").get_visible_or_404(user, pk=pk)


def print_context(*, application: Application, id_number: str | None = None) -> dict:
    """What the printed pledge and application form show: the 身份证号 masked unless its full value is
    given (revealed by the caller, who records it), no address beyond the township, no phone, no
    income (DESIGN.md §5); and the opinions the school files on the form."""
    student = application.student
    household = student.household
    return {
        "application": application,
        "student": student,
        "school": application.school,
        "school_class": application.school_class,
        "program": application.program,
        "term": application.term,
        "id_number": id_number or cn.mask_id_number(student.id_number),
        "household": household,
        "members": list(household.members.order_by("pk")),
        "special_groups": list(household.special_groups.order_by("group")),
        "visits": list(application.home_visits.select_related("visitor").order_by("visited_on")),
        "attachments": list(application.attachments.order_by("pk")),
        "opinions": form_opinions(application),
    }
