"""Official lists (数据比对): reading another agency's list, matching it by 身份证号, and the 应助尽助 gaps.

A list is evidence from another agency, not our data: a row that cannot be read is reported
with its row, column and reason and does not stop the others. A match sets the special group
on the household through `services.special_group_set_from_list`, the one way an official list
sets a flag. A county's list (50,000 students to look through) or a long one is checked in the
request and matched by a background task (`official_list_job_create`, `official_list_job_run`).
The lists are read back through `students.selectors`.

Later stages say which students have approved aid through `register_aid_lookup`; this module
never imports them (DESIGN.md §6: data flows one way).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from aidsys import cn, spreadsheets
from aidsys.context import current_request_context
from aidsys.models import County, Job, School
from aidsys.scope import can_act_for_county, can_manage_school, scope_for
from aidsys.services.audit import Action, audit_record, diff, snapshot
from aidsys.services.jobs import JobProgress, job_create, job_fail, job_finish, job_set_total
from aidsys.spreadsheets import cell_text
from aidsys.storage import kept_files
from students import services
from students.imports.job import UPLOAD_FOLDER, Upload
from students.imports.planning import async_rows
from students.models import (
    ON_ROLL,
    Household,
    HouseholdMember,
    OfficialList,
    OfficialListEntry,
    Relation,
    SpecialGroup,
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
    Kind.UNSUPPORTED_CHILD: SpecialGroup.UNSUPPORTED_CHILD,
}
# 民政 often keeps 孤儿 and 事实无人抚养儿童 in one list with a column that says which: where the
# column is there, each row's value decides, whichever of the two kinds the list was uploaded as.
CHILD_KINDS = (Kind.ORPHAN, Kind.UNSUPPORTED_CHILD)
CHILD_CATEGORIES = (
    ("无人抚养", SpecialGroup.UNSUPPORTED_CHILD),
    ("孤儿", SpecialGroup.ORPHAN),
)

# Headers as other agencies' systems write them, compared after `spreadsheets.normalize_header`.
HEADER_ALIASES = {
    "id": ("身份证号", "身份证号码", "证件号码", "公民身份号码", "公民身份证号码", "身份证件号码"),
    "name": ("姓名", "成员姓名", "人员姓名"),
    "category": ("监测对象类别", "监测对象类型", "监测类别", "监测类型"),
    # Not a bare 类别 or 保障类别: an orphans' list often uses those for 集中供养 or 分散供养.
    "child_category": ("儿童类别", "人员类别", "对象类别"),
}
# Words in a 监测对象类别 value that name the sub-group (脱贫不稳定户, 边缘易致贫户, 突发严重困难户).
MONITORED_CATEGORIES = (
    ("不稳定", SpecialGroup.UNSTABLE_ALLEVIATED),
    ("边缘", SpecialGroup.MARGINAL_AT_RISK),
    ("突发", SpecialGroup.SUDDEN_SEVERE_HARDSHIP),
)
# Bound to SQLite's limit on query parameters, with room for the scope's own.
ID_CHUNK = 500
OFFICIAL_LIST_JOB = "students.official_list_match"
# Entries are inserted in batches of this many; a background match reports its progress every so many writes.
ENTRY_BATCH = 1000
PROGRESS_EVERY = 200


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


def _category_group(value: str, categories, default: str) -> str | None:
    text = spreadsheets.normalize_header(value, notes=False)
    if not text:
        return default
    for word, group in categories:
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
    if kind in CHILD_KINDS and "child_category" in columns:
        category = cell_text(cell("child_category"))
        group = _category_group(category, CHILD_CATEGORIES, group)
        if group is None:
            reject(
                "child_category",
                category,
                _("“{value}” is neither 孤儿 nor 事实无人抚养儿童.").format(value=category),
            )
            return
    if kind == Kind.MONITORED and "category" in columns:
        category = cell_text(cell("category"))
        group = _category_group(category, MONITORED_CATEGORIES, SpecialGroup.UNSTABLE_ALLEVIATED)
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

    def summary(self) -> str:
        return _("The list has been matched: {matched} of {rows} rows name a student or a family member.").format(
            matched=self.matched_rows, rows=self.rows
        )

    def as_result(self) -> dict:
        """What a job keeps of the outcome: ids and counts."""
        return {
            "official_list": self.official_list.pk,
            "rows": self.rows,
            "matched_rows": self.matched_rows,
            "rejected_rows": len(self.rejected),
        }


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
    return can_manage_school(user, unit) if isinstance(unit, School) else can_act_for_county(user, unit)


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


@dataclass(frozen=True)
class CheckedList:
    """A list file read and checked, not yet recorded."""

    file_name: str
    content: bytes
    parsed: ParsedList

    @property
    def rows(self) -> int:
        return len({row.row for row in self.parsed.rows}) + len(self.parsed.rejected)


def official_list_check(*, actor, upload, kind: str, unit: School | County) -> CheckedList:
    """What can be told at once: the uploader's right, the file, its header and rows. Nothing is written.

    Raises PermissionDenied, or ValidationError for the file as a whole.
    """
    if not _may_upload_for(actor, unit):
        raise PermissionDenied
    file_kind, content = spreadsheets.read_upload(upload)
    return CheckedList(file_name=upload.name or "", content=content, parsed=_parse(file_kind, content, kind))


def official_list_upload(
    *, actor, upload, kind: str, name: str, list_date: date, unit: School | County
) -> UploadOutcome:
    """Read a list, record it with its rows, and flag every household in the uploader's scope it names.

    Rows that cannot be read are reported and left out; the rest are recorded in one transaction.
    """
    checked = official_list_check(actor=actor, upload=upload, kind=kind, unit=unit)
    return official_list_record(actor=actor, checked=checked, kind=kind, name=name, list_date=list_date, unit=unit)


def official_list_record(
    *, actor, checked: CheckedList, kind: str, name: str, list_date: date, unit: School | County, job: Job | None = None
) -> UploadOutcome:
    """Record a checked list with its rows and flag the households it names, in one transaction.

    With a `job`, its progress is reported as entries and flags are written, and the job is
    finished in the same transaction: a list is recorded exactly when its job is done.
    """
    if not _may_upload_for(actor, unit):
        raise PermissionDenied
    parsed = checked.parsed
    matches = _find_matches(actor=actor, unit=unit, id_numbers=sorted({row.id_number for row in parsed.rows}))
    entries, flags = _entries_and_flags(parsed, kind, matches)
    if job is not None:
        job_set_total(job=job, total=len(entries) + len(flags))
    progress = JobProgress(job, every=PROGRESS_EVERY) if job is not None else nullcontext(_no_progress)
    with progress as report, transaction.atomic():
        official_list = OfficialList(
            kind=kind,
            name=name,
            list_date=list_date,
            county=unit if isinstance(unit, County) else unit.county,
            school=unit if isinstance(unit, School) else None,
            file_name=checked.file_name[-200:],
            uploaded_by=actor,
        )
        outcome = UploadOutcome(
            official_list=official_list,
            rows=len({row.row for row in parsed.rows}),
            matched_rows=len({row.row for row in parsed.rows if row.id_number in matches}),
            rejected=parsed.rejected,
        )
        _official_list_create(actor=actor, outcome=outcome)
        for start in range(0, len(entries), ENTRY_BATCH):
            batch = entries[start : start + ENTRY_BATCH]
            for entry in batch:
                entry.official_list = official_list
            OfficialListEntry.objects.bulk_create(batch)
            report(start + len(batch))
        # In the order of the households, as every upload locks them: two at once cannot deadlock.
        for done, ((_household_id, group), household) in enumerate(sorted(flags.items()), start=len(entries) + 1):
            services.special_group_set_from_list(
                actor=actor, household=household, group=group, official_list=official_list
            )
            report(done)
        if job is not None:
            job_finish(job=job, result=outcome.as_result(), message=outcome.summary())
    return outcome


def _no_progress(done: int) -> None:
    pass


def _entries_and_flags(
    parsed: ParsedList, kind: str, matches: dict[str, list[Match]]
) -> tuple[list[OfficialListEntry], dict[tuple[int, str], Household]]:
    """An entry for each row and household it reaches (one for a row that reaches none), and the flags to set."""
    entries: list[OfficialListEntry] = []
    flags: dict[tuple[int, str], Household] = {}
    for row in parsed.rows:
        row_matches = matches.get(row.id_number)
        if not row_matches:
            entries.append(_entry(row, row.group))
            continue
        for match in row_matches:
            group = _group_for(kind, row.group, match)
            entries.append(_entry(row, group, match))
            household = match.student.household if match.student else match.member.household
            flags.setdefault((match.household_id, group), household)
    return entries, flags


def _official_list_create(*, actor, outcome: UploadOutcome) -> None:
    official_list = outcome.official_list
    official_list.full_clean()
    official_list.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=official_list,
        changes={
            **diff({}, snapshot(official_list)),
            "rows": [None, outcome.rows],
            "matched_rows": [None, outcome.matched_rows],
            "rejected_rows": [None, [asdict(rejection) for rejection in outcome.rejected]],
        },
    )


def _entry(row: ListRow, group: str, match: Match | None = None) -> OfficialListEntry:
    return OfficialListEntry(
        row_number=row.row,
        id_number=row.id_number,
        name=row.name,
        group=group,
        matched_student=match.student if match else None,
        matched_member=match.member if match else None,
    )


# ---------------------------------------------------------------------------------------------
# Matching in the background: a county's list, or any long one


def in_background(*, checked: CheckedList, unit: School | County) -> bool:
    """A county's list (tens of thousands of students to look through) or a long one is matched by a task."""
    return isinstance(unit, County) or checked.rows > async_rows()


