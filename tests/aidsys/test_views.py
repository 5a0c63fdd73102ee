import re
from datetime import date

import pytest
from django.conf import settings

from aidsys.models import AuditEvent, Holiday, Term
from aidsys.todo import TodoItem, _providers, register_todo_provider
from tests.factories import MembershipFactory, SchoolClassFactory, SchoolFactory, TermFactory, UserFactory

Action = AuditEvent.Action


class TestDashboard:
    def test_it_greets_the_user_in_chinese_and_lists_their_classes(self, cast, client_for):
        html = client_for(cast.wang).get("/").content.decode()
        assert "您好，王老师" in html
        assert "一年级(1)班" in html
        assert "一年级(2)班" not in html
        assert "暂无待办" in html

    def test_the_aid_office_sees_its_school(self, cast, client_for):
        html = client_for(cast.li).get("/").content.decode()
        assert "青山县实验小学" in html and "青山县第二小学" not in html

    def test_county_staff_see_their_countys_schools(self, cast, client_for):
        html = client_for(cast.zhao).get("/").content.decode()
        assert "青山县实验小学" in html and "青山县第二小学" in html and "白水小学" not in html

    def test_a_user_without_a_role_is_told_so(self, db, client_for):
        html = client_for(UserFactory(username="nobody")).get("/").content.decode()
        assert "您的账号还没有角色" in html

    def test_waiting_work_from_later_stages_is_listed_and_old_work_marked(self, cast, client_for):
        from django.utils import timezone

        def provider(user):
            return [
                TodoItem(
                    role="aid_office",
                    title="待复审的申请",
                    count=3,
                    url="/",
                    oldest=timezone.now() - timezone.timedelta(days=9),
                )
            ]

        register_todo_provider(provider)
        try:
            html = client_for(cast.li).get("/").content.decode()
        finally:
            _providers.remove(provider)
        assert "待复审的申请" in html and "已等待 9 天" in html

    def test_it_answers_only_get(self, cast, client_for):
        assert client_for(cast.li).post("/").status_code == 405

    def test_navigation_follows_the_role(self, cast, client_for):
        teacher = client_for(cast.wang).get("/").content.decode()
        assert ">操作记录</a>" not in teacher and "节假日" not in teacher
        office = client_for(cast.li).get("/").content.decode()
        assert ">操作记录</a>" in office and "节假日" in office


class TestSchoolPages:
    def test_the_list_shows_only_schools_in_scope(self, cast, client_for):
        html = client_for(cast.li).get("/schools/").content.decode()
        assert "青山县实验小学" in html and "白水小学" not in html

    def test_a_countys_schools_come_fifty_to_a_page_in_code_order(self, cast, client_for):
        for index in range(60):
            SchoolFactory(county=cast.county, code=f"43990110{index:02d}", name=f"青山县第{index + 10}小学")
        client = client_for(cast.zhao)
        first = client.get("/schools/").content.decode()
        second = client.get("/schools/?page=2").content.decode()
        assert first.count("<tr>") - 1 == 50 and "共 62 条" in first and "第 1 页，共 2 页" in first
        assert "4399010001" in first and "4399011047" in first and "4399011048" not in first
        assert second.count("<tr>") - 1 == 12 and "4399011048" in second and "4399011059" in second

    def test_the_school_page_lists_classes_in_scope_and_the_history(self, cast, client_for):
        spring = TermFactory(school_year=cast.school_year, kind=Term.Kind.SPRING)
        client = client_for(cast.li)
        client.post(f"/schools/{cast.school.pk}/current-term/", {"term": spring.pk})
        html = client.get(f"/schools/{cast.school.pk}/").content.decode()
        assert "一年级(1)班" in html and "一年级(2)班" in html
        assert "操作记录" in html and "李老师" in html and "当前学期" in html

    def test_a_class_teacher_sees_the_school_but_only_their_class(self, cast, client_for):
        html = client_for(cast.wang).get(f"/schools/{cast.school.pk}/").content.decode()
        assert "一年级(1)班" in html and "一年级(2)班" not in html

    def test_another_countys_school_is_not_found(self, cast, client_for):
        assert client_for(cast.li).get(f"/schools/{cast.other_school.pk}/").status_code == 404

    def test_the_aid_office_sets_the_current_term_and_it_is_audited(self, cast, client_for):
        spring = TermFactory(school_year=cast.school_year, kind=Term.Kind.SPRING)
        response = client_for(cast.li).post(f"/schools/{cast.school.pk}/current-term/", {"term": spring.pk})
        assert response.status_code == 302
        cast.school.refresh_from_db()
        assert cast.school.current_term == spring
        assert AuditEvent.objects.for_object(cast.school).get().action == Action.UPDATE

    def test_the_principal_may_not_set_the_term(self, cast, client_for):
        spring = TermFactory(school_year=cast.school_year, kind=Term.Kind.SPRING)
        assert (
            client_for(cast.zhang).post(f"/schools/{cast.school.pk}/current-term/", {"term": spring.pk}).status_code
            == 403
        )
        cast.school.refresh_from_db()
        assert cast.school.current_term == cast.term

    def test_setting_the_term_answers_get_with_the_school_page_and_nothing_else(self, cast, client_for):
        assert client_for(cast.li).get(f"/schools/{cast.school.pk}/current-term/").status_code == 200
        assert client_for(cast.li).put(f"/schools/{cast.school.pk}/current-term/").status_code == 405


