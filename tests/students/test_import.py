"""Roster import: the plan (every error with row, column, value, reason), the all-or-nothing write,
the aid office's page with its preview and background job, and the admin."""

import csv
import io
import os
import re
import time
from datetime import date, datetime

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone, translation

from aidsys import cn
from aidsys.models import AuditEvent, Job, SchoolClass
from aidsys.services.jobs import JobProgress, job_create, job_fail, job_start
from students import imports, tasks
from students import services as registry_services
from students.imports import RosterNotApplied, roster_apply, roster_plan
from students.imports import job as import_job
from students.imports.planning import NOT_IMPORTABLE
from students.imports.reading import RosterSheet, read_sheet
from students.models import Household, Student
from students.resources import StudentResource, parse_grade
from tests.aidsys.test_spreadsheets import stating
from tests.factories import StudentFactory, make_id_number

Action = AuditEvent.Action
HEADERS = [
    "姓名",
    "性别",
    "身份证号",
    "学籍号",
    "民族",
    "年级",
    "班级",
    "户籍性质",
    "是否寄宿",
    "监护人姓名",
    "监护人关系",
    "监护人电话",
]


def student_row(name="王小明", male=True, id_number=None, **cells) -> dict:
    """One valid row of 一年级(1)班, keyed by the canonical headers."""
    id_number = id_number or make_id_number(date(2019, 10, 8), male)
    row = {
        "姓名": name,
        "性别": "男" if male else "女",
        "身份证号": id_number,
        "学籍号": "G" + id_number,
        "民族": "汉族",
        "年级": "一年级",
        "班级": "1",
        "户籍性质": "农村",
        "是否寄宿": "否",
        "监护人姓名": "王大山",
        "监护人关系": "父亲",
        "监护人电话": "13812345678",
    }
    row.update(cells)
    return row


def _table(rows, headers, written):
    written = written or {}
    return [written.get(header, header) for header in headers], [[row.get(h, "") for h in headers] for row in rows]


def roster_xlsx(rows, headers=HEADERS, written=None, title_rows=()) -> bytes:
    """A workbook as the 学籍 system exports it; `written` gives a header another spelling."""
    header_row, data = _table(rows, headers, written)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append(title)
    sheet.append(header_row)
    for values in data:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_csv(rows, headers=HEADERS, written=None, encoding="utf-8-sig") -> bytes:
    header_row, data = _table(rows, headers, written)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header_row)
    writer.writerows(data)
    return buffer.getvalue().encode(encoding)


def plan_for(cast, content, name="花名册.xlsx", school=None):
    return roster_plan(school=school or cast.school, content=content, file_name=name)


def errors_as_tuples(plan):
    return [(e.row, e.column, e.letter, e.value) for e in plan.errors]


@pytest.fixture
def sibling_class(cast):
    return SchoolClass.objects.create(school=cast.sibling_school, school_year=cast.school_year, grade=21, number=1)


