"""Filing, editing, submitting and withdrawing applications; the moves the reviews decide (the reviews app
decides them, the rows change here).

Each write is one transaction and leaves its audit event. The rules (DESIGN.md §4, issue 4):
one open application per student, program and term; none for a student who has left; only
programs of the student's county that serve the stage of the student's class; outside the
program's application window only with a reason.
"""

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aidsys.models import grade_stage
from aidsys.pdf import render_pdf
from aidsys.scope import can_keep_records, can_reveal
from aidsys.services.audit import Action, audit_record, audit_record_many, diff, snapshot
from aidsys.services.writes import created_values
from aidsys.transitions import InvalidTransition, transition, transition_event
from applications.models import EDITABLE_STATUSES, OPEN_STATUSES, AidProgram, Application, ApplyPeriod, Status
from applications.selectors.applications import print_context
from students.models import EnrolmentStatus, HomeVisit, Student
from students.services import sensitive_reveal

# What the filer may change while the application is a draft or returned for completion.
EDITABLE_FIELDS = ("requested_tier", "statement", "pledge_signed", "late_reason")
# Statuses from which the family may still withdraw: everything open but a decided award.
WITHDRAWABLE_STATUSES = tuple(status for status in OPEN_STATUSES if status != Status.APPROVED)
LEFT_SCHOOL = (EnrolmentStatus.TRANSFERRED_OUT, EnrolmentStatus.GRADUATED)


def _duplicate_error(student: Student, program: AidProgram, term, existing: Application | None = None):
    if existing is not None:
        message = _("{student} already has an application for {program} in {term} ({status}).").format(
            student=student.name, program=program, term=term, status=existing.get_status_display()
        )
    else:
        message = _("{student} already has an application for {program} in {term}.").format(
            student=student.name, program=program, term=term
        )
    return ValidationError({NON_FIELD_ERRORS: ValidationError(message, code="duplicate")})


def _open_application(student: Student, program: AidProgram, term) -> Application | None:
    """The student's open application of the program that a new one would repeat: of the same term, or
    of any term of the school year where the program is applied for once a school year (按学年申请)."""
    applications = Application.objects.filter(student=student, program=program, status__in=OPEN_STATUSES)
    if program.apply_period == ApplyPeriod.YEAR:
        applications = applications.filter(term__school_year_id=term.school_year_id)
    else:
        applications = applications.filter(term=term)
    return applications.select_related("term").order_by("term__start").first()


def _refuse_student(student: Student) -> None:
    if student.status in LEFT_SCHOOL:
        raise ValidationError(
            _("{student} is “{status}” and can no longer apply.").format(
                student=student.name, status=student.get_status_display()
            ),
            code="left_school",
        )
    if student.school_class_id is None:
        raise ValidationError(
            _("{student} is in no class; put the student in a class before filing an application.").format(
                student=student.name
            ),
            code="no_class",
        )


def student_refusal(student: Student) -> str:
    """Why the student cannot apply at all (has left the school, is in no class), or ""."""
    try:
        _refuse_student(student)
    except ValidationError as error:
        return error.messages[0]
    return ""


def _program_errors(student: Student, program: AidProgram) -> list[ValidationError]:
    if program.county_id != student.school.county_id:
        return [
            ValidationError(
                _("{program} is a program of another county; {school} cannot apply for it.").format(
                    program=program, school=student.school
                ),
                code="other_county",
            )
        ]
    errors = []
    if not program.active:
        errors.append(
            ValidationError(_("{program} is no longer active.").format(program=program), code="inactive_program")
        )
    stage = grade_stage(student.school_class.grade)
    if not program.serves(stage):
        errors.append(
            ValidationError(
                _("{program} does not serve {stage}, the stage of {school_class}.").format(
                    program=program, stage=stage.label, school_class=student.school_class.name
                ),
                code="stage_not_served",
            )
        )
    return errors


def _window_error(program: AidProgram, term, late_reason: str) -> ValidationError | None:
    """Outside the program's window for the term, an application needs a reason."""
    if late_reason.strip():
        return None
    opens, closes = program.window_for(term)
    today = timezone.localdate()
    if today < opens:
        message = _(
            "Applications for {program} in {term} open on {opens}; give a reason to apply before the window."
        ).format(program=program, term=term, opens=f"{opens:%Y-%m-%d}")
    elif today > closes:
        message = _(
            "Applications for {program} in {term} closed on {closes}; give the reason for applying late."
        ).format(program=program, term=term, closes=f"{closes:%Y-%m-%d}")
    else:
        return None
    return ValidationError(message, code="outside_window")


def _visit_errors(student: Student, visits: list[HomeVisit]) -> list[ValidationError]:
    return [
        ValidationError(
            _("The home visit of {date} is a visit to another student, not to {student}.").format(
                date=f"{visit.visited_on:%Y-%m-%d}", student=student.name
            ),
            code="visit_of_another_student",
        )
        for visit in visits
        if visit.student_id != student.pk
    ]


