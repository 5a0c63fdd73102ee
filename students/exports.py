"""The registry's export, by class, by school or (county staff) by county: which students, which
columns with their fixed Chinese headings, how each sensitive column is masked, and the rows.

Sensitive values (身份证号, 学籍号, guardian's phone, village and address, income) are masked unless
the user holds `students.reveal_sensitive` and asks for full data with a reason. The rows carry
full values and each sensitive column names its mask, applied by the writer of a masked file.

The workbook is written by the reports app, as a job with a progress bar (reports/registry.py
registers the registry as a report): this module knows the registry, reports knows workbooks and
jobs. Data flows one way, so the students' export page starts the job through
`registry_export_start`, which the reports app provides when it is ready.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from aidsys import cn
from aidsys.models import County, School, SchoolClass
from students import privacy
from students.models import ON_ROLL, HouseholdMember, Identification, SpecialGroupFlag, Student, Tier
from students.resources import StudentResource

# Students are read from the database so many at a time, with their households' members, special
# groups and tiers read for each chunk: a fixed number of queries per chunk, none per row.
CHUNK = 2000


class RegistryResource(StudentResource):
    """The roster's 学籍 columns, as the import reads them."""


# What the registry adds to the 学籍 columns, in the same (fixed, Chinese) wording as they.
NUMBER_HEADER = "序号"
EXTRA_HEADERS = ("特殊群体", "认定档次", "家庭人均年收入")
TEXT, INTEGER, MONEY = "text", "integer", "money"
TIER_LABELS = dict(Tier.choices)


def _hidden(_value) -> str:
    return privacy.MASK


# The masked form of each sensitive column's full value, as the screens mask it (students.privacy).
MASKS: dict[str, Callable[[Any], str]] = {
    "id_number": cn.mask_id_number,
    "student_number": privacy.mask_student_number,
    "guardian_phone": cn.mask_mobile,
    "village": _hidden,
    "address_detail": _hidden,
    "income": _hidden,
}


@dataclass(frozen=True)
class RegistryColumn:
    key: str
    heading: str
    kind: str = TEXT  # INTEGER for the row number, MONEY for the income (yuan)
    mask: Callable[[Any], str] | None = None


def registry_columns() -> list[RegistryColumn]:
    """序号, the 学籍 columns of the roster import, 特殊群体, 认定档次, 家庭人均年收入."""
    resource = RegistryResource()
    keys = ["number", *resource.get_export_order(), "special_groups", "tier", "income"]
    headings = [NUMBER_HEADER, *resource.get_export_headers(), *EXTRA_HEADERS]
    kinds = {"number": INTEGER, "income": MONEY}
    return [
        RegistryColumn(key, heading, kinds.get(key, TEXT), MASKS.get(key))
        for key, heading in zip(keys, headings, strict=True)
    ]


def column_headers() -> list[str]:
    return [column.heading for column in registry_columns()]


def export_students(
    *,
    user,
    school: School | None = None,
    school_class: SchoolClass | None = None,
    county: County | None = None,
    school_ids=(),
):
    """The students on roll of a class, a school, or a county (some of its schools) in the user's
    scope, with their classes and households, in the export's order (`registry_rows` reads the rest)."""
    students = Student.objects.visible_to(user).filter(status__in=ON_ROLL)
    if school is not None:
        students = students.filter(school=school)
    elif county is not None:
        students = students.filter(school__county=county)
        if school_ids:
            students = students.filter(school_id__in=school_ids)
    else:
        raise ValueError("the export needs a school or a county")
    if school_class is not None:
        students = students.filter(school_class=school_class)
    return students.select_related("school_class", "household").order_by(
        "school__code", "school_class__grade", "school_class__number", "name_pinyin", "pk"
    )


def special_groups_text(flags) -> str:
    """低保（民政局低保名单 2026-10-01）；单亲（家访）"""
    parts = []
    for flag in flags:
        if flag.from_official_list:
            source = f"{flag.list_name} {flag.list_date.isoformat()}"
        else:
            source = flag.get_source_display()
        parts.append(_("{group} ({source})").format(group=flag.get_group_display(), source=source))
    return _("; ").join(parts)


def registry_rows(students, *, chunk_size: int = CHUNK) -> Iterator[dict[str, Any]]:
    """One dict of full values per student of `export_students`, keyed as `registry_columns`, streamed.

    The households' members and special groups and the students' tiers are read for each chunk of
    students in three queries and looked up by id (Django's prefetch_related would do the same
    queries but costs as much again in bookkeeping per student)."""
    resource = RegistryResource(masked=False)
    keys = resource.get_export_order()
    stream = students.iterator(chunk_size=chunk_size)
    number = 0
    while chunk := list(islice(stream, chunk_size)):
        households = {student.household_id for student in chunk}
        members, flags = defaultdict(list), defaultdict(list)
        for member in HouseholdMember.objects.filter(household_id__in=households).only("household_id", "annual_income"):
            members[member.household_id].append(member)
        for flag in SpecialGroupFlag.objects.filter(household_id__in=households).order_by("household_id", "group"):
            flags[flag.household_id].append(flag)
        tiers = {
            (student_id, school_year_id): tier
            for student_id, school_year_id, tier in Identification.objects.filter(
                student_id__in=[student.pk for student in chunk]
            ).values_list("student_id", "school_year_id", "tier")
        }
        for student in chunk:
            number += 1
            row = dict(zip(keys, resource.export_resource(student), strict=True))
            row["number"] = number
            row["special_groups"] = special_groups_text(flags.get(student.household_id, ()))
            tier = tiers.get((student.pk, student.school_class.school_year_id)) if student.school_class else None
            row["tier"] = str(TIER_LABELS.get(tier, "")) if tier else ""
            row["income"] = student.household.per_capita_income(members.get(student.household_id, []))
            yield row


# How the registry's export is started as a job: given by the reports app when it is ready.
_EXPORT_JOB: dict[str, Callable[..., Any]] = {}


def register_export_job(start: Callable[..., Any]) -> None:
    """`start(actor=, school=, school_class=, full=, reason=)` checks, records and starts the job."""
    _EXPORT_JOB["start"] = start


def registry_export_start(
    *, actor, school: School, school_class: SchoolClass | None = None, full: bool = False, reason: str = ""
):
    """Start the export of a class or a school as a job; PermissionDenied, ValidationError (no reason)
    or Http404 as the job's service decides. Returns what the service returns (the export)."""
    try:
        start = _EXPORT_JOB["start"]
    except KeyError:
        raise ImproperlyConfigured("the registry export needs the reports app") from None
    return start(actor=actor, school=school, school_class=school_class, full=full, reason=reason)