class TestRosterPlan:
    def test_a_valid_file_plans_new_students(self, cast):
        plan = plan_for(cast, roster_xlsx([student_row("王小明"), student_row("李小红", male=False, 班级="2")]))
        assert plan.ok and plan.rows == 2
        assert [row.fields["name"] for row in plan.new] == ["王小明", "李小红"]
        assert plan.new[1].fields["school_class"] == cast.class_2.pk

    def test_every_bad_row_of_a_workbook_is_reported_with_row_column_letter_and_value(self, cast):
        rows = [
            student_row("王小明"),
            student_row("李小红", id_number="439901201910080012"),  # wrong check digit
            student_row("张伟", 性别="男女"),
            student_row("", 户籍性质=""),
            student_row("刘洋", 班级="9"),
        ]
        with translation.override("en"):
            plan = plan_for(cast, roster_xlsx(rows))
        assert errors_as_tuples(plan) == [
            (3, "身份证号", "C", cn.mask_id_number("439901201910080012")),
            (4, "性别", "B", "男女"),
            (5, "姓名", "A", ""),
            (5, "户籍性质", "H", ""),
            (6, "班级", "G", "9"),
        ]
        # All or nothing: 王小明's good row is not written either.
        with pytest.raises(RosterNotApplied) as caught:
            roster_apply(plan=plan, actor=cast.li)
        assert caught.value.errors == plan.errors
        assert not Student.objects.exists() and not AuditEvent.objects.exists()
        reasons = [e.reason for e in plan.errors]
        assert reasons[0].startswith("The last character of the ID number should be")
        assert reasons[1] == "Write 男 or 女."
        assert reasons[2] == reasons[3] == "This column must not be empty."
        assert reasons[4] == "The school has no class Grade 1(9) in the 2026–2027 school year."

    def test_every_bad_row_of_a_csv_is_reported_without_column_letters(self, cast):
        rows = [student_row("王小明", 是否寄宿="也许"), student_row("李小红", 年级="十三年级")]
        with translation.override("en"):
            plan = plan_for(cast, roster_csv(rows), name="roster.csv")
        assert errors_as_tuples(plan) == [(2, "是否寄宿", "", "也许"), (3, "年级", "", "十三年级")]
        assert [e.reason for e in plan.errors] == [
            "Write 是 or 否.",
            "This is not a grade; write it like 一年级, 初一 or 高一.",
        ]

    def test_full_width_digits_stray_spaces_and_a_lower_case_x_are_normalised_silently(self, cast):
        id_number = next(n for n in (make_id_number(date(2019, 10, 8)) for _ in range(40)) if n.endswith("X"))
        full_width = str.maketrans("0123456789", "０１２３４５６７８９")
        written = " ".join(id_number[:6]) + id_number[6:-1].translate(full_width)
        row = student_row(
            " 王 小明 ", id_number=written + "x", 班级="（１）班", 监护人电话="138 1234 5678", 民族="汉", 性别=" 男 "
        )
        plan = plan_for(cast, roster_xlsx([row]))
        assert plan.ok, plan.errors
        fields = plan.new[0].fields
        assert fields["id_number"] == id_number
        assert fields["name"] == "王小明"
        assert fields["guardian_phone"] == "13812345678"
        assert fields["ethnicity"] == "01"
        assert fields["birth_date"] == date(2019, 10, 8)

    def test_headers_are_matched_whatever_their_spacing_brackets_synonyms_or_title_rows(self, cast):
        written = {
            "姓名": "姓 名",
            "性别": "姓别",
            "身份证号": "*身份证件号",
            "户籍性质": "户口性质",
            "是否寄宿": "寄宿生",
            "监护人电话": "监护人手机号（必填）",
            "班级": "班级　",
        }
        content = roster_xlsx([student_row(是否寄宿="Y")], written=written, title_rows=[["青山县实验小学学生名单"]])
        plan = plan_for(cast, content)
        assert plan.ok, plan.errors
        assert plan.new[0].row == 3
        assert plan.new[0].fields["boarder"] is True
        assert plan.columns["guardian_phone"].header == "监护人手机号（必填）"

    def test_a_missing_required_header_is_reported(self, cast):
        headers = [h for h in HEADERS if h not in ("性别", "户籍性质")]
        with translation.override("en"):
            plan = plan_for(cast, roster_xlsx([student_row()], headers=headers))
        assert [(e.row, e.column, e.reason) for e in plan.errors] == [
            (1, "性别", "The file has no column 性别, which is required."),
            (1, "户籍性质", "The file has no column 户籍性质, which is required."),
        ]
        assert not plan.new

    def test_a_sheet_kept_as_json_gives_the_same_plan_as_the_file(self, cast):
        rows = [
            student_row("王小明"),
            {**student_row("李小红", male=False), "出生日期": datetime(2019, 10, 8)},
            {**student_row("张伟"), "身份证号": 4.39901201910080e17},
            {**student_row("赵小雨"), "出生日期": date(2019, 1, 2)},
        ]
        content = roster_xlsx(rows, headers=[*HEADERS, "出生日期"])
        sheet = read_sheet(content=content, file_name="花名册.xlsx")
        kept = RosterSheet.from_json(sheet.to_json())
        assert kept == sheet
        again = imports.sheet_plan(school=cast.school, sheet=kept)
        assert again.digest() == plan_for(cast, content).digest()
        assert [(e.row, e.column) for e in again.errors] == [(4, "身份证号"), (5, "出生日期")]

    def test_an_id_number_twice_in_the_file_names_both_rows(self, cast):
        twin = make_id_number(date(2019, 10, 8))
        with translation.override("en"):
            rows = [student_row("王小明", id_number=twin), student_row("王小亮", id_number=twin)]
            plan = plan_for(cast, roster_xlsx(rows))
        [error] = plan.errors
        assert (error.row, error.column) == (3, "身份证号")
        assert error.reason == "The same ID number is in rows 2 and 3."

    def test_an_id_number_enrolled_at_another_school_of_the_county_is_dual_enrolment(self, cast, sibling_class):
        elsewhere = StudentFactory(school_class=sibling_class)
        with translation.override("en"):
            plan = plan_for(cast, roster_xlsx([student_row(id_number=elsewhere.id_number), student_row("李小红")]))
        [error] = plan.errors
        assert error.row == 2 and error.column == "身份证号"
        assert error.reason == "Dual enrolment (双重学籍): this ID number is already registered at 青山县第二小学."
        assert len(plan.new) == 1

    @pytest.mark.parametrize("status", ["enrolled", "transferred_in", "suspended"])
    def test_a_student_on_roll_at_another_school_of_the_county_is_still_dual_enrolment_in_chinese(
        self, cast, sibling_class, status
    ):
        elsewhere = StudentFactory(school_class=sibling_class, status=status)
        with translation.override("zh-hans"):
            plan = plan_for(cast, roster_xlsx([student_row(id_number=elsewhere.id_number)]))
        [error] = plan.errors
        assert (error.row, error.column, error.value) == (2, "身份证号", cn.mask_id_number(elsewhere.id_number))
        assert "双重学籍" in error.reason and "青山县第二小学" in error.reason
        assert not plan.changed and not plan.new

    @pytest.mark.parametrize("status", ["graduated", "transferred_out"])
    def test_a_student_who_left_another_school_of_the_county_is_planned_as_a_transfer(
        self, cast, sibling_class, status
    ):
        elsewhere = StudentFactory(school_class=sibling_class, status=status, name="王小明")
        plan = plan_for(cast, roster_xlsx([student_row("王小明", id_number=elsewhere.id_number)]))
        assert plan.ok, plan.errors
        assert not plan.new and not plan.updates
        [transfer] = plan.transfers
        assert (transfer.row, transfer.student_id, transfer.from_school) == (2, elsewhere.pk, "青山县第二小学")
        assert transfer.changes["school"] == [cast.sibling_school.pk, cast.school.pk]
        assert transfer.changes["school_class"] == [sibling_class.pk, cast.class_1.pk]
        assert transfer.changes["status"] == [status, "transferred_in"]
        assert transfer.changes["status_since"] == [None, timezone.localdate()]

    @pytest.mark.parametrize("status", ["enrolled", "graduated"])
    def test_an_id_number_registered_in_another_county_is_refused_without_saying_where(self, cast, status):
        elsewhere = StudentFactory(school_class=cast.other_class, status=status)
        with translation.override("zh-hans"):
            plan = plan_for(cast, roster_xlsx([student_row(id_number=elsewhere.id_number)]))
            generic = str(NOT_IMPORTABLE)
        [error] = plan.errors
        assert (error.row, error.column, error.value) == (2, "身份证号", cn.mask_id_number(elsewhere.id_number))
        assert error.reason == generic
        for revealing in (cast.other_county.name, cast.other_school.name, "外县", "其他县", "另一", "已在", "学籍"):
            assert revealing not in error.reason
        assert not plan.new and not plan.changed

    def test_a_gender_or_birth_date_that_contradicts_the_id_number_is_reported(self, cast):
        rows = [
            student_row("王小明", male=True, 性别="女"),
            {**student_row("李小红", male=False), "出生日期": "2019-10-09"},
            {**student_row("张伟"), "出生日期": "2019/10/8"},
        ]
        with translation.override("en"):
            plan = plan_for(cast, roster_xlsx(rows, headers=[*HEADERS, "出生日期"]))
        assert [(e.row, e.column, e.reason) for e in plan.errors] == [
            (2, "性别", "The ID number is that of a 男 student."),
            (3, "出生日期", "The birth date does not match the ID number."),
        ]

    def test_sensitive_values_in_errors_are_masked_also_on_the_job_result_page(self, cast, client_for):
        headers = [*HEADERS, "出生日期", "村", "详细地址"]
        village, address = "枫树村" + "十" * 50, "三组" + "号" * 200
        rows = [
            {**student_row("王小明"), "出生日期": "2019-10-09"},
            student_row("李小红", male=False, 村=village, 详细地址=address),
        ]
        with translation.override("en"):
            plan = plan_for(cast, roster_xlsx(rows, headers=headers))
        assert [(e.row, e.column, e.value) for e in plan.errors] == [
            (2, "出生日期", "****"),
            (3, "村", "****"),
            (3, "详细地址", "****"),
        ]
        assert plan.errors[1].reason == "At most 50 characters."
        job = job_create(kind=imports.ROSTER_JOB, owner=cast.li, school=cast.school)
        job_start(job_id=job.pk)
        job_fail(job=job, message="x", result=imports.job._result(plan))
        html = client_for(cast.zhang).get(f"/import-jobs/{job.pk}/").content.decode()
        assert 'data-testid="import-errors"' in html
        for shown in ("2019-10-09", "2019-10-08", "20191008", "枫树村", "三组"):
            assert shown not in html

    def test_an_id_number_stored_as_a_number_is_reported_as_damaged(self, cast):
        row = student_row()
        row["身份证号"] = float(row["身份证号"][:17] + "0")
        with translation.override("en"):
            plan = plan_for(cast, roster_xlsx([row]))
            from_csv = plan_for(cast, roster_csv([student_row(id_number="4.39901E+17")]), name="roster.csv")
        for damaged in (plan, from_csv):
            [error] = damaged.errors
            assert error.reason.startswith("The ID number was stored as a number")

    @pytest.mark.parametrize(
        ("grade", "school_class"),
        [
            ("一年级", "2"),
            ("1", "(2)班"),
            ("一年级", "2班"),
            ("一年级", "一年级(2)班"),
            ("小学一年级", "二班"),
            ("1年级", "02"),
        ],
    )
    def test_grades_and_classes_are_read_in_their_usual_spellings(self, cast, grade, school_class):
        plan = plan_for(cast, roster_xlsx([student_row(年级=grade, 班级=school_class)]))
        assert plan.ok, plan.errors
        assert plan.new[0].fields["school_class"] == cast.class_2.pk

    def test_a_class_of_another_grade_than_the_grade_column_is_reported(self, cast):
        with translation.override("en"):
            plan = plan_for(cast, roster_xlsx([student_row(班级="三年级(2)班")]))
        assert [e.reason for e in plan.errors] == ["The class is not in the grade the column 年级 gives."]

    @pytest.mark.parametrize(
        ("text", "stages", "grade"),
        [
            ("七年级", ["junior"], 31),
            ("初二", ["junior"], 32),
            ("高一", ["senior"], 41),
            ("一年级", ["senior"], 41),
            ("12", ["senior"], 43),
            ("一年级", ["primary", "junior"], 21),
            ("九年级", ["primary", "junior"], 33),
            ("大班", ["kindergarten"], 13),
            ("十三年级", ["senior"], None),
            ("一班", ["primary"], None),
        ],
    )
    def test_grades_map_to_the_codes_of_the_school_stages(self, text, stages, grade):
        assert parse_grade(text, stages) == grade

    def test_a_file_that_is_not_a_workbook_is_refused_with_a_clear_message(self, cast):
        with translation.override("en"):
            plan = plan_for(cast, b"PK\x03\x04 not really a zip", name="roster.xlsx")
            other = plan_for(cast, b"%PDF-1.4", name="roster.pdf")
        assert [e.reason for e in plan.errors] == [
            "“roster.xlsx” is a zip archive or a Word document, not an Excel workbook (.xlsx) or a CSV file: "
            "it cannot be read as a list. Nothing has been saved."
        ]
        [error] = other.errors
        assert error.reason == (
            "“roster.pdf” is a PDF document, not an Excel workbook (.xlsx) or a CSV file: it cannot be read as a "
            "list. Nothing has been saved."
        )

    def test_a_damaged_workbook_is_reported_not_raised(self, cast):
        content = roster_xlsx([student_row()])
        damaged = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(damaged, "w") as target:
            for item in source.infolist():
                data = source.read(item)
                target.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
        with translation.override("en"):
            plan = plan_for(cast, damaged.getvalue())
        assert [e.reason for e in plan.errors] == ["The file cannot be read: it may be damaged."]

    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
    def test_a_csv_is_read_in_utf8_with_or_without_bom_and_in_gb18030(self, cast, encoding):
        plan = plan_for(cast, roster_csv([student_row("王小明")], encoding=encoding), name="roster.csv")
        assert plan.ok, plan.errors
        assert plan.new[0].fields["name"] == "王小明"

    def test_a_file_over_the_size_limit_is_refused(self, cast, settings):
        settings.AIDSYS_IMPORT_MAX_MB = 0.001
        with translation.override("en"):
            plan = plan_for(cast, roster_csv([student_row()] * 20), name="roster.csv")
        assert [e.reason for e in plan.errors] == ["The file is 0.0 MB; at most 0.001 MB can be imported."]


