"""学生信息 (the registry): the students on roll of a class, a school, or a county (some or all of its
schools), in the columns of the roster import plus 序号, 特殊群体, 认定档次 and 家庭人均年收入.

The students app knows the registry: its columns, their fixed Chinese headings, their masks and the
rows, streamed with a fixed number of queries per chunk (students.exports). This module makes it a
report, so that it is written like every other one, as a job with a progress bar, and gives the
students' export page the way to start that job (students.exports.register_export_job): students
never import reports.

Who may export what stays the registry export's rule: a class, whoever sees it (its class teacher
too); a school, who may read the school's rosters (not a class teacher); full data with the reveal
permission and a reason.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aidsys.models import County, School, SchoolClass, Term
from reports.definitions import INTEGER, MONEY, TEXT, Column, ReportData, ReportRequest, register
from reports.services.exports import export_start
from students import exports as registry

KEY = "student_registry"
_KINDS = {registry.TEXT: TEXT, registry.INTEGER: INTEGER, registry.MONEY: MONEY}


class StudentRegistry:
    key = KEY
    title = gettext_lazy("Student information")
    parameters = ("class",)

    def columns(self) -> list[Column]:
        return [
            Column(column.key, column.heading, _KINDS[column.kind], mask=column.mask)
            for column in registry.registry_columns()
        ]

    def build(self, request: ReportRequest) -> ReportData:
        school_class = school = county = None
        if request.class_id is not None:
            school_class = SchoolClass.objects.select_related("school", "school_year").get(pk=request.class_id)
            school = school_class.school
            unit, school_year = f"{school.name} {school_class.name}", school_class.school_year
        elif request.school_id is not None:
            school = School.objects.select_related("current_term__school_year").get(pk=request.school_id)
            unit, school_year = school.name, self.school_year(school.current_term)
        else:
            county = County.objects.get(pk=request.county_id)
            unit, school_year = county.name, self.school_year(None)
        students = registry.export_students(
            user=request.user, school=school, school_class=school_class, county=county, school_ids=request.school_ids
        )
        return ReportData(
            title=str(self.title),
            unit=unit,
            period=str(school_year.label) if school_year else "",
            columns=self.columns(),
            rows=registry.registry_rows(students),
            count=students.count(),
        )

    @staticmethod
    def school_year(term: Term | None):
        term = term or Term.current()
        return term.school_year if term else None


def registry_export_start(*, actor, school: School, school_class: SchoolClass | None = None, full=False, reason=""):
    """The students' export page's way in: the registry of a class or a school, as a job."""
    params = {"school_id": school.pk, "full": full, "reason": reason}
    if school_class is not None:
        params["class_id"] = school_class.pk
    return export_start(user=actor, report_key=KEY, request_params=params)


register(StudentRegistry())
registry.register_export_job(registry_export_start)
