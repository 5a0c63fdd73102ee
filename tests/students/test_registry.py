import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from aidsys.models import AuditEvent, User
from students.models import HomeVisit, HouseholdMember, Identification, OfficialList, SpecialGroupFlag, Student
from students.services import home_visit_record, special_group_remove, special_group_set_from_list
from tests.factories import HouseholdFactory, StudentFactory, make_id_number

Action = AuditEvent.Action


def grant_reveal(user) -> User:
    user.user_permissions.add(Permission.objects.get(codename="reveal_sensitive"))
    return User.objects.get(pk=user.pk)  # a fresh object: Django caches permissions on the old one


def jpeg(width=3000, height=2000, exif_gps=False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), "orange")
    extra = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (28.0, 12.0, 0.0)}  # GPSInfo
        extra["exif"] = exif.tobytes()
    image.save(buffer, format="JPEG", **extra)
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def ming(cast):
    student = StudentFactory(
        school_class=cast.class_1, name="王小明", guardian_name="王大山", guardian_phone="13812345678", boarder=False
    )
    HouseholdMember.objects.create(household=student.household, name="王大山", relation="father", annual_income=12000)
    HouseholdMember.objects.create(household=student.household, name="李秀英", relation="mother", annual_income=6000)
    HouseholdMember.objects.create(household=student.household, name="王小明", relation="self", student=student)
    return student


class TestClassRoster:
    def test_it_lists_the_class_with_masked_id_numbers(self, cast, ming, client_for):
        html = client_for(cast.wang).get(f"/classes/{cast.class_1.pk}/roster/").content.decode()
        assert "王小明" in html
        assert ming.id_number not in html
        assert ming.id_number[:4] + "**********" + ming.id_number[-4:] in html

    @pytest.mark.parametrize(
        ("query", "found"),
        [("王小明", True), ("wxm", True), ("wangxiao", True), ("zw", False), ("李", False)],
    )
    def test_it_finds_a_student_by_name_or_pinyin(self, cast, ming, client_for, query, found):
        StudentFactory(school_class=cast.class_1, name="张伟")
        html = client_for(cast.wang).get(f"/classes/{cast.class_1.pk}/roster/", {"q": query}).content.decode()
        assert ("王小明" in html) is found

    def test_it_finds_a_student_by_the_last_digits_of_the_id_number(self, cast, ming, client_for):
        other = StudentFactory(school_class=cast.class_1, name="张伟")
        html = client_for(cast.wang).get(f"/classes/{cast.class_1.pk}/roster/", {"q": ming.id_number[-6:]})
        assert "王小明" in html.content.decode() and other.name not in html.content.decode()

    def test_the_filters_narrow_the_list(self, cast, ming, client_for):
        boarder = StudentFactory(school_class=cast.class_1, name="赵住校", boarder=True, hukou="urban")
        SpecialGroupFlag.objects.create(household=ming.household, group="single_parent", source="self_declared")
        Identification.objects.create(
            student=boarder, school_year=cast.school_year, tier="difficult", decided_on=date(2026, 10, 20)
        )
        HomeVisit.objects.create(
            student=boarder, visitor=cast.wang, school_year=cast.school_year, visited_on=date(2026, 9, 20),
            method="phone", people_met="母亲", housing="poor", suggested_tier="difficult",
        )  # fmt: skip
        client = client_for(cast.wang)
        url = f"/classes/{cast.class_1.pk}/roster/"

        def names(**filters):
            page = client.get(url, filters).content.decode()
            return {name for name in ("王小明", "赵住校") if f">{name}<" in page}

        assert names(boarder="yes") == {"赵住校"}
        assert names(boarder="no") == {"王小明"}
        assert names(hukou="urban") == {"赵住校"}
        assert names(special_group="single_parent") == {"王小明"}
        assert names(tier="difficult") == {"赵住校"}
        assert names(visit="yes") == {"赵住校"}
        assert names(visit="no") == {"王小明"}

    def test_it_issues_as_many_queries_for_200_students_as_for_10(self, cast, client_for):
        client = client_for(cast.li)

        def queries_for_roster():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(f"/classes/{cast.class_1.pk}/roster/").status_code == 200
            with CaptureQueriesContext(connection) as school_captured:
                assert client.get(f"/schools/{cast.school.pk}/students/").status_code == 200
            return len(captured), len(school_captured)

        def add_students(n):
            for _ in range(n):
                student = StudentFactory(school_class=cast.class_1, household=HouseholdFactory())
                SpecialGroupFlag.objects.create(household=student.household, group="orphan", source="home_visit")

        add_students(10)
        small = queries_for_roster()
        add_students(190)
        assert Student.objects.filter(school_class=cast.class_1).count() == 200
        assert queries_for_roster() == small