class TestRosterApply:
    def test_new_students_get_a_household_each_and_every_write_an_audit_event(self, cast):
        row = student_row("王小明", 乡镇="青山镇", 村="枫树村")
        plan = plan_for(cast, roster_xlsx([row, student_row("李小红", male=False)], headers=[*HEADERS, "乡镇", "村"]))
        result = roster_apply(plan=plan, actor=cast.li)
        assert (result.created, result.updated) == (2, 0)
        ming = Student.objects.get(name="王小明")
        assert ming.school == cast.school and ming.school_class == cast.class_1
        assert ming.household.township == "青山镇" and ming.household.village == "枫树村"
        assert ming.guardian_relation == "father" and ming.boarder is False
        assert Household.objects.count() == 2
        assert AuditEvent.objects.for_object(ming).get().action == Action.CREATE
        assert AuditEvent.objects.for_object(ming.household).get().school_id == cast.school.pk

    def test_the_import_itself_is_an_update_event_of_the_school_with_the_counts(self, cast, settings):
        roster_apply(plan=plan_for(cast, roster_xlsx([student_row()]), name="花名册.xlsx"), actor=cast.li)
        event = AuditEvent.objects.for_object(cast.school).get()
        assert event.action == Action.UPDATE and event.actor == cast.li
        with translation.override(settings.LANGUAGE_CODE):
            expected = translation.gettext("Roster import {file}: {new} new, {changed} changed, {unchanged} unchanged.")
        assert event.reason == expected.format(file="花名册.xlsx", new=1, changed=0, unchanged=0)

    def test_importing_the_same_file_again_changes_nothing_and_records_only_the_import(self, cast):
        content = roster_xlsx([student_row("王小明"), student_row("李小红", male=False)])
        roster_apply(plan=plan_for(cast, content), actor=cast.li)
        events = AuditEvent.objects.count()
        plan = plan_for(cast, content)
        assert (len(plan.new), len(plan.changed), plan.unchanged) == (0, 0, 2)
        result = roster_apply(plan=plan, actor=cast.li)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
        assert Student.objects.count() == 2 and Household.objects.count() == 2
        [summary] = AuditEvent.objects.filter(pk__gt=AuditEvent.objects.order_by("pk")[events - 1].pk)
        assert summary.content_type.model == "school" and summary.action == Action.UPDATE

    def test_a_changed_row_updates_only_that_field_and_its_event_has_before_and_after(self, cast):
        row = student_row("王小明")
        roster_apply(plan=plan_for(cast, roster_xlsx([row])), actor=cast.li)
        ming = Student.objects.get()
        plan = plan_for(cast, roster_xlsx([{**row, "班级": "2", "是否寄宿": "是"}]))
        [change] = plan.changed
        assert change.changes == {"school_class": [cast.class_1.pk, cast.class_2.pk], "boarder": [False, True]}
        assert ("是否寄宿", "否", "是") in change.shown
        roster_apply(plan=plan, actor=cast.li)
        ming.refresh_from_db()
        assert ming.school_class == cast.class_2 and ming.boarder is True and ming.name == "王小明"
        event = AuditEvent.objects.for_object(ming).get(action=Action.UPDATE)
        assert event.changes["boarder"] == [False, True]
        assert [value["id"] for value in event.changes["school_class"]] == [cast.class_1.pk, cast.class_2.pk]
        assert set(event.changes) == {"boarder", "school_class"}

    def test_a_transfer_moves_the_student_to_this_school_audited_and_a_second_import_changes_nothing(
        self, cast, sibling_class
    ):
        elsewhere = StudentFactory(school_class=sibling_class, status="graduated", name="王小明")
        content = roster_xlsx(
            [student_row("王小明", id_number=elsewhere.id_number, 学籍状态="在读"), student_row("李小红", male=False)],
            headers=[*HEADERS, "学籍状态"],
        )
        result = roster_apply(plan=plan_for(cast, content), actor=cast.li)
        assert (result.created, result.updated) == (1, 1)
        elsewhere.refresh_from_db()
        assert (elsewhere.school, elsewhere.school_class) == (cast.school, cast.class_1)
        assert (elsewhere.status, elsewhere.status_since) == ("enrolled", timezone.localdate())
        event = AuditEvent.objects.for_object(elsewhere).get(action=Action.UPDATE)
        assert event.actor == cast.li and "青山县第二小学" in event.reason
        assert [value["id"] for value in event.changes["school"]] == [cast.sibling_school.pk, cast.school.pk]
        assert event.changes["status"] == ["graduated", "enrolled"]
        events = AuditEvent.objects.count()
        again = plan_for(cast, content)
        assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 2)
        roster_apply(plan=again, actor=cast.li)
        assert AuditEvent.objects.count() == events + 1  # the import's own event only
        assert Student.objects.count() == 2

    def test_a_changed_address_is_planned_masked_and_written_to_the_household_audited(self, cast, client_for):
        headers = [*HEADERS, "乡镇", "村", "详细地址"]
        row = student_row("王小明", 乡镇="青山镇", 村="枫树村", 详细地址="三组12号")
        roster_apply(plan=plan_for(cast, roster_xlsx([row], headers=headers)), actor=cast.li)
        moved = {**row, "乡镇": "白水镇", "村": "杨柳村", "详细地址": ""}
        content = roster_xlsx([moved], headers=headers)
        [change] = plan_for(cast, content).changed
        assert change.changes == {"township": ["青山镇", "白水镇"], "village": ["枫树村", "杨柳村"]}
        assert change.shown == [("乡镇", "青山镇", "白水镇"), ("村", "****", "****")]
        client = client_for(cast.li)
        url = f"/schools/{cast.school.pk}/students/import/"
        html = client.get(preview_url(client.post(url, {"file": upload(content)}))).content.decode()
        assert "乡镇: 青山镇 → 白水镇" in html and "杨柳村" not in html and "枫树村" not in html
        roster_apply(plan=plan_for(cast, content), actor=cast.li)
        household = Student.objects.get().household
        assert (household.township, household.village, household.address_detail) == ("白水镇", "杨柳村", "三组12号")
        event = AuditEvent.objects.for_object(household).get(action=Action.UPDATE)
        assert event.actor == cast.li and set(event.changes) == {"township", "village"}
        assert "杨柳村" not in str(event.changes)
        assert plan_for(cast, content).unchanged == 1

    def test_an_empty_optional_cell_leaves_the_stored_value_alone(self, cast):
        row = student_row("王小明")
        roster_apply(plan=plan_for(cast, roster_xlsx([row])), actor=cast.li)
        plan = plan_for(cast, roster_xlsx([{**row, "监护人电话": "", "学籍号": ""}]))
        assert plan.unchanged == 1 and not plan.changed

    def test_a_plan_with_errors_is_refused(self, cast):
        plan = plan_for(cast, roster_xlsx([student_row("王小明"), student_row("李小红", 班级="9")]))
        assert len(plan.new) == 1
        with pytest.raises(RosterNotApplied):
            roster_apply(plan=plan, actor=cast.li)
        assert not Student.objects.exists() and not AuditEvent.objects.exists()

    def test_a_failure_halfway_leaves_nothing_saved(self, cast, monkeypatch):
        plan = plan_for(cast, roster_xlsx([student_row("王小明"), student_row("李小红", male=False)]))
        original = registry_services.students_create

        def second_fails(**kwargs):
            kwargs["students"][1]["guardian_phone"] = "12345"  # valid when planned, invalid when written
            return original(**kwargs)

        monkeypatch.setattr(registry_services, "students_create", second_fails)
        with pytest.raises(RosterNotApplied) as caught:
            roster_apply(plan=plan, actor=cast.li)
        [error] = caught.value.errors
        assert (error.row, error.column, error.letter, error.value) == (3, "监护人电话", "L", cn.mask_mobile("12345"))
        assert error.reason and "12345" not in error.value
        assert not Student.objects.exists() and not Household.objects.exists() and not AuditEvent.objects.exists()

    def test_a_changed_row_that_fails_when_written_names_its_column_and_masked_value(self, cast):
        row = student_row("王小明")
        roster_apply(plan=plan_for(cast, roster_xlsx([row])), actor=cast.li)
        plan = plan_for(cast, roster_xlsx([{**row, "监护人电话": "13987654321", "是否寄宿": "是"}]))
        plan.changed[0].changes["guardian_phone"][1] = "12345"  # valid when planned, invalid when written
        with pytest.raises(RosterNotApplied) as caught:
            roster_apply(plan=plan, actor=cast.li)
        [error] = caught.value.errors
        assert (error.row, error.column, error.letter, error.value) == (2, "监护人电话", "L", cn.mask_mobile("12345"))
        assert Student.objects.get().boarder is False

    def test_a_stored_value_no_longer_valid_is_reported_on_its_row_without_a_column_of_the_file(self, cast):
        ming = StudentFactory(school_class=cast.class_1, name="王小明", account_number="6222021234567890123")
        plan = plan_for(cast, roster_xlsx([student_row("王小明", id_number=ming.id_number, 是否寄宿="是")]))
        with translation.override("en"), pytest.raises(RosterNotApplied) as caught:
            roster_apply(plan=plan, actor=cast.li)
        assert [(e.row, e.column, e.value, e.reason) for e in caught.value.errors] == [
            (2, "", "", "Say what kind of account the number belongs to.")
        ]

    def test_an_export_through_the_resource_imports_back_unchanged(self, cast):
        content = roster_xlsx([student_row("王小明"), student_row("李小红", male=False, 班级="2", 是否寄宿="是")])
        roster_apply(plan=plan_for(cast, content), actor=cast.li)
        exported = StudentResource(masked=False).export(Student.objects.filter(school=cast.school))
        plan = plan_for(cast, exported.export("xlsx"))
        assert plan.ok, plan.errors
        assert (len(plan.new), len(plan.changed), plan.unchanged) == (0, 0, 2)

    def test_the_resource_masks_sensitive_columns_by_default(self, cast):
        ming = StudentFactory(school_class=cast.class_1, guardian_phone="13812345678")
        dataset = StudentResource().export(Student.objects.all())
        row = dict(zip(dataset.headers, dataset[0], strict=True))
        assert row["身份证号"] == cn.mask_id_number(ming.id_number)
        assert row["监护人电话"] == "138****5678"
        assert row["性别"] == "男" and row["年级"] == "一年级" and row["班级"] == "一年级(1)班"