class TestClassPage:
    def test_the_aid_office_assigns_a_class_teacher_of_the_school(self, cast, client_for):
        teacher = UserFactory(username="sun", full_name="孙老师")
        MembershipFactory(user=teacher, role="class_teacher", school=cast.school)
        response = client_for(cast.li).post(f"/classes/{cast.class_2.pk}/", {"class_teacher": teacher.pk})
        assert response.status_code == 302
        cast.class_2.refresh_from_db()
        assert cast.class_2.class_teacher == teacher
        event = AuditEvent.objects.for_object(cast.class_2).get()
        assert event.changes["class_teacher"] == [None, {"id": teacher.pk, "label": "孙老师"}]

    def test_a_teacher_of_another_school_is_refused_with_a_chinese_message(self, cast, client_for):
        response = client_for(cast.li).post(f"/classes/{cast.class_2.pk}/", {"class_teacher": cast.outsider.pk})
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()
        assert not AuditEvent.objects.exclude(action=Action.LOGIN).exists()

    def test_a_class_teacher_reads_their_class_but_cannot_reassign_it(self, cast, client_for):
        client = client_for(cast.wang)
        assert client.get(f"/classes/{cast.class_1.pk}/").status_code == 200
        assert client.post(f"/classes/{cast.class_1.pk}/", {"class_teacher": ""}).status_code == 403
        assert client.get(f"/classes/{cast.class_2.pk}/").status_code == 404

    def test_its_breadcrumb_is_named_in_chinese_for_screen_readers(self, cast, client_for):
        html = client_for(cast.wang).get(f"/classes/{cast.class_1.pk}/").content.decode()
        assert '<nav aria-label="当前位置">' in html

    def test_another_schools_class_is_not_found(self, cast, client_for):
        assert client_for(cast.zhao).get(f"/classes/{cast.other_class.pk}/").status_code == 404
        other = SchoolClassFactory(school=cast.sibling_school)
        assert client_for(cast.li).get(f"/classes/{other.pk}/").status_code == 404


