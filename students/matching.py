"""Official lists (数据比对): reading another agency's list, matching it by 身份证号, and the 应助尽助 gaps.

A list is evidence from another agency, not our data: a row that cannot be read is reported
with its row, column and reason and does not stop the others. A match sets the special group
on the household through `services.special_group_set_from_list`, the one way an official list
sets a flag.

Later stages say which students have approved aid through `register_aid_lookup`; this module
never imports them (DESIGN.md §6: data flows one way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from aidsys import cn, spreadsheets
from aidsys.models import AuditEvent, County, School, SchoolYear, Term
from aidsys.scope import scope_for
from aidsys.services.audit import Action, audit_record, diff, snapshot
from aidsys.spreadsheets import cell_text
from students import services
from students.models import (
    ON_ROLL,
    Household,
    HouseholdMember,
    OfficialList,
    OfficialListEntry,
    Relation,
    SpecialGroup,
    SpecialGroupFlag,
    Student,
)

Kind = OfficialList.Kind

# The special group each kind of list gives. A monitored household's list names its sub-group
# per row; a disability list gives one group or the other depending on who matched.
KIND_GROUP = {
    Kind.MINIMUM_LIVING: SpecialGroup.MINIMUM_LIVING,
    Kind.EXTREME_POVERTY: SpecialGroup.EXTREME_POVERTY,
    Kind.POVERTY_ALLEVIATED: SpecialGroup.POVERTY_ALLEVIATED,
    Kind.MONITORED: SpecialGroup.UNSTABLE_ALLEVIATED,
    Kind.DISABLED: SpecialGroup.DISABLED_STUDENT,
    Kind.ORPHAN: SpecialGroup.ORPHAN,
}

# Headers as other agencies' systems write them, compared after `spreadsheets.normalize_header`.
HEADER_ALIASES = {
    "id": ("身份证号", "身份证号码", "证件号码", "公民身份号码", "公民身份证号码", "身份证件号码"),
    "name": ("姓名", "成员姓名", "人员姓名"),
    "category": ("监测对象类别", "监测对象类型", "监测类别", "监测类型"),
}
# Words in a 监测对象类别 value that name the sub-group (脱贫不稳定户, 边缘易致贫户, 突发严重困难户).
MONITORED_CATEGORIES = (
    ("不稳定", SpecialGroup.UNSTABLE_ALLEVIATED),
    ("边缘", SpecialGroup.MARGINAL_AT_RISK),
    ("突发", SpecialGroup.SUDDEN_SEVERE_HARDSHIP),
)
# Bound to SQLite's limit on query parameters, with room for the scope's own.
ID_CHUNK = 500


@dataclass(frozen=True)
class ListRow:
    row: int
    id_number: str
    name: str
    group: str


@dataclass(frozen=True)
class Rejection:
    """A row that could not be read: where it is, the value (masked) and why, in the project's language."""

    row: int
    column: str
    header: str
    value: str
    reason: str


