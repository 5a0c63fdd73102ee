"""Official-list matching (数据比对): who a list's rows reach, what they flag, what they cannot, the gaps,
the background job for a county's list, and what a school reads of a county's list."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from openpyxl import Workbook

from aidsys import cn
from aidsys.models import AuditEvent, Job, Membership, Role
from aidsys.services.jobs import JobProgress, job_create, job_start
from students import imports, matching, selectors, services, tasks
from students.gaps import aid_gaps, register_aid_lookup, unregister_aid_lookup
from students.models import (
    HouseholdMember,
    OfficialList,
    OfficialListEntry,
    Relation,
    SpecialGroup,
    SpecialGroupFlag,
    Student,
)
from tests.factories import HouseholdFactory, MembershipFactory, SchoolClassFactory, StudentFactory, make_id_number

Action = AuditEvent.Action
Kind = OfficialList.Kind
DIBAO_DATE = date(2026, 10, 1)


def xlsx(rows, name="名单.xlsx"):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(actor, rows, *, unit, kind=Kind.MINIMUM_LIVING, name="民政局低保名单", list_date=DIBAO_DATE):
    return matching.official_list_upload(
        actor=actor, upload=xlsx(rows), kind=kind, name=name, list_date=list_date, unit=unit
    )


def member(student, relation=Relation.FATHER, name="王大山"):
    return HouseholdMember.objects.create(
        household=student.household, name=name, relation=relation, id_number=make_id_number(date(1985, 4, 2))
    )


def flags_of(student):
    return {flag.group: flag for flag in SpecialGroupFlag.objects.filter(household=student.household_id)}


@pytest.fixture
def pupil(cast):
    return StudentFactory(school_class=cast.class_1, name="王小明")


def sibling_pupil(cast, name="赵小刚"):
    """A student of 第二小学, the county's other school."""
    return StudentFactory(
        school_class=SchoolClassFactory(school=cast.sibling_school, school_year=cast.school_year), name=name
    )