class TestStudentPage:
    def test_it_shows_profile_household_and_masks_the_sensitive_values(self, cast, ming, client_for):
        html = client_for(cast.wang).get(f"/students/{ming.pk}/").content.decode()
        assert "王大山" in html and "李秀英" in html
        for secret in (ming.id_number, "13812345678", "枫树村", "6000.00", "6,000.00", ming.id_number[6:14]):
            assert secret not in html
        assert "138****5678" in html
        assert "显示" not in html  # no reveal button without the permission
        assert "本学年还没有家访记录" in html

    def test_a_user_with_the_permission_reveals_one_field_and_it_is_recorded(self, cast, ming, client):
        li = grant_reveal(cast.li)
        client.force_login(li)
        page = client.get(f"/students/{ming.pk}/").content.decode()
        assert f'data-testid="reveal-sensitive-{ming.pk}-id_number"' in page
        response = client.post(f"/students/{ming.pk}/reveal/id_number/")
        assert response.status_code == 200 and ming.id_number in response.content.decode()
        event = AuditEvent.objects.get(action=Action.REVEAL_SENSITIVE)
        assert (event.actor, event.target, event.changes) == (li, ming, {"field": [None, "id_number"]})
        income = client.post(f"/students/{ming.pk}/reveal/income/").content.decode()
        assert "6,000.00" in income  # (12000 + 6000 + 0) / 3

    def test_health_and_disability_are_masked_and_revealed_together(self, cast, ming, client, client_for):
        HouseholdMember.objects.filter(name="李秀英").update(health="serious_illness", health_note="尿毒症透析")
        HomeVisit.objects.create(
            student=ming,
            visitor=cast.wang,
            school_year=cast.school_year,
            visited_on=date(2026, 10, 12),
            method="in_person",
            people_met="父亲",
            housing="dangerous",
            health_disability="母亲每周透析三次",
            suggested_tier="especially_difficult",
        )
        html = client_for(cast.wang).get(f"/students/{ming.pk}/").content.decode()
        for secret in ("尿毒症", "透析", "重病", "严重疾病"):
            assert secret not in html
        assert f'id="sensitive-{ming.pk}-health"' in html
        client.force_login(grant_reveal(cast.li))
        revealed = client.post(f"/students/{ming.pk}/reveal/health/").content.decode()
        assert "李秀英（母亲）：重病，尿毒症透析" in revealed
        assert "2026-10-12" in revealed and "母亲每周透析三次" in revealed
        assert "王大山" not in revealed  # healthy members are not listed
        event = AuditEvent.objects.get(action=Action.REVEAL_SENSITIVE)
        assert event.changes == {"field": [None, "health"]}

    def test_the_history_names_the_members_groups_and_visits_and_keeps_what_was_removed(self, cast, ming, client_for):
        from students.services import member_add, member_remove, special_group_set

        other = StudentFactory(school_class=cast.class_1)
        grandma = member_add(actor=cast.wang, household=ming.household, name="赵桂兰", relation="grandparent")
        member_remove(actor=cast.wang, member=grandma, reason="已去世")
        flag = special_group_set(actor=cast.wang, household=ming.household, group="single_parent", source="home_visit")
        special_group_remove(actor=cast.wang, flag=flag, reason="登记有误")
        home_visit_record(
            actor=cast.wang, student=ming, school_year=cast.school_year, visited_on=date(2026, 10, 12),
            method="phone", people_met="母亲", housing="poor", suggested_tier="difficult",
        )  # fmt: skip
        member_add(actor=cast.wang, household=other.household, name="别家的人", relation="father")
        response = client_for(cast.wang).get(f"/students/{ming.pk}/")
        subjects = [(event.content_type.model, event.action) for event in response.context["history"]]
        assert ("householdmember", "create") in subjects and ("householdmember", "delete") in subjects
        assert ("specialgroupflag", "create") in subjects and ("specialgroupflag", "delete") in subjects
        assert ("homevisit", "create") in subjects
        html = response.content.decode()
        assert "赵桂兰" in html and "已去世" in html and "登记有误" in html
        assert "别家的人" not in html
        trail = html.split('id="history-heading"')[1]
        assert "健康状况：****" in trail and "健康状况：健康" not in trail  # a member's health is masked there too
        pks = [event.pk for event in response.context["history"]]
        assert pks == sorted(pks, reverse=True)

    def test_without_the_permission_nothing_is_revealed_or_recorded(self, cast, ming, client_for):
        response = client_for(cast.li).post(f"/students/{ming.pk}/reveal/id_number/")
        assert response.status_code == 403
        assert ming.id_number not in response.content.decode()
        assert not AuditEvent.objects.filter(action=Action.REVEAL_SENSITIVE).exists()

    def test_an_unknown_field_is_not_found(self, cast, ming, client):
        client.force_login(grant_reveal(cast.li))
        assert client.post(f"/students/{ming.pk}/reveal/password/").status_code == 404

    def test_revealing_answers_only_post(self, cast, ming, client):
        client.force_login(grant_reveal(cast.li))
        assert client.get(f"/students/{ming.pk}/reveal/id_number/").status_code == 405

    def test_a_class_teacher_opening_a_student_of_another_class_gets_404(self, cast, client_for):
        other = StudentFactory(school_class=cast.class_2)
        assert client_for(cast.wang).get(f"/students/{other.pk}/").status_code == 404

    def test_the_principal_reads_but_does_not_edit(self, cast, ming, client_for):
        client = client_for(cast.zhang)
        assert client.get(f"/students/{ming.pk}/").status_code == 200
        assert client.post(f"/students/{ming.pk}/edit/", {"hukou": "urban"}).status_code == 403