@dataclass
class ParsedList:
    rows: list[ListRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Reading the file


def _monitored_group(value: str) -> str | None:
    text = spreadsheets.normalize_header(value, notes=False)
    if not text:
        return SpecialGroup.UNSTABLE_ALLEVIATED
    for word, group in MONITORED_CATEGORIES:
        if word in text:
            return group
    return None


def official_list_read(upload, *, kind: str) -> ParsedList:
    """The rows of an uploaded list, and the rows that could not be read.

    Raises ValidationError for the file as a whole: too large, not a spreadsheet, unreadable, no
    身份证号 column, no rows.
    """
    file_kind, content = spreadsheets.read_upload(upload)
    return _parse(file_kind, content, kind)


def _parse(file_kind: str, content: bytes, kind: str) -> ParsedList:
    rows = spreadsheets.file_rows(file_kind, content)
    try:
        header = spreadsheets.find_header(rows, HEADER_ALIASES, required=("id",))
        if header is None:
            raise ValidationError(
                _(
                    "No ID number column was found in the first {count} rows. Name it 身份证号, 身份证号码, "
                    "证件号码 or 公民身份号码."
                ).format(count=spreadsheets.HEADER_SEARCH_ROWS),
                code="no_id_column",
            )
        columns = {key: header.index(key) for key in header.columns}
        parsed = ParsedList()
        with translation.override(settings.LANGUAGE_CODE):
            for number, values in rows:
                _read_row(parsed, number, list(values), columns, header.texts, kind)
    finally:
        rows.close()
    if not parsed.rows and not parsed.rejected:
        raise ValidationError(_("The list has a header but no rows."), code="empty")
    return parsed


def _read_row(parsed: ParsedList, number: int, values: list, columns: dict, headers: list, kind: str) -> None:
    if not any(cell_text(value) for value in values):
        return

    def cell(key):
        index = columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    def reject(key, value, reason):
        index = columns[key]
        parsed.rejected.append(
            Rejection(
                row=number,
                column=get_column_letter(index + 1),
                header=headers[index],
                value=value,
                reason=reason,
            )
        )

    raw_id = cell("id")
    id_text = cell_text(raw_id)
    if not id_text:
        reject("id", "", _("The ID number is empty."))
        return
    try:
        id_number = cn.normalize_id_number(id_text)
    except ValidationError as error:
        reason = " ".join(error.messages)
        if isinstance(raw_id, int | float):
            reason += " " + _(
                "The cell holds a number, and Excel keeps only 15 digits of a number: format the column as "
                "text and enter the ID numbers again."
            )
        reject("id", cn.mask_id_number(id_text), reason)
        return
    group = KIND_GROUP[kind]
    if kind == Kind.MONITORED and "category" in columns:
        category = cell_text(cell("category"))
        group = _monitored_group(category)
        if group is None:
            reject(
                "category",
                category,
                _(
                    "“{value}” is not a category of monitored households: "
                    "use 脱贫不稳定户, 边缘易致贫户 or 突发严重困难户."
                ).format(value=category),
            )
            return
    parsed.rows.append(ListRow(row=number, id_number=id_number, name=cell_text(cell("name"))[:50], group=group))


# ---------------------------------------------------------------------------------------------
# Matching and recording


@dataclass(frozen=True)
class Match:
    household_id: int
    student: Student | None
    member: HouseholdMember | None


@dataclass(frozen=True)
class UploadOutcome:
    official_list: OfficialList
    rows: int
    matched_rows: int
    rejected: list[Rejection]

    @property
    def unmatched_rows(self) -> int:
        return self.rows - self.matched_rows


def upload_units(user) -> list[tuple[str, str]]:
    """Where the user may upload a list: "school:<id>" for the aid office, "county:<id>" for county staff."""
    scope = scope_for(user)
    counties = County.objects.all() if scope.is_admin else County.objects.filter(pk__in=scope.county_ids)
    schools = School.objects.filter(pk__in=scope.aid_office_school_ids)
    units = [(f"county:{county.pk}", _("{county} (whole county)").format(county=county.name)) for county in counties]
    units += [(f"school:{school.pk}", school.name) for school in schools]
    return units


def unit_from_choice(user, value: str) -> School | County:
    """The school or county a choice from `upload_units` names; PermissionDenied for anything else."""
    if value not in dict(upload_units(user)):
        raise PermissionDenied
    kind, pk = value.split(":")
    return School.objects.select_related("county").get(pk=pk) if kind == "school" else County.objects.get(pk=pk)


def _may_upload_for(user, unit: School | County) -> bool:
    scope = scope_for(user)
    if isinstance(unit, School):
        return scope.manages_school(unit.pk)
    return scope.is_admin or unit.pk in scope.county_ids


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _find_matches(*, actor, unit: School | County, id_numbers: list[str]) -> dict[str, list[Match]]:
    """For each ID number, the households in scope it reaches: through a student, else through a member."""
    students = Student.objects.visible_to(actor).filter(status__in=ON_ROLL)
    students = students.filter(school=unit) if isinstance(unit, School) else students.filter(school__county=unit)
    by_student: dict[str, Student] = {}
    by_member: dict[str, list[HouseholdMember]] = {}
    for chunk in _chunks(id_numbers, ID_CHUNK):
        for student in students.filter(id_number__in=chunk).select_related("household"):
            by_student[student.id_number] = student
        members = (
            HouseholdMember.objects.filter(id_number__in=chunk, household_id__in=students.values("household_id"))
            .select_related("household")
            .order_by("pk")
        )
        for member in members:
            by_member.setdefault(member.id_number, []).append(member)
    matches: dict[str, list[Match]] = {}
    for id_number in id_numbers:
        found = []
        student = by_student.get(id_number)
        if student is not None:
            found.append(Match(household_id=student.household_id, student=student, member=None))
        for member in by_member.get(id_number, []):
            # The student's own member row, or a relative listed in two households: one match a household.
            if all(match.household_id != member.household_id for match in found):
                found.append(Match(household_id=member.household_id, student=None, member=member))
        if found:
            matches[id_number] = found
    return matches


def _group_for(kind: str, row_group: str, match: Match) -> str:
    if kind != Kind.DISABLED or match.student is not None:
        return row_group
    member = match.member
    if member.relation == Relation.SELF or member.student_id is not None:
        return SpecialGroup.DISABLED_STUDENT
    return SpecialGroup.CHILD_OF_DISABLED


def official_list_upload(
    *, actor, upload, kind: str, name: str, list_date: date, unit: School | County
) -> UploadOutcome:
    """Read a list, record it with its rows, and flag every household in the uploader's scope it names.

    Rows that cannot be read are reported and left out; the rest are recorded in one transaction.
    """
    if not _may_upload_for(actor, unit):
        raise PermissionDenied
    parsed = official_list_read(upload, kind=kind)
    return _record_list(
        actor=actor, parsed=parsed, kind=kind, name=name, list_date=list_date, unit=unit, file_name=upload.name
    )


@transaction.atomic
def _record_list(*, actor, parsed: ParsedList, kind, name, list_date, unit, file_name) -> UploadOutcome:
    matches = _find_matches(actor=actor, unit=unit, id_numbers=sorted({row.id_number for row in parsed.rows}))
    school = unit if isinstance(unit, School) else None
    official_list = OfficialList(
        kind=kind,
        name=name,
        list_date=list_date,
        county=unit.county if school else unit,
        school=school,
        file_name=(file_name or "")[-200:],
        uploaded_by=actor,
    )
    official_list.full_clean()
    official_list.save()
    row_numbers = {row.row for row in parsed.rows}
    matched_rows = {row.row for row in parsed.rows if row.id_number in matches}
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=official_list,
        changes={
            **diff({}, snapshot(official_list)),
            "rows": [None, len(row_numbers)],
            "matched_rows": [None, len(matched_rows)],
            "rejected_rows": [None, [asdict(rejection) for rejection in parsed.rejected]],
        },
    )
    entries = []
    flags: dict[tuple[int, str], Household] = {}
    for row in parsed.rows:
        row_matches = matches.get(row.id_number)
        if not row_matches:
            entries.append(_entry(official_list, row, row.group))
            continue
        for match in row_matches:
            group = _group_for(kind, row.group, match)
            entries.append(_entry(official_list, row, group, match))
            household = match.student.household if match.student else match.member.household
            flags.setdefault((match.household_id, group), household)
    OfficialListEntry.objects.bulk_create(entries)
    for (_household_id, group), household in sorted(flags.items(), key=lambda item: item[0]):
        services.special_group_set_from_list(actor=actor, household=household, group=group, official_list=official_list)
    return UploadOutcome(
        official_list=official_list,
        rows=len(row_numbers),
        matched_rows=len(matched_rows),
        rejected=parsed.rejected,
    )