def upload(content, name="花名册.xlsx"):
    return SimpleUploadedFile(name, content)


def preview_url(response) -> str:
    assert response.status_code == 302, response
    return response.headers["Location"]


class TestRosterImportPage:
    def url(self, school):
        return f"/schools/{school.pk}/students/import/"

    def test_the_aid_office_uploads_previews_and_confirms(self, cast, client_for):
        client = client_for(cast.li)
        assert client.get(self.url(cast.school)).status_code == 200
        content = roster_xlsx([student_row("王小明"), student_row("李小红", male=False)])
        location = preview_url(client.post(self.url(cast.school), {"file": upload(content)}))
        assert re.fullmatch(rf"/schools/{cast.school.pk}/students/import/[0-9a-f]{{32}}/", location)
        preview = client.get(location)
        html = preview.content.decode()
        assert 'data-testid="count-new">2<' in html and "王小明" in html
        assert not Student.objects.exists()
        response = client.post(location, {"digest": preview.context["digest"]})
        assert response.status_code == 302 and response.headers["Location"] == f"/schools/{cast.school.pk}/students/"
        assert Student.objects.filter(school=cast.school).count() == 2
        assert AuditEvent.objects.for_object(cast.school).get().actor == cast.li
        assert client.get(location).status_code == 404  # the file is gone once imported

    def test_the_file_is_read_once_for_all_its_previews_and_its_confirmation(self, cast, client_for, monkeypatch):
        reads = []

        def counted(**kwargs):
            reads.append(kwargs["file_name"])
            return read_sheet(**kwargs)

        monkeypatch.setattr(import_job, "read_sheet", counted)
        client = client_for(cast.li)
        location = preview_url(client.post(self.url(cast.school), {"file": upload(roster_xlsx([student_row()]))}))
        client.get(location)
        digest = client.get(location).context["digest"]
        response = client.post(location, {"digest": digest})
        assert response.status_code == 302 and Student.objects.filter(school=cast.school).count() == 1
        assert reads == ["花名册.xlsx"]

    def test_a_sheet_stating_an_absurd_size_is_refused_in_chinese(self, cast, client_for):
        content = stating(roster_xlsx([student_row()]), "A1:L2000000")
        client = client_for(cast.li)
        location = preview_url(client.post(self.url(cast.school), {"file": upload(content)}))
        [error] = client.get(location).context["plan"].errors
        assert error.row is None and "2000000" in error.reason and "100000" in error.reason
        assert "行" in error.reason

    def test_the_preview_lists_every_error_and_offers_no_confirmation(self, cast, client_for):
        client = client_for(cast.li)
        rows = [student_row("王小明", 班级="9"), student_row("李小红", 性别="?")]
        location = preview_url(client.post(self.url(cast.school), {"file": upload(roster_xlsx(rows))}))
        response = client.get(location)
        errors = [(e.row, e.column, e.value) for e in response.context["plan"].errors]
        assert errors == [(2, "班级", "9"), (3, "性别", "?")]
        html = response.content.decode()
        assert 'data-testid="import-errors"' in html and "<td>班级 <span" in html
        assert 'data-testid="confirm-import"' not in html

    def test_confirming_a_file_with_errors_imports_nothing(self, cast, client_for):
        client = client_for(cast.li)
        content = roster_xlsx([student_row(班级="9")])
        location = preview_url(client.post(self.url(cast.school), {"file": upload(content)}))
        plan = client.get(location).context["plan"]
        response = client.post(location, {"digest": plan.digest()})
        assert response.status_code == 200
        assert not Student.objects.exists()

    def test_confirming_checks_the_file_again(self, cast, client_for, sibling_class):
        client = client_for(cast.li)
        row = student_row("王小明")
        location = preview_url(client.post(self.url(cast.school), {"file": upload(roster_xlsx([row]))}))
        digest = client.get(location).context["digest"]
        # Meanwhile the second school enrols the same child.
        StudentFactory(school_class=sibling_class, id_number=row["身份证号"])
        response = client.post(location, {"digest": digest})
        assert response.status_code == 200
        assert response.context["plan"].errors[0].column == "身份证号"
        assert not Student.objects.filter(school=cast.school).exists()

    def test_confirming_a_plan_that_changed_since_the_preview_shows_the_new_preview(self, cast, client_for):
        client = client_for(cast.li)
        location = preview_url(client.post(self.url(cast.school), {"file": upload(roster_xlsx([student_row()]))}))
        response = client.post(location, {"digest": "not-what-was-previewed"})
        assert response.status_code == 200 and response.context["plan"].ok
        assert not Student.objects.exists()

    def test_the_preview_shows_no_full_id_number_or_student_number_to_a_user_who_may_not_reveal(self, cast, client_for):
        row = student_row("王小明")
        id_number = row["身份证号"]
        roster_apply(plan=plan_for(cast, roster_xlsx([row])), actor=cast.li)
        # The 学籍 system writes the 学籍号 without its G now, and a new phone: both are changes.
        changed = {**row, "学籍号": id_number, "监护人电话": "13987654321"}
        bad = student_row("李小红", male=False, 学籍号="G" + make_id_number() + "X" * 12)
        client = client_for(cast.li)
        assert not cast.li.has_perm("students.reveal_sensitive")
        location = preview_url(client.post(self.url(cast.school), {"file": upload(roster_xlsx([changed, bad]))}))
        html = client.get(location).content.decode()
        assert 'data-testid="import-changed"' in html and 'data-testid="import-errors"' in html
        assert f"学籍号: G{cn.mask_id_number(id_number)} → {cn.mask_id_number(id_number)}" in html
        assert "138****5678 → 139****4321" in html
        assert id_number not in html and id_number[6:14] not in html
        assert bad["学籍号"] not in html and bad["身份证号"] not in html
        assert "13987654321" not in html and "13812345678" not in html

    def test_the_preview_lists_transfers_in_their_own_group(self, cast, client_for, sibling_class):
        elsewhere = StudentFactory(school_class=sibling_class, status="graduated", name="王小明")
        client = client_for(cast.li)
        content = roster_xlsx([student_row("王小明", id_number=elsewhere.id_number), student_row("李小红")])
        html = client.get(preview_url(client.post(self.url(cast.school), {"file": upload(content)}))).content.decode()
        assert 'data-testid="count-transferred">1<' in html and 'data-testid="count-changed">0<' in html
        transferred = html.split('data-testid="import-transferred"')[1].split("</table>")[0]
        assert "王小明" in transferred and "青山县第二小学" in transferred
        assert 'data-testid="import-changed"' not in html
        assert 'data-testid="confirm-import"' in html

    def test_a_file_of_another_kind_is_refused_at_upload(self, cast, client_for, settings):
        client = client_for(cast.li)
        response = client.post(self.url(cast.school), {"file": upload(b"\xd0\xcf\x11\xe0 old excel", "花名册.xls")})
        assert response.status_code == 200
        assert response.context["form"].errors["file"]
        assert not (settings.MEDIA_ROOT / "imports").exists()

    def test_a_file_over_the_limit_is_refused_at_upload(self, cast, client_for, settings):
        settings.AIDSYS_IMPORT_MAX_MB = 0.0001
        response = client_for(cast.li).post(self.url(cast.school), {"file": upload(roster_xlsx([student_row()]))})
        assert response.context["form"].errors["file"]

    def test_county_staff_may_import_for_any_school_of_their_county(self, cast, client_for):
        assert client_for(cast.zhao).get(self.url(cast.sibling_school)).status_code == 200

    def test_the_aid_office_of_one_school_cannot_import_into_another(self, cast, client_for):
        assert client_for(cast.li).get(self.url(cast.sibling_school)).status_code == 404

    @pytest.mark.parametrize("role", ["wang", "zhang"])
    def test_class_teachers_and_principals_may_not_import(self, cast, client_for, role):
        assert client_for(getattr(cast, role)).get(self.url(cast.school)).status_code == 403

    def test_an_upload_is_only_its_uploaders(self, cast, client_for, client):
        location = preview_url(
            client_for(cast.li).post(self.url(cast.school), {"file": upload(roster_xlsx([student_row()]))})
        )
        assert client_for(cast.zhao).get(location).status_code == 404

    def test_it_refuses_other_methods(self, cast, client_for):
        client = client_for(cast.li)
        token = imports.upload_store(school=cast.school, user=cast.li, name="a.csv", content=roster_csv([]))
        assert client.put(self.url(cast.school)).status_code == 405
        assert client.delete(f"{self.url(cast.school)}{token}/").status_code == 405