def _visit_labels(visits: Iterable[HomeVisit]) -> list[dict]:
    return [{"id": visit.pk, "label": f"{visit.visited_on:%Y-%m-%d} {visit.get_method_display()}"} for visit in visits]


@transaction.atomic
def application_file(
    *,
    actor,
    student: Student,
    program: AidProgram,
    term,
    requested_tier: str,
    statement: str,
    pledge_signed: bool,
    late_reason: str = "",
    home_visits: Iterable[HomeVisit] = (),
) -> Application:
    """A new application (a draft) for a student, by the class teacher of the student's class or the aid office."""
    if not can_keep_records(actor, student.school_id, student.school_class_id):
        raise PermissionDenied
    _refuse_student(student)
    visits = list(home_visits)
    errors: dict[str, list[ValidationError]] = {}
    if program_errors := _program_errors(student, program):
        errors["program"] = program_errors
    if term.school_year_id != student.school_class.school_year_id:
        errors["term"] = [
            ValidationError(
                _("{term} is not a term of {school_class}'s school year.").format(
                    term=term, school_class=student.school_class.name
                ),
                code="term_of_another_year",
            )
        ]
    elif window_error := _window_error(program, term, late_reason):
        errors["late_reason"] = [window_error]
    if visit_errors := _visit_errors(student, visits):
        errors["home_visits"] = visit_errors
    if errors:
        raise ValidationError(errors)
    existing = _open_application(student, program, term)
    if existing is not None:
        raise _duplicate_error(student, program, existing.term, existing)
    application = Application(
        student=student,
        program=program,
        term=term,
        school_id=student.school_id,
        school_class_id=student.school_class_id,
        status=Status.DRAFT,
        requested_tier=requested_tier,
        statement=statement,
        pledge_signed=pledge_signed,
        late_reason=late_reason.strip(),
        filed_by=actor,
        filed_at=timezone.now(),
    )
    # The open-application constraint is checked above and enforced by the database below; its
    # generic message from full_clean() would only stand in for the clearer one.
    application.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # Another filing for the same student, program and term was committed meanwhile.
        raise _duplicate_error(student, program, term) from None
    changes = created_values(application)
    if visits:
        application.home_visits.set(visits)
        changes["home_visits"] = [None, _visit_labels(visits)]
    audit_record(actor=actor, action=Action.CREATE, target=application, changes=changes)
    return application


def _locked_editable(application: Application) -> Application:
    stored = Application.objects.select_for_update().select_related("student", "program", "term").get(pk=application.pk)
    if stored.status not in EDITABLE_STATUSES:
        raise InvalidTransition(
            _("The application is “{status}” and can no longer be changed.").format(status=stored.get_status_display()),
            code="not_editable",
        )
    return stored


@transaction.atomic
def application_update(
    *, actor, application: Application, data: dict, home_visits: Iterable[HomeVisit] | None = None
) -> dict:
    """Change a draft or a returned application. Returns the changes ({field: [before, after]})."""
    if not can_keep_records(actor, application.school_id, application.school_class_id):
        raise PermissionDenied
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    stored = _locked_editable(application)
    before = snapshot(stored)
    for name, value in data.items():
        setattr(stored, name, value.strip() if isinstance(value, str) else value)
    stored.full_clean()
    changes = diff(before, snapshot(stored))
    if home_visits is not None:
        visits = list(home_visits)
        if errors := _visit_errors(stored.student, visits):
            raise ValidationError({"home_visits": errors})
        linked = list(stored.home_visits.order_by("pk"))
        if {visit.pk for visit in linked} != {visit.pk for visit in visits}:
            stored.home_visits.set(visits)
            changes["home_visits"] = [_visit_labels(linked), _visit_labels(sorted(visits, key=lambda v: v.pk))]
    if changes:
        names = [name for name in changes if name != "home_visits"]
        if names:
            stored.save(update_fields=[*names, "updated_at"])
        audit_record(actor=actor, action=Action.UPDATE, target=stored, changes=changes)
    return changes


def _transition(*, actor, application: Application, from_statuses, to: str, reason: str = "", **fields) -> None:
    """Move the application from one of `from_statuses` to `to`, or refuse if it has moved on meanwhile."""
    stored = Application.objects.select_for_update().get(pk=application.pk)
    refusal = _("The application is “{status}”; it cannot become “{new}”.").format(
        status=stored.get_status_display(), new=Status(to).label
    )
    transition(
        actor=actor,
        instance=stored,
        from_status=from_statuses,
        changes={"status": to, "updated_at": timezone.now(), **fields},
        recorded=("status", *fields),
        refused=lambda: InvalidTransition(refusal, code="invalid_transition"),
        reason=reason,
    )
    application.refresh_from_db()


# ---------------------------------------------------------------------------------------------
# The review stages' moves. The reviews app decides; the applications' rows change here.


def _already_dealt_with(stored: Application | None) -> InvalidTransition:
    if stored is None:
        return InvalidTransition(_("The application no longer exists."), code="gone")
    return InvalidTransition(
        _(
            "{student}'s application for {program} is already “{status}”: it has been dealt with meanwhile "
            "(perhaps by a second click). Reload the page to see where it stands."
        ).format(student=stored.student.name, program=stored.program, status=stored.get_status_display()),
        code="already_dealt_with",
    )