def official_list_job_create(
    *, actor, checked: CheckedList, kind: str, name: str, list_date: date, unit: School | County
) -> Job:
    """A background match of a checked list. The file is kept until the task has read it; the job holds ids only."""
    if not _may_upload_for(actor, unit):
        raise PermissionDenied
    token = secrets.token_hex(16)
    safe_name = get_valid_filename(PurePosixPath(checked.file_name).name) or "list"
    context = current_request_context()
    with kept_files() as kept:
        # Under the roster uploads' folder, so that a file a task never took is purged with theirs.
        path = kept.store(
            default_storage, f"{UPLOAD_FOLDER}/official-{actor.pk}-{token}/{safe_name}", ContentFile(checked.content)
        )
        return job_create(
            kind=OFFICIAL_LIST_JOB,
            owner=actor,
            school=unit if isinstance(unit, School) else None,
            params={
                "upload": path,
                "file_name": checked.file_name,
                "unit": f"{'school' if isinstance(unit, School) else 'county'}:{unit.pk}",
                "kind": kind,
                "name": name,
                "list_date": list_date.isoformat(),
                "request_id": context.request_id,
                "ip": context.ip,
            },
        )


def official_list_job_run(*, job: Job) -> None:
    """Read the kept file again and record the list; the job ends done with the list's id, or failed saying why."""
    params = job.params
    upload = Upload(params["upload"], params["file_name"])
    with translation.override(settings.LANGUAGE_CODE):
        try:
            content = upload.read()
        except FileNotFoundError:
            job_fail(job=job, message=_("The uploaded file is gone; nothing was matched. Please upload it again."))
            return
        try:
            unit = unit_from_choice(job.owner, params["unit"])
            file_kind = spreadsheets.check_file(upload.name, content)
            checked = CheckedList(upload.name, content, _parse(file_kind, content, params["kind"]))
            official_list_record(
                actor=job.owner,
                checked=checked,
                kind=params["kind"],
                name=params["name"],
                list_date=date.fromisoformat(params["list_date"]),
                unit=unit,
                job=job,
            )
        except PermissionDenied:
            job_fail(
                job=job, message=_("You may no longer match lists for this school or county; nothing was matched.")
            )
        except ValidationError as error:
            job_fail(job=job, message=" ".join(error.messages))
        finally:
            upload.delete()