def _entry(official_list, row: ListRow, group: str, match: Match | None = None) -> OfficialListEntry:
    return OfficialListEntry(
        official_list=official_list,
        row_number=row.row,
        id_number=row.id_number,
        name=row.name,
        group=group,
        matched_student=match.student if match else None,
        matched_member=match.member if match else None,
    )


# ---------------------------------------------------------------------------------------------
# Reading lists back


_MATCHED = Q(entries__matched_student__isnull=False) | Q(entries__matched_member__isnull=False)


def official_lists(*, user):
    """The lists in the user's scope, newest first, with how many rows they have and how many matched."""
    return (
        OfficialList.objects.visible_to(user)
        .select_related("county", "school", "uploaded_by")
        .annotate(
            row_count=Count("entries__row_number", distinct=True),
            matched_count=Count("entries__row_number", filter=_MATCHED, distinct=True),
        )
        .order_by("-uploaded_at", "-pk")
    )


def official_list_for_page(*, user, pk: int) -> OfficialList:
    official_list = official_lists(user=user).filter(pk=pk).first()
    if official_list is None:
        raise Http404
    return official_list


def _visible_students(user):
    return Student.objects.visible_to(user).filter(status__in=ON_ROLL).select_related("school_class")


def matched_entries(*, user, official_list: OfficialList):
    """The list's matched rows, with the students each reaches that the user may see."""
    return (
        official_list.entries.filter(Q(matched_student__isnull=False) | Q(matched_member__isnull=False))
        .select_related("matched_student__school_class", "matched_student__household", "matched_member__household")
        .prefetch_related(
            "matched_student__household__special_groups",
            "matched_member__household__special_groups",
            Prefetch("matched_member__household__students", queryset=_visible_students(user), to_attr="visible"),
        )
        .order_by("row_number", "pk")
    )