class TestEditingDetails:
    def test_an_empty_phone_keeps_the_stored_one_and_the_change_is_audited(self, cast, ming, client_for):
        response = client_for(cast.wang).post(
            f"/students/{ming.pk}/edit/",
            {"hukou": "rural", "boarder": "on", "guardian_name": "王大山", "guardian_phone": "", "account_number": ""},
        )
        assert response.status_code == 302
        ming.refresh_from_db()
        assert (ming.guardian_phone, ming.boarder) == ("13812345678", True)
        assert AuditEvent.objects.for_object(ming).get(action=Action.UPDATE).changes == {"boarder": [False, True]}

    def test_the_form_never_shows_the_stored_phone(self, cast, ming, client_for):
        html = client_for(cast.wang).get(f"/students/{ming.pk}/edit/").content.decode()
        assert "13812345678" not in html and "138****5678" in html

    def test_a_wrong_phone_is_refused_beside_the_field(self, cast, ming, client_for):
        response = client_for(cast.wang).post(
            f"/students/{ming.pk}/edit/", {"hukou": "rural", "guardian_phone": "1381234"}
        )
        html = response.content.decode()
        assert 'id="id_guardian_phone_error_1"' in html and "手机号应为11位" in html
        ming.refresh_from_db()
        assert ming.guardian_phone == "13812345678"

    def test_the_address_is_write_only_too(self, cast, ming, client_for):
        client = client_for(cast.wang)
        assert "枫树村" not in client.get(f"/students/{ming.pk}/household/").content.decode()
        client.post(f"/students/{ming.pk}/household/", {"township": "白沙乡", "village": "", "address_detail": "5组"})
        ming.household.refresh_from_db()
        assert (ming.household.township, ming.household.village, ming.household.address_detail) == (
            "白沙乡",
            "枫树村",
            "5组",
        )