def applications_move(
    *, actor, applications: list[Application], expected: tuple, to: str, fields_for, reason: str = ""
) -> list[Application]:
    """Move each application from one of `expected` to `to`, setting `fields_for(application)`: a review's
    decision (初审, 复审, a revocation).

    Each move is a conditional update (STYLE.md rule 5); if any application has left `expected`
    the whole call fails and the caller's transaction rolls back. Each leaves its audit event.
    """
    if not applications:
        return []
    stored = {
        row.pk: row
        for row in Application.objects.select_for_update(of=("self",))
        .filter(pk__in=[a.pk for a in applications])
        .select_related("student", "program", "term", "decided_by", "first_reviewed_by", "replaces__student")
    }
    for application in applications:
        row = stored.get(application.pk)
        if row is None or row.status not in expected:
            raise _already_dealt_with(row)
    now = timezone.now()
    events = []
    for application in applications:
        fields = fields_for(application)
        row = stored[application.pk]
        events.append(
            transition_event(
                instance=row,
                from_status=expected,
                changes={"status": to, "updated_at": now, **fields},
                recorded=("status", *fields),
                refused=lambda row=row: _already_dealt_with(row),
                reason=reason,
            )
        )
        application.status = to
        application.updated_at = now
        for name, value in fields.items():
            setattr(application, name, value)
    audit_record_many(actor=actor, events=events)
    return applications


def application_move(
    *, actor, application: Application, expected: tuple, to: str, fields: dict, reason: str = ""
) -> Application:
    """`applications_move` for one application."""
    return applications_move(
        actor=actor, applications=[application], expected=expected, to=to, fields_for=lambda a: fields, reason=reason
    )[0]


def application_award_set(
    *, actor, application: Application, tier: str, amount, amount_reason: str, reason: str
) -> Application:
    """Change an approved award (`application`, locked by the caller) to `tier` and `amount`, if it is still
    approved at the tier and amount the caller read; the reason is kept as the decision's."""
    return transition(
        actor=actor,
        instance=application,
        from_status=Status.APPROVED,
        unchanged={"approved_tier": application.approved_tier, "amount": application.amount},
        changes={
            "approved_tier": tier,
            "amount": amount,
            "amount_reason": amount_reason,
            "decision_reason": reason,
            "updated_at": timezone.now(),
        },
        recorded=("approved_tier", "amount", "amount_reason", "decision_reason"),
        action=Action.UPDATE,
        reason=reason,
        refused=lambda: InvalidTransition(
            _("{student}'s award changed meanwhile. Reload the page.").format(student=application.student.name),
            code="changed_meanwhile",
        ),
    )


@transaction.atomic
def application_submit(*, actor, application: Application) -> Application:
    """Hand a draft (or a completed returned application) to the class teacher's first review."""
    if not can_keep_records(actor, application.school_id, application.school_class_id):
        raise PermissionDenied
    stored = _locked_editable(application)
    if not stored.pledge_signed:
        raise ValidationError(
            {
                "pledge_signed": ValidationError(
                    _("Print the pledge, have it signed, and tick that it is signed before submitting."),
                    code="pledge_not_signed",
                )
            }
        )
    if stored.status == Status.DRAFT and (error := _window_error(stored.program, stored.term, stored.late_reason)):
        raise ValidationError({"late_reason": error})
    _transition(
        actor=actor,
        application=application,
        from_statuses=[stored.status],
        to=Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    return application


@transaction.atomic
def application_withdraw(*, actor, application: Application, reason: str) -> Application:
    """The family no longer applies: any open application that has not been approved."""
    if not can_keep_records(actor, application.school_id, application.school_class_id):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": ValidationError(_("Say why the application is withdrawn."), code="required")})
    _transition(
        actor=actor,
        application=application,
        from_statuses=WITHDRAWABLE_STATUSES,
        to=Status.WITHDRAWN,
        reason=reason.strip(),
    )
    return application


# Printable documents of an application: template and the name the audit trail gives it.
DOCUMENTS = {
    "pledge": ("applications/pdf/pledge.html", gettext_lazy("pledge")),
    "form": ("applications/pdf/form.html", gettext_lazy("application form")),
}


@transaction.atomic
def application_print(*, actor, application: Application, document: str) -> bytes:
    """The pledge (承诺书) or the application form (申请表) as a PDF; printing is recorded.

    The form is filed with the school's records: for a user who may reveal sensitive data it
    carries the full 身份证号, and that reveal is recorded on the student as printed on the form.
    """
    template, label = DOCUMENTS[document]
    id_number = None
    if document == "form" and can_reveal(actor):
        id_number = sensitive_reveal(actor=actor, student=application.student, field="id_number", printed_in=label)
    content = render_pdf(template, print_context(application=application, id_number=id_number))
    audit_record(actor=actor, action=Action.PRINT, target=application, changes={"document": [None, label]})
    return content