@dataclass(frozen=True)
class MatchedRow:
    entry: OfficialListEntry
    students: list[Student]
    member: HouseholdMember | None
    # The flag for this group now comes from another (newer) list: that list's name and date.
    superseded_by: SpecialGroupFlag | None


def matched_rows(entries: Iterable[OfficialListEntry], *, user) -> list[MatchedRow]:
    """Rows for the result page from `matched_entries` (one page of them)."""
    entries = list(entries)
    student_ids = [entry.matched_student_id for entry in entries if entry.matched_student_id]
    visible_ids = set(Student.objects.visible_to(user).filter(pk__in=student_ids).values_list("pk", flat=True))
    rows = []
    for entry in entries:
        if entry.matched_student is not None:
            household = entry.matched_student.household
            students = [entry.matched_student] if entry.matched_student_id in visible_ids else []
        else:
            household = entry.matched_member.household
            students = household.visible
        flag = next((f for f in household.special_groups.all() if f.group == entry.group), None)
        superseded = flag if flag is not None and flag.official_list_id != entry.official_list_id else None
        rows.append(MatchedRow(entry=entry, students=students, member=entry.matched_member, superseded_by=superseded))
    return rows


def unmatched_entries(*, official_list: OfficialList):
    return official_list.entries.filter(matched_student__isnull=True, matched_member__isnull=True).order_by(
        "row_number", "pk"
    )


def rejected_rows(*, official_list: OfficialList) -> list[dict]:
    """The rows that could not be read, as the upload's audit event recorded them."""
    event = AuditEvent.objects.for_object(official_list).filter(action=Action.CREATE).order_by("pk").first()
    if event is None:
        return []
    return (event.changes.get("rejected_rows") or [None, []])[1] or []


def school_year_for(official_list: OfficialList) -> SchoolYear | None:
    """The school year the list's gaps are counted in: the school's current one, else today's."""
    term = (official_list.school.current_term if official_list.school else None) or Term.current()
    return term.school_year if term else None


# ---------------------------------------------------------------------------------------------
# 应助尽助: students on an official list without approved aid

AidLookup = Callable[[Iterable[int], SchoolYear], set[int]]
_aid_lookups: list[AidLookup] = []


def register_aid_lookup(lookup: AidLookup) -> AidLookup:
    """A later stage says which students have approved aid: lookup(student_ids, school_year) -> ids with aid.

    `student_ids` is a lazy queryset of ids: use it in an `__in` lookup. Registered from an
    AppConfig.ready(); usable as a decorator.
    """
    if lookup not in _aid_lookups:
        _aid_lookups.append(lookup)
    return lookup


def unregister_aid_lookup(lookup: AidLookup) -> None:
    if lookup in _aid_lookups:
        _aid_lookups.remove(lookup)


def students_with_approved_aid(student_ids, school_year: SchoolYear) -> set[int]:
    with_aid: set[int] = set()
    for lookup in _aid_lookups:
        with_aid |= set(lookup(student_ids, school_year))
    return with_aid


def aid_gaps(*, user, school_year: SchoolYear, school: School | None = None, county: County | None = None):
    """Students in scope whose household is on an official list and who have no approved aid this school year."""
    official = SpecialGroupFlag.objects.filter(
        household=OuterRef("household"), source=SpecialGroupFlag.Source.OFFICIAL_LIST
    )
    students = Student.objects.visible_to(user).filter(Exists(official), status__in=ON_ROLL)
    if school is not None:
        students = students.filter(school=school)
    if county is not None:
        students = students.filter(school__county=county)
    with_aid = students_with_approved_aid(students.values_list("pk", flat=True), school_year)
    if with_aid:
        students = students.exclude(pk__in=with_aid)
    return (
        students.select_related("school", "school_class", "household")
        .prefetch_related(
            Prefetch(
                "household__special_groups",
                queryset=SpecialGroupFlag.objects.filter(source=SpecialGroupFlag.Source.OFFICIAL_LIST).order_by(
                    "group"
                ),
                to_attr="official_flags",
            )
        )
        .order_by("school__code", "school_class__grade", "school_class__number", "name_pinyin")
    )