class TestEnrolmentStatus:
    def test_a_transfer_out_is_recorded_with_its_day_and_reason_and_shown(self, cast, ming, client_for):
        client = client_for(cast.wang)
        url = f"/students/{ming.pk}/status/"
        assert client.get(url).status_code == 200
        response = client.post(url, {"status": "transferred_out", "since": "2026-11-20", "reason": "随父母迁往外省"})
        assert response.status_code == 302
        ming.refresh_from_db()
        assert (ming.status, ming.status_since) == ("transferred_out", date(2026, 11, 20))
        event = AuditEvent.objects.for_object(ming).get()
        assert event.changes["status"] == ["enrolled", "transferred_out"]
        assert event.changes["status_since"] == [None, "2026-11-20"] and event.reason == "随父母迁往外省"
        html = client.get(f"/students/{ming.pk}/").content.decode()
        assert "转出" in html and "2026-11-20" in html

    def test_a_day_in_the_future_or_no_reason_is_refused_and_nothing_changes(self, cast, ming, client_for):
        client = client_for(cast.wang)
        url = f"/students/{ming.pk}/status/"
        future = client.post(url, {"status": "graduated", "since": "2099-07-01", "reason": "毕业"})
        assert future.status_code == 400 and "不能晚于今天" in future.content.decode()
        assert client.post(url, {"status": "graduated", "since": "2026-07-01", "reason": ""}).status_code == 400
        ming.refresh_from_db()
        assert ming.status == "enrolled" and not AuditEvent.objects.for_object(ming).exists()

    def test_any_other_change_of_the_status_dates_it_from_today(self, cast, ming):
        from django.utils import timezone

        from students.services import student_update

        student_update(actor=cast.li, student=ming, data={"status": "suspended"}, reason="roster import")
        ming.refresh_from_db()
        assert (ming.status, ming.status_since) == ("suspended", timezone.localdate())
        student_update(actor=cast.li, student=ming, data={"boarder": True})
        ming.refresh_from_db()
        assert ming.status_since == timezone.localdate() and ming.boarder

    def test_the_principal_and_another_class_teacher_may_not(self, cast, ming, client_for):
        url = f"/students/{ming.pk}/status/"
        data = {"status": "suspended", "since": "2026-11-02", "reason": "病休"}
        assert client_for(cast.zhang).post(url, data).status_code == 403
        assert client_for(cast.outsider).post(url, data).status_code == 404
        ming.refresh_from_db()
        assert ming.status == "enrolled"