class TestHolidayCalendar:
    def test_county_staff_add_a_day_and_it_is_audited(self, cast, client_for):
        response = client_for(cast.zhao).post(
            "/calendar/new/", {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"}
        )
        assert response.status_code == 302
        holiday = Holiday.objects.get()
        assert (holiday.date, holiday.name) == (date(2027, 10, 1), "国庆节")
        assert AuditEvent.objects.for_object(holiday).get().action == Action.CREATE

    def test_a_day_entered_twice_is_refused_beside_the_date_field(self, cast, client_for):
        Holiday.objects.create(date=date(2027, 10, 1), kind="holiday", name="国庆节")
        response = client_for(cast.zhao).post(
            "/calendar/new/", {"date": "2027-10-01", "kind": "holiday", "name": "又一次"}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="id_date_error_1"' in html and "已存在" in html
        assert Holiday.objects.count() == 1

    def test_an_edit_records_before_and_after(self, cast, client_for):
        holiday = Holiday.objects.create(date=date(2027, 10, 1), kind="holiday", name="国庆")
        client_for(cast.zhao).post(
            f"/calendar/{holiday.pk}/", {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"}
        )
        assert AuditEvent.objects.for_object(holiday).get().changes == {"name": ["国庆", "国庆节"]}

    def test_removing_a_day_needs_a_reason(self, cast, client_for):
        holiday = Holiday.objects.create(date=date(2027, 10, 1), kind="holiday", name="国庆节")
        client = client_for(cast.zhao)
        client.post(f"/calendar/{holiday.pk}/remove/", {"reason": ""})
        assert Holiday.objects.exists()
        client.post(f"/calendar/{holiday.pk}/remove/", {"reason": "国务院通知调整"})
        assert not Holiday.objects.exists()
        event = AuditEvent.objects.get(action=Action.DELETE)
        assert event.reason == "国务院通知调整" and event.object_repr == "2027-10-01 国庆节"

    @pytest.mark.parametrize("who", ["wang", "li", "zhang", "outsider"])
    def test_only_county_staff_and_the_admin_edit_the_calendar(self, cast, client_for, who):
        response = client_for(getattr(cast, who)).post(
            "/calendar/new/", {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"}
        )
        assert response.status_code == 403
        assert not Holiday.objects.exists()


class TestAuditTrailPage:
    def test_the_aid_office_sees_its_schools_events_only(self, cast, client_for):
        spring = TermFactory(school_year=cast.school_year, kind=Term.Kind.SPRING)
        client_for(cast.admin).post(f"/schools/{cast.other_school.pk}/current-term/", {"term": spring.pk})
        client_for(cast.admin).post(f"/schools/{cast.school.pk}/current-term/", {"term": spring.pk})
        html = client_for(cast.li).get("/audit/").content.decode()
        assert "青山县实验小学" in html and "白水县白水小学" not in html

    def test_a_class_teacher_may_not_read_the_trail(self, cast, client_for):
        assert client_for(cast.wang).get("/audit/").status_code == 403


class TestHistorySection:
    def test_it_names_fields_and_choices_in_chinese(self, cast, client_for):
        from aidsys.services.writes import instance_update

        instance_update(actor=cast.li, instance=cast.school, data={"stages": ["primary", "junior"]})
        html = client_for(cast.li).get(f"/schools/{cast.school.pk}/").content.decode()
        assert "学段：小学 → 小学、初中" in html

    def test_the_admins_history_page_shows_the_audit_trail(self, cast, client_for):
        from aidsys.services.writes import instance_update

        instance_update(actor=cast.li, instance=cast.school, data={"address": "育才路8号"}, reason="搬迁")
        html = client_for(cast.admin).get(f"/admin/aidsys/school/{cast.school.pk}/history/").content.decode()
        assert "地址：— → 育才路8号" in html and "理由： 搬迁" in html and "李老师" in html


class TestNoStore:
    def test_every_page_for_a_signed_in_user_is_kept_by_no_cache(self, cast, client_for):
        client = client_for(cast.li)
        for url in ("/", f"/schools/{cast.school.pk}/students/", "/calendar/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Cache-Control"] == "no-store, private", url


class TestHelpText:
    def test_help_text_is_escaped_and_only_markup_built_in_code_is_kept(self):
        from django import forms
        from django.utils.html import format_html

        class Form(forms.Form):
            plain = forms.CharField(help_text="<script>alert(1)</script>")
            marked = forms.CharField(help_text=format_html("<em>{}</em>", "<b>"))

        html = Form().as_div()
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<em>&lt;b&gt;</em>" in html


class TestWorkingDayCalculator:
    def test_it_counts_across_national_day_2026(self, cast, client_for):
        html = client_for(cast.li).get("/calendar/", {"start": "2026-09-28", "days": 5}).content.decode()
        assert "2026-09-28 开始的公示期在 2026-10-09 结束" in html
        assert 'data-testid="period-warning"' not in html

    def test_a_year_without_data_is_counted_monday_to_friday_and_the_page_says_so(self, cast, client_for):
        html = client_for(cast.li).get("/calendar/", {"start": "2027-09-28", "days": 5}).content.decode()
        assert "2027-09-28 开始的公示期在 2027-10-04 结束" in html
        assert "2027年没有节假日数据：工作日按周一至周五计算。" in html

    def test_the_holiday_table_is_used_for_later_years(self, cast, client_for):
        for day in range(1, 8):
            Holiday.objects.create(date=date(2027, 10, day), kind="holiday", name="国庆节")
        html = client_for(cast.li).get("/calendar/", {"start": "2027-09-28", "days": 5}).content.decode()
        assert "2027-09-28 开始的公示期在 2027-10-11 结束" in html
        assert 'data-testid="period-warning"' not in html

    @pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01"])
    def test_a_date_out_of_range_is_answered_400_beside_the_field(self, cast, client_for, start):
        response = client_for(cast.li).get("/calendar/", {"start": start, "days": 5})
        assert response.status_code == 400
        assert (
            f"开始日期：{start} 不是合理的日期，请填写 2000-01-01 至 2100-12-31 之间的日期。"
            in response.content.decode()
        )

    def test_the_admin_refuses_an_implausible_term_date_beside_the_field(self, cast, client_for):
        response = client_for(cast.admin).post(
            f"/admin/aidsys/term/{cast.term.pk}/change/",
            {"school_year": cast.school_year.pk, "kind": cast.term.kind, "start": "0001-01-01", "end": "9999-12-31"},
        )
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "0001-01-01 不是合理的日期" in str(errors["start"]) and "9999-12-31" in str(errors["end"])

    def test_a_bad_value_is_answered_beside_the_field(self, cast, client_for):
        html = client_for(cast.li).get("/calendar/", {"start": "2027-02-30", "days": 0}).content.decode()
        assert "输入一个有效的日期" in html and "确保该值大于或等于1" in html


class TestCurrentTermFilter:
    def test_the_school_page_shows_the_current_years_classes_unless_asked_for_all(self, cast, client_for):
        from tests.factories import SchoolYearFactory

        last_year = SchoolYearFactory(start_year=2025)
        SchoolClassFactory(school=cast.school, school_year=last_year, grade=26, number=3)
        client = client_for(cast.li)
        assert "六年级(3)班" not in client.get(f"/schools/{cast.school.pk}/").content.decode()
        assert "六年级(3)班" in client.get(f"/schools/{cast.school.pk}/", {"year": "all"}).content.decode()


def test_no_template_names_a_region_in_english():
    """aria-label, title, placeholder and alt are read out or shown: they go through {% translate %}."""
    english = re.compile(r'\b(?:aria-label|title|placeholder|alt)="[A-Za-z]')
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
        for path in (settings.BASE_DIR / "templates").rglob("*.html")
        for match in english.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