class TestMatchingAList:
    def test_a_students_id_flags_the_household_with_the_lists_name_and_date(self, cast, pupil):
        outcome = upload(cast.li, [["姓名", "身份证号"], ["王小明", pupil.id_number]], unit=cast.school)
        flag = flags_of(pupil)[SpecialGroup.MINIMUM_LIVING]
        assert flag.source == SpecialGroupFlag.Source.OFFICIAL_LIST
        assert (flag.list_name, flag.list_date, flag.official_list) == (
            "民政局低保名单",
            DIBAO_DATE,
            outcome.official_list,
        )
        entry = OfficialListEntry.objects.get()
        assert (entry.row_number, entry.matched_student, entry.matched_member) == (2, pupil, None)
        assert (outcome.rows, outcome.matched_rows, outcome.unmatched_rows) == (1, 1, 0)

    def test_a_family_members_id_flags_the_household(self, cast, pupil):
        father = member(pupil)
        upload(cast.li, [["身份证号"], [father.id_number]], unit=cast.school)
        assert SpecialGroup.MINIMUM_LIVING in flags_of(pupil)
        entry = OfficialListEntry.objects.get()
        assert (entry.matched_student, entry.matched_member) == (None, father)

    def test_a_disabled_parent_makes_a_child_of_disabled_and_a_disabled_student_a_disabled_student(self, cast, pupil):
        disabled_student = StudentFactory(school_class=cast.class_1, name="李小红")
        mother = member(pupil, Relation.MOTHER, "张秀英")
        upload(
            cast.li,
            [["身份证号码"], [mother.id_number], [disabled_student.id_number]],
            unit=cast.school,
            kind=Kind.DISABLED,
            name="县残联持证残疾人名单",
        )
        assert set(flags_of(pupil)) == {SpecialGroup.CHILD_OF_DISABLED}
        assert set(flags_of(disabled_student)) == {SpecialGroup.DISABLED_STUDENT}

    def test_a_monitored_list_gives_each_rows_sub_group(self, cast):
        students = [StudentFactory(school_class=cast.class_1) for _ in range(5)]
        rows = [
            ["序号", "身份证号", "监测对象类别"],
            [1, students[0].id_number, "脱贫不稳定户"],
            [2, students[1].id_number, "边缘易致贫户"],
            [3, students[2].id_number, "突发严重困难户"],
            [4, students[3].id_number, None],
            [5, students[4].id_number, "低收入户"],
        ]
        outcome = upload(cast.li, rows, unit=cast.school, kind=Kind.MONITORED, name="防返贫监测对象名单")
        assert [set(flags_of(student)) for student in students] == [
            {SpecialGroup.UNSTABLE_ALLEVIATED},
            {SpecialGroup.MARGINAL_AT_RISK},
            {SpecialGroup.SUDDEN_SEVERE_HARDSHIP},
            {SpecialGroup.UNSTABLE_ALLEVIATED},
            set(),
        ]
        [rejection] = outcome.rejected
        assert (rejection.row, rejection.column, rejection.header, rejection.value) == (
            6,
            "C",
            "监测对象类别",
            "低收入户",
        )

    def test_a_list_of_children_without_de_facto_support_flags_them_so_not_as_orphans(self, cast):
        alone, orphan = (StudentFactory(school_class=cast.class_1) for _ in range(2))
        upload(cast.li, [["身份证号"], [alone.id_number]], unit=cast.school, kind=Kind.UNSUPPORTED_CHILD)
        upload(cast.li, [["身份证号"], [orphan.id_number]], unit=cast.school, kind=Kind.ORPHAN)
        assert set(flags_of(alone)) == {SpecialGroup.UNSUPPORTED_CHILD}
        assert set(flags_of(orphan)) == {SpecialGroup.ORPHAN}

    def test_a_combined_list_of_children_gives_each_row_its_category(self, cast):
        students = [StudentFactory(school_class=cast.class_1) for _ in range(4)]
        rows = [
            ["身份证号", "人员类别"],
            [students[0].id_number, "孤儿"],
            [students[1].id_number, "事实无人抚养儿童"],
            [students[2].id_number, None],
            [students[3].id_number, "留守儿童"],
        ]
        outcome = upload(cast.li, rows, unit=cast.school, kind=Kind.ORPHAN, name="孤儿和事实无人抚养儿童名单")
        assert [set(flags_of(student)) for student in students] == [
            {SpecialGroup.ORPHAN},
            {SpecialGroup.UNSUPPORTED_CHILD},
            {SpecialGroup.ORPHAN},
            set(),
        ]
        [rejection] = outcome.rejected
        assert (rejection.row, rejection.column, rejection.value) == (5, "B", "留守儿童")
        assert "事实无人抚养儿童" in rejection.reason

    def test_rows_that_match_nobody_are_kept_as_unmatched(self, cast, pupil):
        stranger = make_id_number(date(1970, 1, 1))
        outcome = upload(
            cast.li, [["身份证号", "姓名"], [stranger, "陌生人"], [pupil.id_number, "王小明"]], unit=cast.school
        )
        assert (outcome.rows, outcome.matched_rows, outcome.unmatched_rows) == (2, 1, 1)
        [unmatched] = selectors.unmatched_entries(official_list=outcome.official_list)
        assert (unmatched.row_number, unmatched.id_number, unmatched.name) == (2, stranger, "陌生人")

    def test_invalid_rows_are_reported_with_row_and_column_and_do_not_stop_the_others(self, cast, pupil):
        good = pupil.id_number
        bad_check_digit = good[:17] + ("0" if good[17] != "0" else "1")
        rows = [
            ["姓名", "身份证号码"],
            ["王小明", good],
            ["错号", bad_check_digit],
            ["短号", "43990120150307"],
            ["无号", None],
            [None, None],
        ]
        outcome = upload(cast.li, rows, unit=cast.school)
        assert SpecialGroup.MINIMUM_LIVING in flags_of(pupil)
        assert [(r.row, r.column, r.header) for r in outcome.rejected] == [
            (3, "B", "身份证号码"),
            (4, "B", "身份证号码"),
            (5, "B", "身份证号码"),
        ]
        assert "身份证号应为18位" in outcome.rejected[1].reason
        assert all(bad_check_digit not in r.value for r in outcome.rejected)
        assert selectors.rejected_rows(official_list=outcome.official_list)[0]["row"] == 3

    def test_an_id_kept_as_a_number_by_excel_is_rejected_with_a_hint(self, cast, pupil):
        # Excel turns 439901201910080013 into 439901201910080000: the check digit no longer fits.
        outcome = upload(cast.li, [["身份证号"], [439901201910080013.0]], unit=cast.school)
        [rejection] = outcome.rejected
        assert rejection.value == "4399**********0000" and "15" in rejection.reason

    def test_headers_are_matched_tolerantly_below_a_title_row_in_a_gbk_csv(self, cast, pupil):
        text = f"2026年10月低保名单,,\n序号,公民身份号码（必填）, 姓 名 \n1,{pupil.id_number.lower()},王小明\n"
        csv_file = SimpleUploadedFile("低保.csv", text.encode("gb18030"))
        outcome = matching.official_list_upload(
            actor=cast.li,
            upload=csv_file,
            kind=Kind.MINIMUM_LIVING,
            name="低保",
            list_date=DIBAO_DATE,
            unit=cast.school,
        )
        assert outcome.matched_rows == 1
        assert OfficialListEntry.objects.get().name == "王小明"

    def test_a_file_without_an_id_column_is_refused_and_saves_nothing(self, cast, pupil):
        with pytest.raises(ValidationError):
            upload(cast.li, [["姓名", "住址"], ["王小明", "枫树村"]], unit=cast.school)
        assert not OfficialList.objects.exists() and not AuditEvent.objects.exists()

    def test_an_official_flag_cannot_be_removed_by_hand(self, cast, pupil):
        upload(cast.li, [["身份证号"], [pupil.id_number]], unit=cast.school)
        flag = flags_of(pupil)[SpecialGroup.MINIMUM_LIVING]
        with pytest.raises(ValidationError):
            services.special_group_remove(actor=cast.li, flag=flag, reason="家长说已退出低保")
        with pytest.raises(ValidationError):
            services.special_group_set(
                actor=cast.wang,
                household=pupil.household,
                group=SpecialGroup.MINIMUM_LIVING,
                source=SpecialGroupFlag.Source.HOME_VISIT,
            )
        assert SpecialGroupFlag.objects.get(pk=flag.pk).list_name == "民政局低保名单"

    def test_an_older_list_does_not_override_a_newer_one(self, cast, pupil):
        upload(
            cast.li, [["身份证号"], [pupil.id_number]], unit=cast.school, name="十月名单", list_date=date(2026, 10, 1)
        )
        upload(
            cast.li, [["身份证号"], [pupil.id_number]], unit=cast.school, name="六月名单", list_date=date(2026, 6, 1)
        )
        flag = flags_of(pupil)[SpecialGroup.MINIMUM_LIVING]
        assert (flag.list_name, flag.list_date) == ("十月名单", date(2026, 10, 1))
        upload(
            cast.li, [["身份证号"], [pupil.id_number]], unit=cast.school, name="十一月名单", list_date=date(2026, 11, 1)
        )
        assert flags_of(pupil)[SpecialGroup.MINIMUM_LIVING].list_name == "十一月名单"

    def test_a_county_upload_matches_across_its_schools_but_not_another_countys(self, cast, pupil):
        sibling_class = SchoolClassFactory(school=cast.sibling_school, school_year=cast.school_year)
        at_sibling = StudentFactory(school_class=sibling_class)
        elsewhere = StudentFactory(school_class=cast.other_class)
        rows = [["身份证号"], [pupil.id_number], [at_sibling.id_number], [elsewhere.id_number]]
        outcome = upload(cast.zhao, rows, unit=cast.county)
        assert SpecialGroup.MINIMUM_LIVING in flags_of(pupil)
        assert SpecialGroup.MINIMUM_LIVING in flags_of(at_sibling)
        assert flags_of(elsewhere) == {}
        assert (outcome.official_list.county, outcome.official_list.school) == (cast.county, None)

    def test_an_aid_office_upload_matches_only_its_school(self, cast, pupil):
        at_sibling = StudentFactory(school_class=SchoolClassFactory(school=cast.sibling_school))
        outcome = upload(cast.li, [["身份证号"], [pupil.id_number], [at_sibling.id_number]], unit=cast.school)
        assert outcome.matched_rows == 1 and flags_of(at_sibling) == {}

    def test_an_aid_office_may_not_upload_for_another_school_or_the_county(self, cast, pupil):
        for unit in (cast.sibling_school, cast.county):
            with pytest.raises(PermissionDenied):
                upload(cast.li, [["身份证号"], [pupil.id_number]], unit=unit)
        with pytest.raises(PermissionDenied):
            upload(cast.zhang, [["身份证号"], [pupil.id_number]], unit=cast.school)

    def test_the_upload_is_one_audit_event_and_each_flag_has_its_own(self, cast, pupil):
        other = StudentFactory(school_class=cast.class_2)
        outcome = upload(cast.li, [["身份证号"], [pupil.id_number], [other.id_number], ["123"]], unit=cast.school)
        [created] = AuditEvent.objects.for_object(outcome.official_list)
        assert (created.action, created.actor, created.school) == (Action.CREATE, cast.li, cast.school)
        assert created.changes["rows"] == [None, 2] and created.changes["matched_rows"] == [None, 2]
        assert created.changes["rejected_rows"][1][0]["row"] == 4
        flag_events = AuditEvent.objects.filter(content_type__model="specialgroupflag", action=Action.CREATE)
        assert flag_events.count() == 2