class TestUploads:
    def test_an_upload_is_found_only_by_its_user_school_and_token(self, cast):
        token = imports.upload_store(school=cast.school, user=cast.li, name="../花名册 2026.csv", content=b"x")
        found = imports.upload_find(school=cast.school, user=cast.li, token=token)
        assert found.name == "花名册_2026.csv" and found.read() == b"x"
        assert imports.upload_find(school=cast.school, user=cast.zhao, token=token) is None
        assert imports.upload_find(school=cast.sibling_school, user=cast.li, token=token) is None
        assert imports.upload_find(school=cast.school, user=cast.li, token="../" + token) is None

    def test_uploads_left_behind_are_purged(self, cast, settings):
        old = imports.upload_store(school=cast.school, user=cast.li, name="old.csv", content=b"x")
        fresh = imports.upload_store(school=cast.school, user=cast.li, name="fresh.csv", content=b"x")
        path = settings.MEDIA_ROOT / imports.upload_find(school=cast.school, user=cast.li, token=old).path
        os.utime(path, (time.time() - 2 * 86400, time.time() - 2 * 86400))
        assert tasks.roster_uploads_purge() == 1
        assert imports.upload_find(school=cast.school, user=cast.li, token=old) is None
        assert imports.upload_find(school=cast.school, user=cast.li, token=fresh) is not None


