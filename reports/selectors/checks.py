"""重复资助 and 双重学籍: what must not happen, looked for across the county.

- two approved awards of one program in one term for one 身份证号 (the database allows one open
  application per student, program and term; awards imported or merged can still collide);
- one 身份证号 paid in one term by batches of two schools (a student on two schools' rolls);
- an award to a student who was not on roll: left (转出, 毕业) or suspended (休学) before the term
  began, or paid on or after the day they left.

Three queries whatever the county's size; each row names its problem.
"""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aidsys import cn
from applications.models import Application
from applications.models import Status as ApplicationStatus
from disbursements.models import BatchStatus, LineStatus, PaymentLine
from reports.definitions import DATE, MONEY, Column, Report, ReportData, ReportRequest
from reports.selectors.units import school_year_of, term_labels, term_of, units_for
from students.models import EnrolmentStatus

OFF_ROLL = (EnrolmentStatus.TRANSFERRED_OUT, EnrolmentStatus.GRADUATED, EnrolmentStatus.SUSPENDED)


class ChecksReport:
    key = "checks"
    parameters = ("term", "school_year")

    @property
    def title(self) -> str:
        return _("Duplicate aid and double enrolment checks")

    def build(self, request: ReportRequest) -> ReportData:
        units = units_for(request)
        term, year = term_of(request), school_year_of(request)
        rows = [
            *_double_awards(units, _period("", term, year)),
            *_paid_by_two_schools(units, _period("batch__", term, year)),
            *_not_on_roll(units, _period("", term, year), _period("batch__", term, year)),
        ]
        labels = term_labels(row["term"] for row in rows)
        for row in rows:
            row["term"] = labels.get(row["term"], "")
        return ReportData(
            title=self.title,
            unit=units.name,
            period=str(term or (year.label if year else _("All terms"))),
            columns=[
                Column("problem", _("Problem")),
                Column("school", _("School")),
                Column("class", _("Class")),
                Column("name", pgettext("person", "Name")),
                Column("id_number", _("ID number"), mask=cn.mask_id_number),
                Column("program", _("Aid program")),
                Column("term", _("Term")),
                Column("detail", _("Detail")),
                Column("date", _("Date"), DATE),
                Column("amount", _("Amount (yuan)"), MONEY, total=True),
            ],
            rows=rows,
            count=len(rows),
        )


def _period(prefix: str, term, year) -> Q:
    if term is not None:
        return Q(**{f"{prefix}term": term})
    if year is not None:
        return Q(**{f"{prefix}term__school_year": year})
    return Q()


def _row(problem, *, school, class_name, name, id_number, program, term_id, detail="", day=None, amount=None):
    return {
        "problem": problem,
        "school": school,
        "class": class_name,
        "name": name,
        "id_number": id_number,
        "program": program,
        "term": term_id,  # named after all rows are made, in one query
        "detail": detail,
        "date": day,
        "amount": amount,
    }


def _double_awards(units, period):
    awards = Application.objects.filter(period, status=ApplicationStatus.APPROVED)
    twice = (
        awards.filter(school__in=units.school_ids)
        .values("student__id_number", "program", "term")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by()
    )
    keys = {(t["student__id_number"], t["program"], t["term"]) for t in twice}
    if not keys:
        return []
    found = awards.filter(
        student__id_number__in={k[0] for k in keys}, program__in={k[1] for k in keys}, term__in={k[2] for k in keys}
    ).select_related("school", "school_class", "student", "program")
    rows = []
    for award in found.order_by("student__id_number", "term__start", "pk"):
        if (award.student.id_number, award.program_id, award.term_id) not in keys:
            continue
        rows.append(
            _row(
                _("Two awards of one program in one term"),
                school=award.school.name,
                class_name=award.school_class.name,
                name=award.student.name,
                id_number=award.student.id_number,
                program=award.program.name,
                term_id=award.term_id,
                detail=award.get_approved_tier_display(),
                day=award.decided_at.date() if award.decided_at else None,
                amount=award.amount,
            )
        )
    return rows


def _paid_lines(batch_period):
    return PaymentLine.objects.filter(
        batch_period, batch__status=BatchStatus.APPROVED, status__in=(LineStatus.PAID, LineStatus.PENDING)
    )


def _paid_by_two_schools(units, batch_period):
    lines = _paid_lines(batch_period)
    # Students of the request's schools paid in a term by more than one school, wherever the other one is
    # in the county.
    mine = lines.filter(batch__school__in=units.school_ids).values("student")
    twice = (
        lines.filter(student__in=mine, batch__school__county=units.county)
        .values("student", "batch__term")
        .annotate(schools=Count("batch__school", distinct=True))
        .filter(schools__gt=1)
        .order_by()
    )
    keys = {(t["student"], t["batch__term"]) for t in twice}
    if not keys:
        return []
    found = lines.filter(student__in={k[0] for k in keys}, batch__term__in={k[1] for k in keys}).values_list(
        "student",
        "batch__term",
        "batch__school__name",
        "class_label",
        "student_name",
        "student__id_number",
        "batch__program__name",
        "batch__number",
        "paid_on",
        "amount",
    )
    rows = []
    for student, term_id, school, class_label, name, id_number, program, number, paid_on, amount in found.order_by(
        "student__id_number", "batch__term__start", "batch__school__code", "pk"
    ):
        if (student, term_id) not in keys:
            continue
        rows.append(
            _row(
                _("Paid by two schools in one term (double enrolment)"),
                school=school,
                class_name=class_label,
                name=name,
                id_number=id_number,
                program=program,
                term_id=term_id,
                detail=_("Batch {number}").format(number=number),
                day=paid_on,
                amount=amount,
            )
        )
    return rows


def _not_on_roll(units, period, batch_period):
    statuses = dict(EnrolmentStatus.choices)
    rows = []
    awards = (
        Application.objects.filter(
            period,
            school__in=units.school_ids,
            status=ApplicationStatus.APPROVED,
            student__status__in=OFF_ROLL,
            student__status_since__lt=F("term__start"),
        )
        .select_related("school", "school_class", "student", "program", "term")
        .order_by("school__code", "student__name_pinyin", "pk")
    )
    for award in awards:
        student = award.student
        rows.append(
            _row(
                _("Award to a student not on roll when the term began"),
                school=award.school.name,
                class_name=award.school_class.name,
                name=student.name,
                id_number=student.id_number,
                program=award.program.name,
                term_id=award.term_id,
                detail=_("{status} since {day:%Y-%m-%d}").format(
                    status=statuses.get(student.status, student.status), day=student.status_since
                ),
                day=student.status_since,
                amount=award.amount,
            )
        )
    paid = (
        _paid_lines(batch_period)
        .filter(
            batch__school__in=units.school_ids,
            status=LineStatus.PAID,
            student__status__in=OFF_ROLL,
            paid_on__gte=F("student__status_since"),
        )
        .values_list(
            "batch__term",
            "batch__school__name",
            "class_label",
            "student_name",
            "student__id_number",
            "batch__program__name",
            "student__status",
            "student__status_since",
            "paid_on",
            "amount",
        )
        .order_by("batch__school__code", "paid_on", "pk")
    )
    for term_id, school, class_label, name, id_number, program, status, since, paid_on, amount in paid:
        rows.append(
            _row(
                _("Paid on or after the day the student left the roll"),
                school=school,
                class_name=class_label,
                name=name,
                id_number=id_number,
                program=program,
                term_id=term_id,
                detail=_("{status} since {day:%Y-%m-%d}").format(status=statuses.get(status, status), day=since),
                day=paid_on,
                amount=amount,
            )
        )
    return rows


report: Report = ChecksReport()