class TestHouseholdJoin:
    def test_a_sibling_joins_the_household_with_its_members_and_groups_once(self, cast, ming, client_for):
        from students.services import special_group_set

        sister = StudentFactory(school_class=cast.class_1, name="王小红", household=HouseholdFactory())
        old = sister.household
        HouseholdMember.objects.create(household=old, name="王大山", relation="father", annual_income=12000)
        HouseholdMember.objects.create(household=old, name="王奶奶", relation="grandparent")
        special_group_set(actor=cast.wang, household=old, group="single_parent", source="home_visit")
        special_group_set(actor=cast.wang, household=ming.household, group="single_parent", source="home_visit")
        special_group_set(actor=cast.wang, household=old, group="serious_illness", source="self_declared")
        client = client_for(cast.wang)
        response = client.post(
            f"/students/{ming.pk}/household/join/", {"id_number": sister.id_number.lower(), "reason": "同胞姐妹"}
        )
        assert response.status_code == 302
        sister.refresh_from_db()
        household = ming.household
        assert sister.household == household and not type(old).objects.filter(pk=old.pk).exists()
        members = sorted((m.name, m.relation, m.student_id) for m in household.members.all())
        assert members == sorted(
            [
                ("王大山", "father", None),
                ("李秀英", "mother", None),
                ("王小明", "self", ming.pk),
                ("王奶奶", "grandparent", None),
                ("王小红", "self", sister.pk),
            ]
        )
        assert sorted(household.special_groups.values_list("group", flat=True)) == ["serious_illness", "single_parent"]
        assert AuditEvent.objects.filter(reason__contains="同胞姐妹").count() >= 6
        html = client.get(f"/students/{ming.pk}/").content.decode()
        assert f"王小红（{cast.class_1.name}）" in html  # 在校兄弟姐妹

    def test_an_unknown_or_out_of_scope_id_number_is_refused_beside_the_field(self, cast, ming, client_for):
        other_class = StudentFactory(school_class=cast.class_2, household=HouseholdFactory())
        client = client_for(cast.wang)
        url = f"/students/{ming.pk}/household/join/"
        from tests.factories import make_id_number

        for number in (other_class.id_number, ming.id_number, make_id_number(date(2013, 5, 1))):
            response = client.post(url, {"id_number": number, "reason": "同胞"})
            assert response.status_code == 400 and "没有找到" in response.content.decode()
        other_class.refresh_from_db()
        assert other_class.household != ming.household
        assert not AuditEvent.objects.filter(reason__contains="同胞").exists()

    def test_an_official_flag_and_a_members_details_survive_the_join(self, cast, ming):
        from students.models import OfficialListEntry
        from students.services import household_join, special_group_set

        sister = StudentFactory(school_class=cast.class_1, household=HouseholdFactory())
        father = HouseholdMember.objects.get(household=ming.household, name="王大山")
        HouseholdMember.objects.filter(pk=father.pk).update(id_number=make_id_number(date(1980, 3, 1)))
        father.refresh_from_db()
        # The sister's household knows the father by his ID under another name, with his job.
        twin = HouseholdMember.objects.create(
            household=sister.household, name="王大三", relation="father", id_number=father.id_number, occupation="务工"
        )
        official = OfficialList.objects.create(
            kind="minimum_living", name="县民政局低保名单", list_date=date(2026, 10, 1), county=cast.county,
            file_name="dibao.xlsx", uploaded_by=cast.zhao,
        )  # fmt: skip
        entry = OfficialListEntry.objects.create(
            official_list=official, row_number=2, id_number=twin.id_number, group="minimum_living", matched_member=twin
        )
        special_group_set_from_list(
            actor=cast.zhao, household=sister.household, group="minimum_living", official_list=official
        )
        special_group_set(actor=cast.wang, household=ming.household, group="minimum_living", source="self_declared")
        household_join(actor=cast.wang, student=ming, sibling=sister, reason="同胞")
        [flag] = ming.household.special_groups.all()
        assert (flag.group, flag.source, flag.list_name) == ("minimum_living", "official_list", "县民政局低保名单")
        father.refresh_from_db()
        assert father.occupation == "务工" and father.name == "王大山"
        assert not HouseholdMember.objects.filter(pk=twin.pk).exists()
        entry.refresh_from_db()
        assert entry.matched_member == father
        assert HouseholdMember.objects.get(student=sister).household == ming.household

    def test_a_student_of_that_household_out_of_the_actors_classes_stops_the_join(self, cast, ming, client_for):
        sister = StudentFactory(school_class=cast.class_1, household=HouseholdFactory())
        StudentFactory(school_class=cast.class_2, household=sister.household)
        response = client_for(cast.wang).post(
            f"/students/{ming.pk}/household/join/", {"id_number": sister.id_number, "reason": "同胞"}
        )
        assert response.status_code == 400 and "资助专干" in response.content.decode()
        sister.refresh_from_db()
        assert sister.household != ming.household

    def test_the_same_household_is_refused(self, cast, ming, client_for):
        from students.services import household_join

        brother = StudentFactory(school_class=cast.class_1, household=ming.household)
        with pytest.raises(ValidationError):
            household_join(actor=cast.wang, student=ming, sibling=brother, reason="重复")