class TestBackgroundImport:
    @pytest.fixture
    def small_threshold(self, settings):
        settings.AIDSYS_IMPORT_ASYNC_ROWS = 1

    def confirm(self, cast, client, rows, django_capture_on_commit_callbacks):
        url = f"/schools/{cast.school.pk}/students/import/"
        location = preview_url(client.post(url, {"file": upload(roster_xlsx(rows))}))
        digest = client.get(location).context["digest"]
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(location, {"digest": digest})

    def test_a_large_file_is_written_by_a_task_that_reports_its_progress(
        self, cast, client_for, small_threshold, django_capture_on_commit_callbacks
    ):
        client = client_for(cast.li)
        rows = [student_row("王小明"), student_row("李小红", male=False)]
        response = self.confirm(cast, client, rows, django_capture_on_commit_callbacks)
        job = Job.objects.get()
        assert response.headers["Location"] == f"/import-jobs/{job.pk}/"
        assert (job.status, job.done, job.total, job.owner, job.school) == ("done", 2, 2, cast.li, cast.school)
        assert job.result["new"] == 2 and job.finished_at is not None
        assert Student.objects.count() == 2
        page = client.get(f"/import-jobs/{job.pk}/").content.decode()
        assert 'data-status="done"' in page and "hx-trigger" not in page
        assert AuditEvent.objects.for_object(cast.school).get().actor == cast.li

    def test_the_status_partial_polls_while_the_job_runs(self, cast, client_for):
        job = job_create(kind=imports.ROSTER_JOB, owner=cast.li, school=cast.school, total=200)
        job_start(job_id=job.pk)
        Job.objects.filter(pk=job.pk).update(done=50)
        response = client_for(cast.li).get(f"/import-jobs/{job.pk}/status/")
        html = response.content.decode()
        assert f'hx-get="/import-jobs/{job.pk}/status/"' in html and 'hx-trigger="every 1s"' in html
        assert 'value="50"' in html and 'max="200"' in html
        assert "<html" not in html

    @pytest.mark.parametrize(("role", "status"), [("zhang", 200), ("zhao", 200), ("wang", 404), ("outsider", 404)])
    def test_the_job_is_seen_in_its_school_scope_and_by_its_owner(self, cast, client_for, role, status):
        job = job_create(kind=imports.ROSTER_JOB, owner=cast.li, school=cast.school)
        assert client_for(getattr(cast, role)).get(f"/import-jobs/{job.pk}/status/").status_code == status

    def test_the_job_pages_refuse_other_methods(self, cast, client_for):
        job = job_create(kind=imports.ROSTER_JOB, owner=cast.li, school=cast.school)
        client = client_for(cast.li)
        assert client.post(f"/import-jobs/{job.pk}/").status_code == 405
        assert client.post(f"/import-jobs/{job.pk}/status/").status_code == 405

    def test_the_owner_sees_their_job_even_without_a_school(self, cast, client_for):
        job = job_create(kind=imports.ROSTER_JOB, owner=cast.wang, school=None)
        assert client_for(cast.wang).get(f"/import-jobs/{job.pk}/status/").status_code == 200
        assert client_for(cast.wang).get(f"/import-jobs/{job.pk}/").status_code == 200

    def test_a_task_delivered_twice_runs_once(
        self, cast, client_for, small_threshold, django_capture_on_commit_callbacks
    ):
        rows = [student_row(), student_row("李小红")]
        self.confirm(cast, client_for(cast.li), rows, django_capture_on_commit_callbacks)
        events = AuditEvent.objects.count()
        tasks.roster_import(Job.objects.get().pk)
        assert AuditEvent.objects.count() == events and Student.objects.count() == 2

    def test_the_task_refuses_a_plan_that_changed_since_the_preview(self, cast):
        content = roster_xlsx([student_row("王小明"), student_row("李小红", male=False)])
        token = imports.upload_store(school=cast.school, user=cast.li, name="花名册.xlsx", content=content)
        stored = imports.upload_find(school=cast.school, user=cast.li, token=token)
        job = imports.roster_job_create(plan=plan_for(cast, content), upload=stored, owner=cast.li)
        # Between the confirmation and the task, 王小明 is registered by hand: the plan is no longer the one confirmed.
        StudentFactory(
            school_class=cast.class_1, name="王小明", id_number=plan_for(cast, content).new[0].fields["id_number"]
        )
        tasks.roster_import(job.pk)
        job.refresh_from_db()
        assert job.status == "failed" and job.finished_at is not None
        assert not Student.objects.filter(name="李小红").exists()
        assert imports.upload_find(school=cast.school, user=cast.li, token=token) is None

    def test_a_write_that_fails_in_the_task_imports_nothing_and_deletes_the_upload(self, cast, monkeypatch):
        content = roster_xlsx([student_row("王小明"), student_row("李小红", male=False)])
        token = imports.upload_store(school=cast.school, user=cast.li, name="花名册.xlsx", content=content)
        stored = imports.upload_find(school=cast.school, user=cast.li, token=token)
        job = imports.roster_job_create(plan=plan_for(cast, content), upload=stored, owner=cast.li)
        original = registry_services.students_create

        def second_fails(**kwargs):
            kwargs["students"][1]["guardian_phone"] = "12345"  # valid when planned, invalid when written
            return original(**kwargs)

        monkeypatch.setattr(registry_services, "students_create", second_fails)
        tasks.roster_import(job.pk)
        job.refresh_from_db()
        assert job.status == "failed" and job.result["errors"][0]["row"] == 3
        assert not Student.objects.exists()
        assert imports.upload_find(school=cast.school, user=cast.li, token=token) is None

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_progress_is_seen_by_others_while_the_import_transaction_is_still_open(self):
        job = job_create(kind=imports.ROSTER_JOB, owner=None, total=300)
        job_start(job_id=job.pk)
        observer = connection.copy()
        try:
            with transaction.atomic(), JobProgress(job, every=100) as progress:
                progress(150)
                with observer.cursor() as cursor:
                    cursor.execute("SELECT done FROM aidsys_job WHERE id = %s", [job.pk])
                    seen = cursor.fetchone()[0]
        finally:
            observer.close()
        assert seen == 150

    def test_progress_is_reported_every_so_many_rows_and_at_the_end(self, cast, monkeypatch):
        job = job_create(kind=imports.ROSTER_JOB, owner=cast.li, school=cast.school, total=250)
        written = []
        monkeypatch.setattr(JobProgress, "_write", lambda self, done: written.append(done))
        with JobProgress(job, every=100) as progress:
            for done in range(1, 251):
                progress(done)
        assert written == [100, 200, 250]


