from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidsys.models import AuditEvent
from applications.models import AidProgram, ApplicationWindow, FundingShare, ProgramStandard
from applications.selectors import StandardMissing, program_year, standard_amount, with_standards
from applications.services.programs import (
    NATIONAL_PROGRAMS,
    application_window_clear,
    application_window_set,
    funding_shares_set,
    national_programs_seed,
    program_create,
    program_standards_set,
)
from tests.factories import AidProgramFactory, ProgramStandardFactory, SchoolYearFactory

Action = AuditEvent.Action


@pytest.fixture
def program(cast):
    return AidProgramFactory(county=cast.county, code="YWSB-XX", name="义务教育生活补助（小学）")


def shares(program, school_year):
    return dict(FundingShare.objects.filter(program=program, school_year=school_year).values_list("source", "percent"))


def events_of(model, action=None):
    events = AuditEvent.objects.filter(content_type__model=model._meta.model_name)
    return events.filter(action=action) if action else events


class TestProgramServices:
    def test_creating_a_program_is_audited(self, cast):
        program = program_create(
            actor=cast.zhao,
            county=cast.county,
            code="GZ-ZXJ",
            name="普通高中国家助学金",
            stages=["senior"],
            pay_period="term",
            payment_methods=["aid_card"],
        )
        event = AuditEvent.objects.for_object(program).get()
        assert event.action == Action.CREATE and event.county_id == cast.county.pk
        assert event.changes["code"] == [None, "GZ-ZXJ"]

    def test_a_code_taken_in_the_county_is_refused_but_free_in_another(self, cast, program):
        fields = {"name": "重复", "stages": ["primary"], "pay_period": "term", "payment_methods": ["cash"]}
        with pytest.raises(ValidationError, match="YWSB-XX"):
            program_create(actor=cast.zhao, county=cast.county, code="YWSB-XX", **fields)
        program_create(actor=cast.admin, county=cast.other_county, code="YWSB-XX", **fields)

    def test_a_program_needs_a_stage_and_a_payment_method(self, cast):
        with pytest.raises(ValidationError) as refused:
            program_create(actor=cast.zhao, county=cast.county, code="X", name="X", stages=[], payment_methods=[])
        assert set(refused.value.error_dict) == {"stages", "payment_methods"}


class TestFundingSplit:
    def test_a_split_of_exactly_100_is_saved_with_an_event_per_share(self, cast, program):
        rows = [
            {"source": "central", "percent": Decimal("80")},
            {"source": "province", "percent": Decimal("10")},
            {"source": "county", "percent": Decimal("10")},
        ]
        funding_shares_set(actor=cast.zhao, program=program, school_year=cast.school_year, rows=rows)
        assert shares(program, cast.school_year) == {"central": 80, "province": 10, "county": 10}
        assert events_of(FundingShare, Action.CREATE).count() == 3

    @pytest.mark.parametrize("split", [("80", "10", "9.99"), ("80", "10", "10.01"), ("100", "0.01")])
    def test_a_split_that_is_not_100_is_refused_and_nothing_changes(self, cast, program, split):
        before = [{"source": "central", "percent": Decimal("60")}, {"source": "county", "percent": Decimal("40")}]
        funding_shares_set(actor=cast.zhao, program=program, school_year=cast.school_year, rows=before)
        events = AuditEvent.objects.count()
        sources = ["central", "province", "county"]
        rows = [{"source": s, "percent": Decimal(p)} for s, p in zip(sources, split, strict=False)]
        with pytest.raises(ValidationError, match="100") as refused:
            funding_shares_set(actor=cast.zhao, program=program, school_year=cast.school_year, rows=rows)
        total = sum(Decimal(p) for p in split)
        assert f"{total.normalize():f}%" in refused.value.messages[0]
        assert shares(program, cast.school_year) == {"central": 60, "county": 40}
        assert AuditEvent.objects.count() == events

    def test_saving_again_updates_changed_shares_and_removes_missing_ones(self, cast, program):
        first = [{"source": "central", "percent": Decimal("60")}, {"source": "county", "percent": Decimal("40")}]
        funding_shares_set(actor=cast.zhao, program=program, school_year=cast.school_year, rows=first)
        second = [{"source": "central", "percent": Decimal("70")}, {"source": "province", "percent": Decimal("30")}]
        funding_shares_set(actor=cast.zhao, program=program, school_year=cast.school_year, rows=second)
        assert shares(program, cast.school_year) == {"central": 70, "province": 30}
        assert events_of(FundingShare, Action.DELETE).count() == 1
        assert events_of(FundingShare, Action.UPDATE).get().changes == {"percent": ["60.00", "70"]}

    def test_a_source_given_twice_is_refused(self, cast, program):
        rows = [{"source": "central", "percent": Decimal("50")}, {"source": "central", "percent": Decimal("50")}]
        with pytest.raises(ValidationError) as refused:
            funding_shares_set(actor=cast.zhao, program=program, school_year=cast.school_year, rows=rows)
        assert refused.value.code == "duplicate_source"
        assert not FundingShare.objects.exists()

    def test_each_school_year_has_its_own_split(self, cast, program):
        other_year = SchoolYearFactory(start_year=2027)
        rows = [{"source": "central", "percent": Decimal("100")}]
        funding_shares_set(actor=cast.zhao, program=program, school_year=cast.school_year, rows=rows)
        assert shares(program, other_year) == {}