class TestAidGaps:
    @pytest.fixture
    def flagged(self, cast, pupil):
        upload(cast.li, [["身份证号"], [pupil.id_number]], unit=cast.school)
        return pupil

    def test_without_a_provider_every_student_with_an_official_flag_is_a_gap(self, cast, flagged):
        hand_flagged = StudentFactory(school_class=cast.class_1, household=HouseholdFactory())
        services.special_group_set(
            actor=cast.wang,
            household=hand_flagged.household,
            group=SpecialGroup.SINGLE_PARENT,
            source=SpecialGroupFlag.Source.HOME_VISIT,
        )
        StudentFactory(school_class=cast.class_1)
        gaps = list(aid_gaps(user=cast.li, school_year=cast.school_year))
        assert gaps == [flagged]
        assert [f.list_name for f in gaps[0].household.official_flags] == ["民政局低保名单"]

    def test_a_registered_provider_takes_students_with_approved_aid_off_the_list(self, cast, flagged):
        second = StudentFactory(school_class=cast.class_2)
        upload(
            cast.li,
            [["身份证号"], [second.id_number]],
            unit=cast.school,
            name="十一月低保",
            list_date=date(2026, 11, 1),
        )
        asked = []

        def approved_aid(school_year):
            asked.append(school_year)
            return Student.objects.filter(pk=flagged.pk).annotate(student_id=F("pk"))

        register_aid_lookup(approved_aid)
        try:
            gaps = list(aid_gaps(user=cast.li, school_year=cast.school_year))
        finally:
            unregister_aid_lookup(approved_aid)
        assert gaps == [second]
        assert asked == [cast.school_year]
        assert list(aid_gaps(user=cast.li, school_year=cast.school_year)) == [flagged, second]

    def test_an_approved_application_of_this_school_year_takes_the_student_off_the_gaps(self, cast, flagged):
        """The applications app registers its lookup at start-up: no test wiring here."""
        from aidsys.models import SchoolYear, Term
        from tests.factories import ApplicationFactory, TermFactory

        second = StudentFactory(school_class=cast.class_2)
        upload(cast.li, [["身份证号"], [second.id_number]], unit=cast.school, name="十一月低保")
        last_year = TermFactory(school_year=SchoolYear.objects.create(start_year=2025), kind=Term.Kind.SPRING)
        ApplicationFactory(student=flagged, term=cast.term, status="approved", approved_tier="difficult", amount=625)
        ApplicationFactory(student=second, term=cast.term, status="revoked", approved_tier="difficult", amount=625)
        ApplicationFactory(student=second, term=last_year, status="approved", approved_tier="difficult", amount=625)
        ApplicationFactory(student=second, term=cast.term, status="recommended")
        assert list(aid_gaps(user=cast.li, school_year=cast.school_year)) == [second]

    def test_gaps_are_scoped(self, cast, flagged):
        assert list(aid_gaps(user=cast.wang, school_year=cast.school_year)) == [flagged]
        assert list(aid_gaps(user=cast.zhao, school_year=cast.school_year, school=cast.sibling_school)) == []
        assert list(aid_gaps(user=cast.outsider, school_year=cast.school_year)) == []


