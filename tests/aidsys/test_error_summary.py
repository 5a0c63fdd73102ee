"""Every refused form shows, at the top of its page, a summary of its errors: each with the field's label and a
link to the field, the errors of the whole form too. The core's own refused forms stay at their address."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template

from aidsys.forms import add_errors
from aidsys.models import Holiday
from tests.factories import HouseholdFactory, StudentFactory
from tests.refusals import assert_summary_before, summary_lines


class VisitLikeForm(forms.Form):
    visited_on = forms.DateField(label="家访日期")
    method = forms.ChoiceField(
        label="走访方式", choices=[("home", "入户走访"), ("phone", "电话")], widget=forms.RadioSelect
    )
    note = forms.CharField(label="备注", required=False)
    token = forms.CharField(widget=forms.HiddenInput)


def summary_of(**context) -> list[tuple[str, str]]:
    html = Template("{% load error_summary %}<main>{% error_summary %}</main>").render(Context(context))
    return summary_lines(html)


class TestTheSummary:
    def test_it_lists_each_field_error_with_the_fields_label_and_links_to_the_field(self):
        form = VisitLikeForm({"visited_on": "昨天", "token": "t"})
        assert summary_of(form=form) == [
            ("家访日期：输入一个有效的日期。", "id_visited_on"),
            ("走访方式：这个字段是必填项。", "id_method_0"),
        ]

    def test_the_errors_of_the_whole_form_come_first_and_hidden_fields_errors_have_no_link(self):
        form = VisitLikeForm({"visited_on": "2026-10-12", "method": "home"})
        assert form.is_valid() is False
        add_errors(form, ValidationError("同一学生同一天已有一次家访。"))
        assert summary_of(form=form) == [("同一学生同一天已有一次家访。", ""), ("这个字段是必填项。", "")]

    def test_a_formsets_rows_are_numbered_and_its_own_errors_listed(self):
        RowFormSet = forms.formset_factory(VisitLikeForm, extra=0, max_num=1, validate_max=True)
        data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0"}
        data |= {"form-0-visited_on": "2026-10-12", "form-0-method": "home", "form-0-token": "t"}
        data |= {"form-1-visited_on": "2026-10-13", "form-1-method": "fax", "form-1-token": "t"}
        lines = summary_of(rows=RowFormSet(data))
        assert lines[0] == ("请最多提交 1 个表单。", "")
        assert lines[1][0].startswith("第 2 行 走访方式：") and lines[1][1] == "id_form-1-method_0"

    def test_an_unbound_or_valid_form_shows_no_summary(self):
        assert "error-summary" not in Template("{% load error_summary %}{% error_summary %}").render(
            Context(
                {
                    "blank": VisitLikeForm(),
                    "fine": VisitLikeForm({"visited_on": "2026-10-12", "method": "home", "token": "t"}),
                }
            )
        )


class TestRefusedPages:
    def test_a_refused_home_visit_shows_the_summary_above_the_form(self, cast, client_for):
        student = StudentFactory(school_class=cast.class_1, household=HouseholdFactory())
        url = f"/students/{student.pk}/visits/new/"
        response = client_for(cast.wang).post(url, {"visited_on": "2026-10-12"})
        assert response.status_code in (200, 400)
        html = response.content.decode()
        assert_summary_before(html, 'class="form-narrow"')
        lines = summary_lines(html)
        labels = [str(field.label) for field in response.context["form"] if field.errors]
        assert len(lines) == sum(len(field.errors) for field in response.context["form"]) and len(labels) >= 2
        for label in labels:
            assert any(line.startswith(f"{label}：") for line, _target in lines)
        assert all(target.startswith("id_") for _line, target in lines)


class TestCoreFormAddresses:
    def test_the_current_term_address_shows_the_school_and_a_refusal_its_summary(self, cast, client_for):
        url = f"/schools/{cast.school.pk}/current-term/"
        client = client_for(cast.li)
        response = client.get(url)
        assert response.status_code == 200 and response.context["school"] == cast.school
        html = client.post(url, {"term": ""}).content.decode()
        assert_summary_before(html, f'action="{url}"')
        assert [target for _line, target in summary_lines(html)] == ["id_term"]
        assert client_for(cast.outsider).get(url).status_code == 404

    def test_the_remove_address_shows_the_day_and_a_refusal_its_summary(self, cast, client_for):
        holiday = Holiday.objects.create(date=date(2027, 10, 1), kind=Holiday.Kind.HOLIDAY, name="国庆节")
        url = f"/calendar/{holiday.pk}/remove/"
        client = client_for(cast.zhao)
        response = client.get(url)
        assert response.status_code == 200 and response.context["holiday"] == holiday
        html = client.post(url, {"reason": ""}).content.decode()
        assert_summary_before(html, f'action="{url}"')
        assert [target for _line, target in summary_lines(html)] == ["id_reason"]
        assert client_for(cast.wang).get(url).status_code == 403
        assert Holiday.objects.filter(pk=holiday.pk).exists()