class TestAdminImport:
    def test_the_student_list_links_to_the_import(self, cast, client_for):
        html = client_for(cast.admin).get("/admin/students/student/").content.decode()
        assert "/admin/students/student/import/" in html

    def test_the_administrator_imports_through_the_same_service(self, cast, client_for):
        client = client_for(cast.admin)
        content = roster_xlsx([student_row("王小明"), student_row("李小红", male=False, 班级="9")])
        response = client.post("/admin/students/student/import/", {"school": cast.school.pk, "file": upload(content)})
        location = preview_url(response)
        preview = client.get(location)
        assert [(e.row, e.column) for e in preview.context["plan"].errors] == [(3, "班级")]
        fixed = roster_xlsx([student_row("王小明"), student_row("李小红", male=False)])
        response = client.post("/admin/students/student/import/", {"school": cast.school.pk, "file": upload(fixed)})
        location = preview_url(response)
        digest = client.get(location).context["digest"]
        assert client.post(location, {"digest": digest}).status_code == 302
        assert Student.objects.count() == 2
        assert AuditEvent.objects.for_object(cast.school).get().actor == cast.admin

    def test_others_are_sent_to_the_admin_sign_in(self, cast, client_for):
        assert client_for(cast.li).get("/admin/students/student/import/").status_code == 302


def test_the_command_and_the_page_share_one_plan(cast, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv([student_row()]))
    call_command("import_students", str(path), "--school", cast.school.code, "--dry-run", stdout=io.StringIO())
    assert not Student.objects.exists()


def test_the_resource_masks_the_student_number_which_holds_the_id_number(cast):
    from students.resources import StudentResource

    student = StudentFactory(school_class=cast.class_1)
    dataset = StudentResource().export(Student.objects.filter(pk=student.pk))
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert student.id_number not in str(row.values())
    assert row["学籍号"] == "G" + cn.mask_id_number(student.id_number)