class TestUploadPage:
    url = "/official-lists/upload/"

    def post(self, client, rows, **data):
        fields = {"kind": Kind.MINIMUM_LIVING, "name": "民政局低保名单", "list_date": "2026-10-01", "file": xlsx(rows)}
        return client.post(self.url, fields | data)

    def test_the_aid_office_uploads_for_its_school_and_sees_the_result(self, cast, client_for, pupil):
        client = client_for(cast.li)
        response = self.post(client, [["身份证号"], [pupil.id_number], ["4399"]], unit=f"school:{cast.school.pk}")
        official_list = OfficialList.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/official-lists/{official_list.pk}/"
        assert official_list.school == cast.school and official_list.uploaded_by == cast.li
        event = AuditEvent.objects.for_object(official_list).get()
        assert (event.action, event.actor) == (Action.CREATE, cast.li)

    def test_the_form_offers_only_the_units_in_scope(self, cast, client_for):
        office = client_for(cast.li).get(self.url).content.decode()
        assert f"school:{cast.school.pk}" in office and f"county:{cast.county.pk}" not in office
        county = client_for(cast.zhao).get(self.url).content.decode()
        assert f"county:{cast.county.pk}" in county and f"county:{cast.other_county.pk}" not in county

    def test_a_unit_out_of_scope_is_refused_and_nothing_is_saved(self, cast, client_for, pupil):
        response = self.post(client_for(cast.li), [["身份证号"], [pupil.id_number]], unit=f"county:{cast.county.pk}")
        assert response.status_code == 200 and not OfficialList.objects.exists()

    def test_a_file_that_cannot_be_read_is_shown_beside_the_file_field(self, cast, client_for):
        client = client_for(cast.li)
        bad = SimpleUploadedFile("名单.xlsx", b"not a workbook")
        response = client.post(
            self.url,
            {
                "unit": f"school:{cast.school.pk}",
                "kind": Kind.ORPHAN,
                "name": "孤儿",
                "list_date": "2026-10-01",
                "file": bad,
            },
        )
        assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
        assert not OfficialList.objects.exists()

    def test_the_principal_and_the_class_teacher_may_not_upload(self, cast, client_for):
        assert client_for(cast.zhang).get(self.url).status_code == 403
        assert client_for(cast.wang).get(self.url).status_code == 403

    def test_it_answers_only_get_and_post(self, cast, client_for):
        assert client_for(cast.li).put(self.url).status_code == 405