class TestMembers:
    def test_adding_a_member_changes_the_per_capita_income(self, cast, ming, client_for):
        client_for(cast.wang).post(
            f"/students/{ming.pk}/household/members/new/",
            {"name": "王奶奶", "relation": "grandparent", "age": 70, "health": "chronic_illness", "annual_income": "0"},
        )
        assert ming.household.per_capita_income() == Decimal("4500.00")
        assert AuditEvent.objects.filter(action=Action.CREATE, object_repr="王奶奶").exists()

    def test_a_wrong_id_number_of_a_member_is_refused_in_chinese(self, cast, ming, client_for):
        response = client_for(cast.wang).post(
            f"/students/{ming.pk}/household/members/new/",
            {"name": "王奶奶", "relation": "grandparent", "id_number": "430101195001011234", "health": "healthy"},
        )
        assert "校验位应为" in response.content.decode()
        assert not HouseholdMember.objects.filter(name="王奶奶").exists()

    def test_removing_a_member_needs_a_reason(self, cast, ming, client_for):
        member = ming.household.members.get(name="李秀英")
        client = client_for(cast.wang)
        client.post(f"/students/{ming.pk}/household/members/{member.pk}/remove/", {"reason": ""})
        assert HouseholdMember.objects.filter(pk=member.pk).exists()
        client.post(f"/students/{ming.pk}/household/members/{member.pk}/remove/", {"reason": "已离婚，不在本户"})
        assert not HouseholdMember.objects.filter(pk=member.pk).exists()

    def test_without_the_permission_the_edit_page_masks_health_and_keeps_it_on_save(self, cast, ming, client_for):
        member = ming.household.members.get(name="李秀英")
        HouseholdMember.objects.filter(pk=member.pk).update(health="disabled", health_note="右腿截肢")
        url = f"/students/{ming.pk}/household/members/{member.pk}/"
        client = client_for(cast.wang)
        html = client.get(url).content.decode()
        assert "右腿截肢" not in html
        assert 'value="disabled" selected' not in html and 'value="healthy" selected' not in html
        response = client.post(
            url, {"name": "李秀英", "relation": "mother", "age": 41, "health": "", "health_note": ""}
        )
        assert response.status_code == 302
        member.refresh_from_db()
        assert (member.age, member.health, member.health_note) == (41, "disabled", "右腿截肢")
        assert not AuditEvent.objects.filter(action=Action.REVEAL_SENSITIVE).exists()

    def test_without_the_permission_a_new_health_value_is_still_saved(self, cast, ming, client_for):
        member = ming.household.members.get(name="李秀英")
        client_for(cast.wang).post(
            f"/students/{ming.pk}/household/members/{member.pk}/",
            {"name": "李秀英", "relation": "mother", "health": "serious_illness", "health_note": "尿毒症"},
        )
        member.refresh_from_db()
        assert (member.health, member.health_note) == ("serious_illness", "尿毒症")

    def test_with_the_permission_the_edit_page_shows_health_and_records_the_showing(self, cast, ming, client_for):
        member = ming.household.members.get(name="李秀英")
        HouseholdMember.objects.filter(pk=member.pk).update(health="disabled", health_note="右腿截肢")
        html = client_for(grant_reveal(cast.li)).get(f"/students/{ming.pk}/household/members/{member.pk}/")
        assert "右腿截肢" in html.content.decode()
        event = AuditEvent.objects.get(action=Action.REVEAL_SENSITIVE)
        assert (event.actor, event.object_id, event.changes) == (cast.li, str(member.pk), {"field": [None, "health"]})
        assert event.school_id == cast.school.pk

    def test_a_member_of_another_household_is_not_found(self, cast, ming, client_for):
        stranger = HouseholdMember.objects.create(household=HouseholdFactory(), name="外人", relation="father")
        assert client_for(cast.wang).get(f"/students/{ming.pk}/household/members/{stranger.pk}/").status_code == 404


class TestSpecialGroups:
    def test_a_teacher_records_one_from_a_home_visit(self, cast, ming, client_for):
        client_for(cast.wang).post(
            f"/students/{ming.pk}/special-groups/",
            {"group": "serious_illness", "source": "home_visit", "note": "父亲透析"},
        )
        flag = SpecialGroupFlag.objects.get(household=ming.household)
        assert (flag.group, flag.source, flag.recorded_by) == ("serious_illness", "home_visit", cast.wang)

    def test_a_flag_from_an_official_list_is_not_changed_by_hand(self, cast, ming, client_for):
        official = OfficialList.objects.create(
            kind="minimum_living", name="县民政局低保名单", list_date=date(2026, 10, 1), county=cast.county,
            file_name="dibao.xlsx", uploaded_by=cast.zhao,
        )  # fmt: skip
        flag = special_group_set_from_list(
            actor=cast.zhao, household=ming.household, group="minimum_living", official_list=official
        )
        with pytest.raises(ValidationError, match="县民政局低保名单"):
            special_group_remove(actor=cast.wang, flag=flag, reason="不对")
        response = client_for(cast.wang).post(
            f"/students/{ming.pk}/special-groups/", {"group": "minimum_living", "source": "self_declared"}
        )
        assert "县民政局低保名单" in response.content.decode()
        flag.refresh_from_db()
        assert flag.source == "official_list"
        html = client_for(cast.wang).get(f"/students/{ming.pk}/").content.decode()
        assert "县民政局低保名单 2026-10-01" in html


