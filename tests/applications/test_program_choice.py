"""Filing an application proposes the program when only one fits the student (issue 14, point 5)."""

import re

import pytest
from django.urls import reverse

from aidsys.models import Stage
from applications.models import ApplyPeriod, Status
from tests.applications.filing import closed_window, make_ming, make_program, open_window
from tests.factories import AidProgramFactory, ApplicationFactory


@pytest.fixture
def ming(cast):
    return make_ming(cast)


def filing_page(client_for, cast, student):
    response = client_for(cast.wang).get(reverse("applications:application_new", args=[student.pk]))
    assert response.status_code == 200
    return response


def selected_in(response, name: str) -> list[str]:
    """The values of the options the page itself marks selected in the <select> of `name`."""
    select = re.search(rf'<select name="{name}".*?</select>', response.content.decode(), re.S).group(0)
    return re.findall(r'<option value="([^"]*)"\s+selected', select)


def offered(response) -> list[int]:
    return [choice.data["value"].value for choice in response.context["form"]["program"] if choice.data["value"]]


class TestProgramChoice:
    def test_the_only_open_program_that_fits_is_preselected(self, cast, ming, client_for):
        program = make_program(cast)
        open_window(program, cast.term)
        make_program(cast, name="普通高中国家助学金", stages=[Stage.SENIOR])
        AidProgramFactory(county=cast.other_county, name="白水县生活补助", stages=[Stage.PRIMARY])
        response = filing_page(client_for, cast, ming)
        assert response.context["form"]["program"].value() == program.pk
        assert offered(response) == [program.pk]
        assert selected_in(response, "program") == [str(program.pk)]

    def test_the_only_fitting_program_is_preselected_even_after_its_window_closed(self, cast, ming, client_for):
        program = make_program(cast)
        closed_window(program, cast.term)
        response = filing_page(client_for, cast, ming)
        assert response.context["form"]["program"].value() == program.pk

    def test_when_several_fit_nothing_is_preselected_and_only_those_are_listed(self, cast, ming, client_for):
        living = make_program(cast, code="YW", name="义务教育生活补助")
        meals = make_program(cast, code="YYGS", name="营养改善计划", stages=[Stage.PRIMARY])
        senior = make_program(cast, code="GZ", name="普通高中国家助学金", stages=[Stage.SENIOR])
        stopped = make_program(cast, code="TZ", name="已停止的项目", active=False)
        for program in (living, meals, senior):
            open_window(program, cast.term)
        response = filing_page(client_for, cast, ming)
        assert response.context["form"]["program"].value() is None
        assert sorted(offered(response)) == sorted([living.pk, meals.pk])
        assert selected_in(response, "program") in ([], [""])
        page = response.content.decode()
        for absent in (senior.name, stopped.name):
            assert absent not in page

    def test_of_several_fitting_programs_the_only_one_open_today_is_preselected(self, cast, ming, client_for):
        living = make_program(cast, code="YW")
        open_window(living, cast.term)
        meals = make_program(cast, code="YYGS", name="营养改善计划", stages=[Stage.PRIMARY])
        closed_window(meals, cast.term)
        response = filing_page(client_for, cast, ming)
        assert response.context["form"]["program"].value() == living.pk
        assert sorted(offered(response)) == sorted([living.pk, meals.pk])

    def test_a_program_already_applied_for_in_the_term_is_not_proposed_again(self, cast, ming, client_for):
        living = make_program(cast, code="YW")
        meals = make_program(cast, code="YYGS", name="营养改善计划", stages=[Stage.PRIMARY])
        for program in (living, meals):
            open_window(program, cast.term)
        ApplicationFactory(student=ming, program=living, term=cast.term, status=Status.SUBMITTED)
        response = filing_page(client_for, cast, ming)
        assert response.context["form"]["program"].value() == meals.pk

    def test_a_yearly_program_applied_for_in_another_term_of_the_year_counts_as_applied_for(
        self, cast, ming, client_for
    ):
        yearly = make_program(cast, code="ND", name="按学年申请的项目", apply_period=ApplyPeriod.YEAR)
        termly = make_program(cast, code="YW")
        spring = cast.school_year.terms.exclude(pk=cast.term.pk).get()
        ApplicationFactory(student=ming, program=yearly, term=spring, status=Status.RECOMMENDED)
        response = filing_page(client_for, cast, ming)
        assert response.context["form"]["program"].value() == termly.pk

    def test_when_none_fits_the_page_says_why_instead_of_an_empty_list(self, cast, ming, client_for):
        make_program(cast, name="普通高中国家助学金", stages=[Stage.SENIOR])
        response = filing_page(client_for, cast, ming)
        page = response.content.decode()
        assert 'data-testid="no-program"' in page
        assert str(Stage.PRIMARY.label) in page and cast.class_1.name in page
        assert 'name="program"' not in page and 'name="statement"' not in page

    def test_a_posted_choice_is_kept_as_posted(self, cast, ming, client_for):
        living = make_program(cast, code="YW")
        meals = make_program(cast, code="YYGS", name="营养改善计划", stages=[Stage.PRIMARY])
        open_window(living, cast.term)
        response = client_for(cast.wang).post(
            reverse("applications:application_new", args=[ming.pk]), {"program": meals.pk, "term": cast.term.pk}
        )
        assert response.status_code == 200 and response.context["form"]["program"].value() == str(meals.pk)

    def test_editing_an_application_asks_for_no_program(self, cast, ming, client_for):
        program = make_program(cast)
        application = ApplicationFactory(student=ming, program=program, term=cast.term, filed_by=cast.wang)
        response = client_for(cast.wang).get(reverse("applications:application_edit", args=[application.pk]))
        assert "program" not in response.context["form"].fields
        assert 'data-testid="no-program"' not in response.content.decode()