class TestStandards:
    def test_setting_a_years_standards_creates_updates_and_removes_with_events(self, cast, program):
        year = cast.school_year
        program_standards_set(
            actor=cast.zhao,
            program=program,
            school_year=year,
            rows=[
                {"tier": "", "boarding": "boarder", "amount_per_year": Decimal("1250")},
                {"tier": "", "boarding": "day", "amount_per_year": Decimal("625")},
            ],
        )
        program_standards_set(
            actor=cast.zhao,
            program=program,
            school_year=year,
            rows=[{"tier": "", "boarding": "boarder", "amount_per_year": Decimal("1300")}],
        )
        assert list(ProgramStandard.objects.values_list("boarding", "amount_per_year")) == [("boarder", 1300)]
        assert events_of(ProgramStandard, Action.CREATE).count() == 2
        assert events_of(ProgramStandard, Action.UPDATE).count() == 1
        assert events_of(ProgramStandard, Action.DELETE).count() == 1

    def test_the_same_tier_and_boarding_given_twice_is_refused(self, cast, program):
        row = {"tier": "difficult", "boarding": "any", "amount_per_year": Decimal("2300")}
        with pytest.raises(ValidationError):
            program_standards_set(actor=cast.zhao, program=program, school_year=cast.school_year, rows=[row, row])
        assert not ProgramStandard.objects.exists()

    @pytest.fixture
    def layered(self, cast, program):
        """A standard for everyone, for boarders, for a tier, and for a tier's boarders."""
        for tier, boarding, amount in [
            ("", "any", "1000"),
            ("", "boarder", "1100"),
            ("difficult", "any", "1200"),
            ("difficult", "boarder", "1300"),
        ]:
            ProgramStandardFactory(
                program=program, school_year=cast.school_year, tier=tier, boarding=boarding, amount_per_year=amount
            )
        program.pay_period = "year"
        return program

    @pytest.mark.parametrize(
        ("tier", "boarder", "expected"),
        [
            ("difficult", True, "1300.00"),  # tier and boarding
            ("difficult", False, "1200.00"),  # tier
            ("especially_difficult", True, "1100.00"),  # boarding
            ("especially_difficult", False, "1000.00"),  # any
        ],
    )
    def test_the_most_specific_standard_wins(self, cast, layered, tier, boarder, expected):
        assert standard_amount(layered, cast.school_year, tier, boarder) == Decimal(expected)

    def test_a_day_standard_does_not_apply_to_boarders(self, cast, program):
        ProgramStandardFactory(program=program, school_year=cast.school_year, boarding="day", amount_per_year="625")
        with pytest.raises(StandardMissing, match=r"no standard|没有"):
            standard_amount(program, cast.school_year, "difficult", True)

    def test_a_program_paid_per_term_gives_half_the_year_rounded_half_up(self, cast, program):
        ProgramStandardFactory(program=program, school_year=cast.school_year, amount_per_year="1234.55")
        assert standard_amount(program, cast.school_year, "difficult", False) == Decimal("617.28")
        assert standard_amount(program, cast.school_year, "difficult", False, pay_period_share=False) == Decimal(
            "1234.55"
        )

    def test_a_program_paid_per_year_gives_the_whole_year(self, cast, program):
        program.pay_period = "year"
        ProgramStandardFactory(program=program, school_year=cast.school_year, amount_per_year="2300")
        assert standard_amount(program, cast.school_year, "difficult", False) == Decimal("2300.00")

    def test_no_standard_for_the_year_is_a_clear_error(self, cast, program):
        ProgramStandardFactory(program=program, school_year=SchoolYearFactory(start_year=2025))
        with pytest.raises(StandardMissing) as refused:
            standard_amount(program, cast.school_year, "difficult", False)
        assert program.name in refused.value.messages[0] and "2026" in refused.value.messages[0]

    def test_prefetched_standards_cost_no_query_per_look_up(self, cast, program):
        ProgramStandardFactory(program=program, school_year=cast.school_year)
        fetched = with_standards(AidProgram.objects.filter(pk=program.pk)).get()
        with CaptureQueriesContext(connection) as captured:
            for _ in range(5):
                standard_amount(fetched, cast.school_year, "difficult", True)
        assert len(captured) == 0