class TestResultPages:
    @pytest.fixture
    def result(self, cast, pupil):
        father = member(pupil)
        StudentFactory(school_class=cast.class_2, household=pupil.household, name="王小丽")
        stranger = make_id_number(date(1970, 1, 1))
        rows = [
            ["姓名", "身份证号"],
            ["王大山", father.id_number],
            ["王小明", pupil.id_number],
            ["陌生人", stranger],
            ["坏", "12"],
        ]
        outcome = upload(cast.li, rows, unit=cast.school)
        return outcome.official_list, father, stranger

    def test_the_result_lists_matched_unmatched_rejected_and_gaps(self, cast, client_for, pupil, result):
        official_list, father, stranger = result
        response = client_for(cast.li).get(f"/official-lists/{official_list.pk}/")
        html = response.content.decode()
        assert response.status_code == 200
        matched = html.split('data-testid="matched-rows"')[1].split("</table>")[0]
        assert "王小明" in matched and "王小丽" in matched and "王大山" in matched and "一年级(2)班" in matched
        unmatched = html.split('data-testid="unmatched-rows"')[1].split("</table>")[0]
        assert cn.mask_id_number(stranger) in unmatched and "陌生人" in unmatched
        rejected = html.split('data-testid="rejected-rows"')[1].split("</table>")[0]
        assert "<td>5</td>" in rejected and "身份证号" in rejected
        gaps = html.split('data-testid="gap-rows"')[1].split("</table>")[0]
        assert "王小明" in gaps and "王小丽" in gaps
        for full in (stranger, pupil.id_number, father.id_number):
            assert full not in html

    def test_a_flag_now_given_by_a_newer_list_is_said_so(self, cast, client_for, pupil, result):
        official_list = result[0]
        upload(
            cast.li, [["身份证号"], [pupil.id_number]], unit=cast.school, name="十一月名单", list_date=date(2026, 11, 1)
        )
        html = client_for(cast.li).get(f"/official-lists/{official_list.pk}/").content.decode()
        assert "十一月名单" in html and "2026-11-01" in html

    def test_a_registered_provider_empties_the_gaps(self, cast, client_for, result):
        def everybody_has_aid(school_year):
            return Student.objects.annotate(student_id=F("pk"))

        register_aid_lookup(everybody_has_aid)
        try:
            html = client_for(cast.li).get(f"/official-lists/{result[0].pk}/").content.decode()
        finally:
            unregister_aid_lookup(everybody_has_aid)
        gaps = html.split('data-testid="gap-rows"')[1].split("</table>")[0]
        assert "王小明" not in gaps

    def test_the_list_page_shows_the_lists_in_scope_with_their_counts(self, cast, client_for, result):
        county_list = upload(
            cast.zhao, [["身份证号"], [sibling_pupil(cast).id_number]], unit=cast.county, name="全县低保名单"
        ).official_list
        office = client_for(cast.li).get("/official-lists/").content.decode()
        assert "民政局低保名单" in office and "全县低保名单" not in office
        assert 'data-testid="matched-count">2<' in office
        county = client_for(cast.zhao).get("/official-lists/").content.decode()
        assert "民政局低保名单" in county and county_list.name in county

    def test_the_principal_reads_the_schools_lists(self, cast, client_for, result):
        assert client_for(cast.zhang).get(f"/official-lists/{result[0].pk}/").status_code == 200

    def test_a_list_out_of_scope_is_not_found(self, cast, client_for, result):
        # A county's list that names none of the school's students is not the school's to read.
        county_list = upload(cast.zhao, [["身份证号"], [sibling_pupil(cast).id_number]], unit=cast.county).official_list
        assert client_for(cast.li).get(f"/official-lists/{county_list.pk}/").status_code == 404
        assert client_for(cast.zhang).get(f"/official-lists/{county_list.pk}/").status_code == 404
        assert client_for(cast.zhao).get(f"/official-lists/{result[0].pk}/").status_code == 200

    def test_a_class_teacher_may_not_read_lists(self, cast, client_for, result):
        client = client_for(cast.wang)
        assert client.get("/official-lists/").status_code == 403
        assert client.get(f"/official-lists/{result[0].pk}/").status_code == 403

    def test_the_pages_answer_only_get(self, cast, client_for, result):
        client = client_for(cast.li)
        assert client.post("/official-lists/").status_code == 405
        assert client.post(f"/official-lists/{result[0].pk}/").status_code == 405


def entries_of(official_list) -> set[tuple]:
    return set(
        official_list.entries.values_list("row_number", "id_number", "group", "matched_student", "matched_member")
    )


def counts() -> tuple[int, ...]:
    return (
        OfficialList.objects.count(),
        OfficialListEntry.objects.count(),
        SpecialGroupFlag.objects.count(),
        AuditEvent.objects.count(),
    )