class TestHomeVisits:
    def test_a_visit_with_photos_is_recorded_and_the_photos_made_small_and_private(self, cast, ming, client_for):
        client = client_for(cast.wang)
        response = client.post(
            f"/students/{ming.pk}/visits/new/",
            {
                "visited_on": "2026-10-12",
                "method": "in_person",
                "people_met": "王大山（父亲）",
                "housing": "poor",
                "income_sources": ["wages", "farming"],
                "big_expenses": ["medical"],
                "notes": "房屋漏雨",
                "suggested_tier": "difficult",
                "photos": [jpeg(exif_gps=True), jpeg(800, 600)],
            },
        )
        assert response.status_code == 302
        visit = HomeVisit.objects.get()
        assert (visit.visitor, visit.school_year, visit.income_sources) == (
            cast.wang,
            cast.school_year,
            ["wages", "farming"],
        )
        photos = list(visit.photos.order_by("pk"))
        assert [(p.width, p.height) for p in photos] == [(1600, 1067), (800, 600)]
        stored = Image.open(photos[0].image.path)
        assert not stored.getexif().get(0x8825)
        shown = client.get(f"/visits/photos/{photos[0].pk}/")
        assert shown.status_code == 200 and shown["Cache-Control"] == "no-store, private"
        event = AuditEvent.objects.get(action=Action.REVEAL_SENSITIVE)
        assert (event.actor, event.object_id, event.school_id) == (cast.wang, str(photos[0].pk), cast.school.pk)
        assert client_for(cast.outsider).get(f"/visits/photos/{photos[0].pk}/").status_code == 404
        assert AuditEvent.objects.filter(action=Action.REVEAL_SENSITIVE).count() == 1
        assert "房屋漏雨" not in str(AuditEvent.objects.for_object(visit).get().changes)

    def test_a_file_that_is_not_a_photo_stops_the_whole_visit(self, cast, ming, client_for):
        bad = SimpleUploadedFile("notes.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
        with pytest.raises(ValidationError, match="不是系统能读取的照片"):
            home_visit_record(
                actor=cast.wang, student=ming, school_year=cast.school_year, photos=[jpeg(), bad],
                visited_on=date(2026, 10, 12), method="phone", people_met="母亲", housing="poor",
                suggested_tier="difficult",
            )  # fmt: skip
        assert not HomeVisit.objects.exists()

    def test_a_visit_in_the_future_is_refused_beside_the_date(self, cast, ming, client_for):
        response = client_for(cast.wang).post(
            f"/students/{ming.pk}/visits/new/",
            {
                "visited_on": "2099-01-01",
                "method": "phone",
                "people_met": "母亲",
                "housing": "poor",
                "suggested_tier": "difficult",
            },
        )
        assert 'id="id_visited_on_error_1"' in response.content.decode()
        assert not HomeVisit.objects.exists()

    @pytest.mark.parametrize(("width", "height"), [(15000, 15000), (10000, 10000)])
    def test_a_photo_with_too_many_pixels_is_refused_beside_the_photos(self, cast, ming, client_for, width, height):
        from tests.applications.filing import png_claiming

        bomb = SimpleUploadedFile("IMG_0002.png", png_claiming(width, height), content_type="image/png")
        data = {"method": "phone", "people_met": "母亲", "housing": "poor", "suggested_tier": "difficult"}
        response = client_for(cast.wang).post(
            f"/students/{ming.pk}/visits/new/", {"visited_on": "2026-10-12", "photos": [bomb], **data}
        )
        assert response.status_code == 200 and not HomeVisit.objects.exists()
        html = response.content.decode()
        assert "“IMG_0002.png”" in html and "图片最多 40 百万像素" in html

    def test_a_visit_dated_in_year_one_is_refused_beside_the_date(self, cast, ming, client_for, time_machine):
        time_machine.move_to(date(2026, 11, 2))
        data = {"method": "phone", "people_met": "母亲", "housing": "poor", "suggested_tier": "difficult"}
        response = client_for(cast.wang).post(f"/students/{ming.pk}/visits/new/", {"visited_on": "0001-01-01", **data})
        assert response.status_code == 200 and not HomeVisit.objects.exists()
        assert "家访日期：0001-01-01 不是合理的日期" in response.content.decode()

    def test_a_visit_outside_the_school_year_does_not_count_for_it(self, cast, ming, client_for, time_machine):
        time_machine.move_to(date(2026, 11, 2))
        fields = {"method": "phone", "people_met": "母亲", "housing": "poor", "suggested_tier": "difficult"}
        with pytest.raises(ValidationError) as refused:
            home_visit_record(
                actor=cast.wang, student=ming, school_year=cast.school_year, visited_on=date(2025, 6, 1), **fields
            )
        assert refused.value.error_dict["visited_on"][0].code == "visit_outside_school_year"
        assert "2026-09-01" in refused.value.messages[0]
        with pytest.raises(ValidationError):
            home_visit_record(
                actor=cast.wang, student=ming, school_year=cast.school_year, visited_on=date(2026, 11, 3), **fields
            )
        home_visit_record(
            actor=cast.wang, student=ming, school_year=cast.school_year, visited_on=date(2026, 10, 12), **fields
        )
        assert HomeVisit.objects.count() == 1

    def test_the_student_page_shows_the_visit(self, cast, ming, client_for):
        home_visit_record(
            actor=cast.wang, student=ming, school_year=cast.school_year, visited_on=date(2026, 10, 12),
            method="phone", people_met="李秀英（母亲）", housing="ordinary", suggested_tier="generally_difficult",
        )  # fmt: skip
        html = client_for(cast.li).get(f"/students/{ming.pk}/").content.decode()
        assert "李秀英（母亲）" in html and "本学年还没有家访记录" not in html


class TestTodo:
    def test_a_class_teacher_sees_the_students_still_to_visit(self, cast, ming, client_for):
        StudentFactory(school_class=cast.class_1, name="张伟")
        StudentFactory(school_class=cast.class_2, name="李小红")
        home_visit_record(
            actor=cast.wang, student=ming, school_year=cast.school_year, visited_on=date(2026, 10, 12),
            method="phone", people_met="母亲", housing="ordinary", suggested_tier="not_difficult",
        )  # fmt: skip
        html = client_for(cast.wang).get("/").content.decode()
        assert "一年级(1)班：本学年未家访的学生" in html
        assert f'href="/classes/{cast.class_1.pk}/roster/?visit=no"' in html
        assert '<span class="badge text-bg-primary rounded-pill">1</span>' in html
        assert "暂无待办" in client_for(cast.li).get("/").content.decode()


class TestLinks:
    def test_the_roster_pages_offer_the_export_to_those_who_may(self, cast, client_for):
        assert (
            f"/classes/{cast.class_1.pk}/export/"
            in client_for(cast.wang).get(f"/classes/{cast.class_1.pk}/roster/").content.decode()
        )
        school_page = f"/schools/{cast.school.pk}/students/"
        assert f"/schools/{cast.school.pk}/export/" in client_for(cast.li).get(school_page).content.decode()
        assert f"/schools/{cast.school.pk}/export/" not in client_for(cast.wang).get(school_page).content.decode()

    def test_the_school_list_offers_the_import_to_the_aid_office_only(self, cast, client_for):
        school_page = f"/schools/{cast.school.pk}/students/"
        import_url = f"/schools/{cast.school.pk}/students/import/"
        assert import_url in client_for(cast.li).get(school_page).content.decode()
        assert import_url in client_for(cast.zhao).get(school_page).content.decode()
        assert import_url not in client_for(cast.zhang).get(school_page).content.decode()

    def test_the_menu_lists_official_lists_for_the_aid_office_not_the_class_teacher(self, cast, client_for):
        assert "部门认定名单" in client_for(cast.li).get("/").content.decode()
        assert "部门认定名单" not in client_for(cast.wang).get("/").content.decode()


def test_a_home_visit_form_proposes_today(cast):
    # Most visits are recorded the day they are made.
    from django.utils import timezone

    from students.forms import HomeVisitForm

    assert HomeVisitForm()["visited_on"].value() == timezone.localdate()


def test_a_column_of_people_is_headed_xingming_not_mingcheng(cast, ming, client_for):
    # 姓名 wherever the column holds a person: the roster and the family table.
    client = client_for(cast.wang)
    roster = client.get(f"/classes/{cast.class_1.pk}/roster/").content.decode()
    assert '<th scope="col">姓名</th>' in roster and '<th scope="col">名称</th>' not in roster
    page = client.get(ming.get_absolute_url()).content.decode()
    assert '<th scope="col">姓名</th>' in page and '<th scope="col">名称</th>' not in page