class TestWindows:
    def test_without_a_window_the_terms_first_month_is_shown_as_the_default(self, cast, program):
        year = program_year(program=program, school_year=cast.school_year)
        autumn = next(w for w in year.windows if w.term == cast.term)
        assert (autumn.opens, autumn.closes, autumn.is_default) == (date(2026, 9, 1), date(2026, 9, 30), True)

    def test_a_window_set_replaces_the_default_until_cleared(self, cast, program):
        application_window_set(
            actor=cast.zhao, program=program, term=cast.term, opens=date(2026, 8, 25), closes=date(2026, 9, 20)
        )
        assert program.window_for(cast.term) == (date(2026, 8, 25), date(2026, 9, 20))
        application_window_clear(actor=cast.zhao, program=program, term=cast.term)
        assert not ApplicationWindow.objects.exists()
        assert program.window_for(cast.term) == (date(2026, 9, 1), date(2026, 9, 30))
        assert [e.action for e in events_of(ApplicationWindow).order_by("pk")] == [Action.CREATE, Action.DELETE]

    def test_a_window_closing_before_it_opens_is_refused(self, cast, program):
        with pytest.raises(ValidationError):
            application_window_set(
                actor=cast.zhao, program=program, term=cast.term, opens=date(2026, 9, 20), closes=date(2026, 9, 1)
            )


class TestNationalSeed:
    def test_it_creates_the_national_programs_with_standards_and_a_split_of_100(self, cast):
        outcome = national_programs_seed(actor=cast.zhao, county=cast.county, school_year=cast.school_year)
        assert outcome.programs_created == len(NATIONAL_PROGRAMS) == AidProgram.objects.count()
        for program in AidProgram.objects.all():
            assert sum(shares(program, cast.school_year).values()) == 100
        by_code = {program.code: program for program in AidProgram.objects.all()}
        year = cast.school_year
        assert standard_amount(by_code["YWSB-XX"], year, "difficult", True) == Decimal("625.00")
        assert standard_amount(by_code["YWSB-XX"], year, "difficult", False) == Decimal("312.50")
        assert standard_amount(by_code["YWSB-CZ"], year, "generally_difficult", True) == Decimal("750.00")
        assert standard_amount(by_code["YWSB-CZ"], year, "difficult", False, pay_period_share=False) == 750
        assert standard_amount(by_code["GZ-ZXJ"], year, "especially_difficult", False) == Decimal("1750.00")
        assert standard_amount(by_code["GZ-ZXJ"], year, "generally_difficult", True, pay_period_share=False) == 1200
        assert standard_amount(by_code["ZZ-ZXJ"], year, "difficult", True, pay_period_share=False) == 2300
        assert by_code["YWSB-XX"].stages == ["primary"] and by_code["ZZ-ZXJ"].stages == ["vocational"]
        # How each is applied for and paid: 生活补助 per term; 国家助学金 per school year, paid per term or monthly.
        periods = {code: (program.apply_period, program.pay_period) for code, program in by_code.items()}
        assert periods == {
            "YWSB-XX": ("term", "term"),
            "YWSB-CZ": ("term", "term"),
            "GZ-ZXJ": ("year", "term"),
            "ZZ-ZXJ": ("year", "month"),
        }

    def test_a_second_run_changes_nothing_and_keeps_the_countys_edits(self, cast):
        national_programs_seed(actor=cast.zhao, county=cast.county, school_year=cast.school_year)
        primary = AidProgram.objects.get(code="YWSB-XX")
        program_standards_set(
            actor=cast.zhao,
            program=primary,
            school_year=cast.school_year,
            rows=[{"tier": "", "boarding": "any", "amount_per_year": Decimal("800")}],
        )
        counts = (AidProgram.objects.count(), ProgramStandard.objects.count(), FundingShare.objects.count())
        events = AuditEvent.objects.count()
        outcome = national_programs_seed(actor=cast.zhao, county=cast.county, school_year=cast.school_year)
        assert not outcome.changed
        assert (AidProgram.objects.count(), ProgramStandard.objects.count(), FundingShare.objects.count()) == counts
        assert AuditEvent.objects.count() == events
        assert list(primary.standards.values_list("amount_per_year", flat=True)) == [800]

    def test_a_new_school_year_gets_its_standards_under_the_same_programs(self, cast):
        national_programs_seed(actor=cast.zhao, county=cast.county, school_year=cast.school_year)
        outcome = national_programs_seed(
            actor=cast.zhao, county=cast.county, school_year=SchoolYearFactory(start_year=2027)
        )
        assert outcome.programs_created == 0 and outcome.standards_created > 0
        assert AidProgram.objects.count() == len(NATIONAL_PROGRAMS)