class TestCountyMatchingJob:
    url = "/official-lists/upload/"

    @pytest.fixture
    def county_rows(self, cast, pupil):
        father = member(pupil)
        at_sibling = sibling_pupil(cast)
        elsewhere = StudentFactory(school_class=cast.other_class)
        return [
            ["姓名", "身份证号"],
            ["王小明", pupil.id_number],
            ["王大山", father.id_number],
            ["赵小刚", at_sibling.id_number],
            ["外县学生", elsewhere.id_number],
            ["陌生人", make_id_number(date(1970, 1, 1))],
            ["坏", "12"],
        ]

    def post(self, client, rows, unit, capture, *, execute=True):
        fields = {
            "unit": unit,
            "kind": Kind.MINIMUM_LIVING,
            "name": "全县低保名单",
            "list_date": "2026-10-01",
            "file": xlsx(rows),
        }
        with capture(execute=execute):
            return client.post(self.url, fields)

    def test_a_county_upload_is_matched_by_a_job_with_the_same_matches(
        self, cast, client_for, county_rows, django_capture_on_commit_callbacks
    ):
        in_request = upload(cast.zhao, county_rows, unit=cast.county, name="同一名单（请求内）")
        client = client_for(cast.zhao)
        response = self.post(client, county_rows, f"county:{cast.county.pk}", django_capture_on_commit_callbacks)
        job = Job.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/official-lists/jobs/{job.pk}/"
        assert (job.kind, job.status, job.owner, job.school) == (matching.OFFICIAL_LIST_JOB, "done", cast.zhao, None)
        by_job = OfficialList.objects.get(pk=job.result["official_list"])
        assert (by_job.name, by_job.county, by_job.school, by_job.uploaded_by) == (
            "全县低保名单",
            cast.county,
            None,
            cast.zhao,
        )
        assert entries_of(by_job) == entries_of(in_request.official_list)
        assert (job.result["rows"], job.result["matched_rows"], job.result["rejected_rows"]) == (5, 3, 1)
        assert job.total == job.done == by_job.entries.count() + 2  # the entries, and two households flagged
        assert SpecialGroupFlag.objects.filter(official_list=by_job).count() == 2
        event = AuditEvent.objects.for_object(by_job).get()
        assert (event.action, event.actor, event.changes["matched_rows"]) == (Action.CREATE, cast.zhao, [None, 3])

    def test_the_job_page_shows_the_outcome_and_links_to_the_result(
        self, cast, client_for, county_rows, django_capture_on_commit_callbacks
    ):
        client = client_for(cast.zhao)
        self.post(client, county_rows, f"county:{cast.county.pk}", django_capture_on_commit_callbacks)
        job = Job.objects.get()
        page = client.get(f"/official-lists/jobs/{job.pk}/").content.decode()
        assert 'data-status="done"' in page and "hx-trigger" not in page
        assert f'href="/official-lists/{job.result["official_list"]}/"' in page
        assert 'data-testid="match-counts"' in page

    def test_with_a_worker_the_page_polls_until_the_task_has_run(
        self, cast, client_for, county_rows, django_capture_on_commit_callbacks, settings
    ):
        client = client_for(cast.zhao)
        response = self.post(
            client, county_rows, f"county:{cast.county.pk}", django_capture_on_commit_callbacks, execute=False
        )
        job = Job.objects.get()
        assert response["Location"] == f"/official-lists/jobs/{job.pk}/"
        assert job.status == "queued" and not OfficialList.objects.exists()
        assert set(job.params) >= {"upload", "unit", "kind", "name", "list_date"}
        stored = settings.MEDIA_ROOT / job.params["upload"]
        assert stored.exists()
        waiting = client.get(f"/official-lists/jobs/{job.pk}/status/").content.decode()
        assert f'hx-get="/official-lists/jobs/{job.pk}/status/"' in waiting and 'data-status="queued"' in waiting
        assert "<html" not in waiting
        tasks.official_list_match(job.pk)  # what a worker does with the queued task
        job.refresh_from_db()
        assert job.status == "done" and not stored.exists()
        # The task's audit events join the request that uploaded the list.
        event = AuditEvent.objects.for_object(OfficialList.objects.get()).get()
        assert job.params["request_id"] and (event.actor, event.request_id) == (cast.zhao, job.params["request_id"])
        done = client.get(f"/official-lists/jobs/{job.pk}/status/").content.decode()
        assert "hx-trigger" not in done and f'href="/official-lists/{job.result["official_list"]}/"' in done

    def test_running_the_task_again_changes_nothing(
        self, cast, client_for, county_rows, django_capture_on_commit_callbacks
    ):
        self.post(client_for(cast.zhao), county_rows, f"county:{cast.county.pk}", django_capture_on_commit_callbacks)
        job = Job.objects.get()
        before = counts()
        tasks.official_list_match(job.pk)
        # A second delivery while the first still runs (acks_late after a lost connection) is left alone too.
        Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
        tasks.official_list_match(job.pk)
        assert counts() == before

    def test_a_task_whose_file_is_gone_fails_and_records_nothing(
        self, cast, client_for, county_rows, django_capture_on_commit_callbacks, settings
    ):
        self.post(
            client_for(cast.zhao),
            county_rows,
            f"county:{cast.county.pk}",
            django_capture_on_commit_callbacks,
            execute=False,
        )
        job = Job.objects.get()
        (settings.MEDIA_ROOT / job.params["upload"]).unlink()
        tasks.official_list_match(job.pk)
        job.refresh_from_db()
        assert job.status == "failed" and job.message and job.finished_at is not None
        assert not OfficialList.objects.exists()

    def test_an_uploader_who_lost_the_county_meanwhile_gets_a_failed_job(
        self, cast, client_for, county_rows, django_capture_on_commit_callbacks
    ):
        client = client_for(cast.zhao)
        self.post(client, county_rows, f"county:{cast.county.pk}", django_capture_on_commit_callbacks, execute=False)
        Membership.objects.filter(user=cast.zhao).delete()
        tasks.official_list_match(Job.objects.get().pk)
        assert Job.objects.get().status == "failed" and not OfficialList.objects.exists()

    def test_a_bad_file_for_the_county_is_refused_at_once(self, cast, client_for, django_capture_on_commit_callbacks):
        client = client_for(cast.zhao)
        response = self.post(
            client,
            [["姓名", "住址"], ["王小明", "枫树村"]],
            f"county:{cast.county.pk}",
            django_capture_on_commit_callbacks,
        )
        assert response.status_code == 200 and response.context["form"].errors["file"]
        assert not Job.objects.exists() and not OfficialList.objects.exists()

    def test_a_long_school_list_goes_through_a_job_too_and_a_short_one_does_not(
        self, cast, client_for, pupil, django_capture_on_commit_callbacks, settings
    ):
        client = client_for(cast.li)
        short = self.post(
            client, [["身份证号"], [pupil.id_number]], f"school:{cast.school.pk}", django_capture_on_commit_callbacks
        )
        assert short["Location"] == f"/official-lists/{OfficialList.objects.get().pk}/" and not Job.objects.exists()
        settings.AIDSYS_IMPORT_ASYNC_ROWS = 1
        rows = [["身份证号"], [pupil.id_number], [make_id_number(date(1970, 1, 1))]]
        self.post(client, rows, f"school:{cast.school.pk}", django_capture_on_commit_callbacks)
        job = Job.objects.get()
        assert (job.status, job.school, job.result["matched_rows"]) == ("done", cast.school, 1)
        assert client_for(cast.zhang).get(f"/official-lists/jobs/{job.pk}/").status_code == 200

    def test_progress_is_reported_as_entries_and_flags_are_written(self, cast, pupil, monkeypatch):
        written = []
        monkeypatch.setattr(matching, "PROGRESS_EVERY", 1)
        monkeypatch.setattr(matching, "ENTRY_BATCH", 2)
        monkeypatch.setattr(JobProgress, "_write", lambda self, done: written.append(done))
        others = [StudentFactory(school_class=cast.class_2) for _ in range(2)]
        rows = [["身份证号"], [pupil.id_number], *([student.id_number] for student in others)]
        checked = matching.official_list_check(actor=cast.zhao, upload=xlsx(rows), kind=Kind.ORPHAN, unit=cast.county)
        job = job_create(kind=matching.OFFICIAL_LIST_JOB, owner=cast.zhao)
        job_start(job_id=job.pk)
        matching.official_list_record(
            actor=cast.zhao,
            checked=checked,
            kind=Kind.ORPHAN,
            name="孤儿",
            list_date=DIBAO_DATE,
            unit=cast.county,
            job=job,
        )
        assert written == [2, 3, 4, 5, 6]  # three entries in batches of two, then three flags
        job.refresh_from_db()
        assert (job.status, job.total, job.done) == ("done", 6, 6)

    @pytest.mark.parametrize(("user", "status"), [("zhao", 200), ("admin", 200), ("li", 404), ("zhang", 404)])
    def test_the_job_pages_are_seen_by_the_county_uploader_only(
        self, cast, client_for, county_rows, django_capture_on_commit_callbacks, user, status
    ):
        self.post(client_for(cast.zhao), county_rows, f"county:{cast.county.pk}", django_capture_on_commit_callbacks)
        job = Job.objects.get()
        client = client_for(getattr(cast, user))
        assert client.get(f"/official-lists/jobs/{job.pk}/").status_code == status
        assert client.get(f"/official-lists/jobs/{job.pk}/status/").status_code == status

    def test_another_countys_staff_do_not_find_the_job(
        self, cast, client_for, county_rows, django_capture_on_commit_callbacks
    ):
        self.post(client_for(cast.zhao), county_rows, f"county:{cast.county.pk}", django_capture_on_commit_callbacks)
        job = Job.objects.get()
        neighbour = MembershipFactory(role=Role.COUNTY_STAFF, school=None, county=cast.other_county).user
        client = client_for(neighbour)
        assert client.get(f"/official-lists/jobs/{job.pk}/").status_code == 404
        assert client.get(f"/official-lists/jobs/{job.pk}/status/").status_code == 404

    def test_a_roster_import_job_is_not_an_official_list_job(self, cast, client_for):
        job = job_create(kind=imports.ROSTER_JOB, owner=cast.zhao)
        assert client_for(cast.zhao).get(f"/official-lists/jobs/{job.pk}/").status_code == 404

    def test_the_job_pages_answer_only_get_and_not_to_class_teachers(
        self, cast, client_for, county_rows, django_capture_on_commit_callbacks
    ):
        self.post(client_for(cast.zhao), county_rows, f"county:{cast.county.pk}", django_capture_on_commit_callbacks)
        job = Job.objects.get()
        assert client_for(cast.zhao).post(f"/official-lists/jobs/{job.pk}/").status_code == 405
        assert client_for(cast.wang).get(f"/official-lists/jobs/{job.pk}/").status_code == 403


