"""应助尽助: students on an official list (低保, 特困, 脱贫, 监测, 残疾, 孤儿 …) with no approved award
this school year, per school: who the county should ask the school about."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aidsys import cn
from aidsys.models import SchoolYear
from reports.definitions import Column, Report, ReportData, ReportRequest
from reports.selectors.units import school_year_of, units_for
from students.gaps import aid_gaps
from students.models import SpecialGroup


class AidGapsReport:
    key = "aid_gaps"
    parameters = ("school_year",)

    @property
    def title(self) -> str:
        return _("Students on an official list without aid")

    def build(self, request: ReportRequest) -> ReportData:
        units = units_for(request)
        year = school_year_of(request) or SchoolYear.objects.order_by("-start_year").first()
        if units.school is not None:
            students = aid_gaps(user=request.user, school_year=year, school=units.school)
        else:
            students = aid_gaps(user=request.user, school_year=year, county=units.county).filter(
                school__in=units.school_ids
            )
        return ReportData(
            title=self.title,
            unit=units.name,
            period=str(year.label),
            columns=[
                Column("school", _("School")),
                Column("class", _("Class")),
                Column("name", pgettext("person", "Name")),
                Column("id_number", _("ID number"), mask=cn.mask_id_number),
                Column("special_groups", _("Special groups")),
                Column("lists", _("Official list")),
            ],
            rows=_rows(students),
            count=students.count(),
            notes=[_("Students on roll whose household is on an official list and who have no approved award.")],
        )


def _rows(students):
    groups = dict(SpecialGroup.choices)
    # The prefetch of the flags runs per chunk of students, not per student.
    for student in students.iterator(chunk_size=2000):
        flags = student.household.official_flags
        yield {
            "school": student.school.name,
            "class": student.school_class.name if student.school_class else "",
            "name": student.name,
            "id_number": student.id_number,
            "special_groups": "、".join(dict.fromkeys(str(groups.get(f.group, f.group)) for f in flags)),
            "lists": "、".join(dict.fromkeys(f.list_name for f in flags if f.list_name)),
        }


report: Report = AidGapsReport()