class TestProgramPages:
    def test_everyone_in_the_county_reads_the_list_and_the_outsider_sees_none(self, cast, program, client_for):
        assert program.name in client_for(cast.wang).get("/programs/").content.decode()
        assert program.name not in client_for(cast.outsider).get("/programs/").content.decode()

    def test_county_staff_create_a_program(self, cast, client_for):
        response = client_for(cast.zhao).post(
            "/programs/new/",
            {
                "county": cast.county.pk,
                "code": "XQ-ZZ",
                "name": "学前教育资助",
                "stages": ["kindergarten"],
                "pay_period": "year",
                "payment_methods": ["cash", "bank_card"],
                "active": "on",
            },
        )
        program = AidProgram.objects.get(code="XQ-ZZ")
        assert response.status_code == 302 and response.url == program.get_absolute_url()
        assert program.payment_methods == ["cash", "bank_card"] and program.active
        assert AuditEvent.objects.for_object(program).get().actor == cast.zhao

    def test_the_edit_page_is_refused_to_the_aid_office_and_nothing_changes(self, cast, program, client_for):
        client = client_for(cast.li)
        assert client.get(f"/programs/{program.pk}/").status_code == 200
        response = client.post(f"/programs/{program.pk}/edit/", {"code": "HACK", "name": "改名"})
        assert response.status_code == 403
        program.refresh_from_db()
        assert program.code == "YWSB-XX"

    def test_county_staff_edit_and_the_change_is_audited(self, cast, program, client_for):
        response = client_for(cast.zhao).post(
            f"/programs/{program.pk}/edit/",
            {
                "code": "YWSB-XX",
                "name": program.name,
                "stages": ["primary"],
                "pay_period": "term",
                "payment_methods": ["aid_card", "meal_card"],
                "notice_shows_amount": "on",
                "award_ceiling": "3000",
                "active": "on",
            },
        )
        assert response.status_code == 302
        event = AuditEvent.objects.for_object(program).get(action=Action.UPDATE)
        assert event.changes["notice_shows_amount"] == [False, True]
        assert event.changes["award_ceiling"] == [None, "3000"]
        assert set(event.changes) == {"notice_shows_amount", "award_ceiling", "payment_methods", "stages"}

    def test_a_program_of_another_county_is_not_found(self, cast, program, client_for):
        assert client_for(cast.outsider).get(f"/programs/{program.pk}/").status_code == 404
        other = AidProgramFactory(county=cast.other_county)
        assert client_for(cast.zhao).get(f"/programs/{other.pk}/edit/").status_code == 404

    def test_the_edit_page_answers_get_and_post_only(self, cast, program, client_for):
        assert client_for(cast.zhao).delete(f"/programs/{program.pk}/edit/").status_code == 405

    def test_the_program_page_shows_the_standards_split_and_default_window(self, cast, program, client_for):
        ProgramStandardFactory(program=program, school_year=cast.school_year, boarding="boarder")
        html = client_for(cast.wang).get(f"/programs/{program.pk}/?year={cast.school_year.pk}").content.decode()
        assert "1250.00" in html
        assert html.count('data-testid="default-window"') == 2  # autumn and spring
        assert "2026-09-30" in html

    def test_a_split_that_does_not_add_up_is_refused_on_the_page_and_nothing_saved(self, cast, program, client_for):
        url = f"/programs/{program.pk}/years/{cast.school_year.pk}/funding/"
        data = {
            "form-TOTAL_FORMS": "3",
            "form-INITIAL_FORMS": "0",
            "form-0-source": "central",
            "form-0-percent": "80",
            "form-1-source": "county",
            "form-1-percent": "10",
            "form-2-source": "",
            "form-2-percent": "",
        }
        response = client_for(cast.zhao).post(url, data)
        assert response.status_code == 200
        assert "90%" in response.content.decode() and 'data-testid="formset-errors"' in response.content.decode()
        assert not FundingShare.objects.exists()
        data |= {"form-2-source": "province", "form-2-percent": "10"}
        response = client_for(cast.zhao).post(url, data)
        assert response.status_code == 302
        assert shares(program, cast.school_year) == {"central": 80, "county": 10, "province": 10}
        assert events_of(FundingShare, Action.CREATE).count() == 3

    def test_the_standards_page_saves_the_rows_and_skips_the_empty_ones(self, cast, program, client_for):
        url = f"/programs/{program.pk}/years/{cast.school_year.pk}/standards/"
        response = client_for(cast.zhao).post(
            url,
            {
                "form-TOTAL_FORMS": "2",
                "form-INITIAL_FORMS": "0",
                "form-0-tier": "",
                "form-0-boarding": "boarder",
                "form-0-amount_per_year": "1250",
                "form-1-tier": "",
                "form-1-boarding": "any",
                "form-1-amount_per_year": "",
            },
        )
        assert response.status_code == 302
        assert list(ProgramStandard.objects.values_list("boarding", "amount_per_year")) == [("boarder", 1250)]

    def test_the_window_page_sets_a_window_and_goes_back_to_the_default(self, cast, program, client_for):
        client = client_for(cast.zhao)
        url = f"/programs/{program.pk}/terms/{cast.term.pk}/window/"
        assert "2026-09-30" in client.get(url).content.decode()
        assert client.post(url, {"opens": "2026-09-01", "closes": "2026-09-15"}).status_code == 302
        assert program.window_for(cast.term) == (date(2026, 9, 1), date(2026, 9, 15))
        assert client.post(url, {"use_default": "1"}).status_code == 302
        assert not ApplicationWindow.objects.exists()

    def test_the_import_button_seeds_the_national_programs_once(self, cast, client_for):
        client = client_for(cast.zhao)
        assert client.get("/programs/national/").status_code == 405
        data = {"county": cast.county.pk, "school_year": cast.school_year.pk}
        assert client.post("/programs/national/", data).status_code == 302
        assert AidProgram.objects.filter(county=cast.county).count() == len(NATIONAL_PROGRAMS)
        assert events_of(AidProgram, Action.CREATE).filter(actor=cast.zhao).count() == len(NATIONAL_PROGRAMS)
        client.post("/programs/national/", data)
        assert AidProgram.objects.count() == len(NATIONAL_PROGRAMS)

    def test_the_import_is_refused_for_another_county(self, cast, client_for):
        data = {"county": cast.other_county.pk, "school_year": cast.school_year.pk}
        assert client_for(cast.zhao).post("/programs/national/", data).status_code == 302
        assert not AidProgram.objects.exists()
        assert client_for(cast.li).post("/programs/national/", data).status_code == 403

    def test_the_menu_shows_programs_to_everyone_and_quotas_to_county_and_aid_office(self, cast, client_for):
        for user in (cast.wang, cast.li, cast.zhang, cast.zhao):
            assert 'href="/programs/"' in client_for(user).get("/").content.decode()
        for user, shown in ((cast.wang, False), (cast.zhang, False), (cast.li, True), (cast.zhao, True)):
            assert ('href="/quotas/"' in client_for(user).get("/").content.decode()) is shown