class TestCountyListsAtTheSchool:
    """The aid office reads a county's list through the rows that name its students, and no other."""

    @pytest.fixture
    def county_list(self, cast, pupil):
        father = member(pupil)
        self.at_sibling = sibling_pupil(cast)
        self.stranger = make_id_number(date(1970, 1, 1))
        rows = [
            ["姓名", "身份证号"],
            ["王小明", pupil.id_number],
            ["王大山", father.id_number],
            ["赵小刚", self.at_sibling.id_number],
            ["陌生人", self.stranger],
            ["坏", "12"],
        ]
        return upload(cast.zhao, rows, unit=cast.county, name="全县低保名单").official_list

    def test_the_list_page_shows_it_with_the_count_of_the_schools_rows(self, cast, client_for, county_list):
        html = client_for(cast.li).get("/official-lists/").content.decode()
        assert "全县低保名单" in html and 'data-testid="shared"' in html
        assert 'data-testid="matched-count">2<' in html  # 王小明 and his father, not 赵小刚 of 第二小学
        county = client_for(cast.zhao).get("/official-lists/").content.decode()
        assert 'data-testid="matched-count">3<' in county and 'data-testid="shared"' not in county

    def test_the_result_shows_only_the_schools_matches(self, cast, client_for, county_list):
        response = client_for(cast.li).get(f"/official-lists/{county_list.pk}/")
        html = response.content.decode()
        assert response.status_code == 200 and 'data-testid="shared-note"' in html
        matched = html.split('data-testid="matched-rows"')[1].split("</table>")[0]
        assert "王小明" in matched and "王大山" in matched and "赵小刚" not in matched
        assert matched.count("</tr>") == 3 and "<td>4</td>" not in matched  # the header, rows 2 and 3; not row 4
        assert 'data-testid="unmatched-rows"' not in html and 'data-testid="rejected-rows"' not in html
        assert "陌生人" not in html and cn.mask_id_number(self.stranger) not in html
        assert "赵小刚" not in html

    def test_the_principal_reads_it_the_same_way(self, cast, client_for, county_list):
        html = client_for(cast.zhang).get(f"/official-lists/{county_list.pk}/").content.decode()
        matched = html.split('data-testid="matched-rows"')[1].split("</table>")[0]
        assert "王小明" in matched and "赵小刚" not in html

    def test_the_other_schools_aid_office_sees_its_own_rows_only(self, cast, client_for, county_list):
        neighbour = MembershipFactory(role=Role.AID_OFFICE, school=cast.sibling_school).user
        html = client_for(neighbour).get(f"/official-lists/{county_list.pk}/").content.decode()
        matched = html.split('data-testid="matched-rows"')[1].split("</table>")[0]
        assert "赵小刚" in matched and "王小明" not in html and "王大山" not in html

    def test_county_staff_still_see_the_whole_list(self, cast, client_for, county_list):
        html = client_for(cast.zhao).get(f"/official-lists/{county_list.pk}/").content.decode()
        matched = html.split('data-testid="matched-rows"')[1].split("</table>")[0]
        assert "王小明" in matched and "赵小刚" in matched
        assert "陌生人" in html.split('data-testid="unmatched-rows"')[1] and 'data-testid="rejected-rows"' in html
        assert 'data-testid="shared-note"' not in html

    def test_the_selectors_hold_the_same_scope(self, cast, pupil, county_list):
        official_list = selectors.official_list_for_page(user=cast.li, pk=county_list.pk)
        assert official_list.shared and (official_list.row_count, official_list.matched_count) == (None, 2)
        entries = selectors.matched_entries(user=cast.li, official_list=official_list)
        assert {entry.row_number for entry in entries} == {2, 3}
        assert not selectors.unmatched_entries(official_list=official_list)
        assert selectors.rejected_rows(official_list=official_list) == []
        whole = selectors.official_list_for_page(user=cast.zhao, pk=county_list.pk)
        assert not whole.shared and (whole.row_count, whole.matched_count) == (4, 3)

    def test_a_list_naming_none_of_the_schools_students_stays_out_of_sight(self, cast, client_for, pupil):
        other = upload(
            cast.zhao, [["身份证号"], [sibling_pupil(cast).id_number]], unit=cast.county, name="第二小学的名单"
        )
        client = client_for(cast.li)
        assert "第二小学的名单" not in client.get("/official-lists/").content.decode()
        assert client.get(f"/official-lists/{other.official_list.pk}/").status_code == 404

    def test_a_sibling_schools_own_list_is_not_shared(self, cast, client_for, pupil):
        neighbour = MembershipFactory(role=Role.AID_OFFICE, school=cast.sibling_school).user
        # A school's own upload matches its own students only; even naming 王小明, it is not 实验小学's.
        school_list = upload(neighbour, [["身份证号"], [pupil.id_number]], unit=cast.sibling_school).official_list
        assert client_for(cast.li).get(f"/official-lists/{school_list.pk}/").status_code == 404

    def test_another_countys_list_is_never_shared(self, cast, client_for, pupil):
        assert list(selectors.official_lists(user=cast.outsider)) == []
