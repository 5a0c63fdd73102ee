from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidsys.models import SchoolYear
from applications.models import Application
from reviews.scoring import WEIGHTS, hardship_score, with_score_inputs
from students.models import BigExpense, HouseholdMember, Housing, IncomeSource, OfficialList, SpecialGroupFlag, Tier
from tests.factories import StudentFactory
from tests.reviews.conftest import submitted, visit


def facts(score):
    return {point.fact: point.points for point in score.points}


def official_flag(cast, household, group="minimum_living"):
    official = OfficialList.objects.create(
        name="县民政局低保名单",
        kind="minimum_living",
        list_date=date(2026, 3, 1),
        county=cast.county,
        file_name="低保.xlsx",
        uploaded_by=cast.li,
    )
    return SpecialGroupFlag.objects.create(
        household=household,
        group=group,
        source="official_list",
        official_list=official,
        list_name=official.name,
        list_date=official.list_date,
    )


class TestHardshipScore:
    def test_each_point_names_its_fact_and_its_source(self, cast, program):
        application = submitted(cast, program)
        household = application.student.household
        flag = official_flag(cast, household)
        single = SpecialGroupFlag.objects.create(household=household, group="single_parent", source="home_visit")
        HouseholdMember.objects.create(household=household, name="母亲", relation="mother", annual_income=6400)
        HouseholdMember.objects.create(household=household, name="学生", relation="self")
        visit(
            cast,
            application.student,
            housing="dangerous",
            income_sources=["farming", "none"],
            big_expenses=["medical"],
            health_disability="母亲腰椎病",
            suggested_tier="especially_difficult",
        )
        score = hardship_score(application)
        got = facts(score)

        def points_for(*parts):
            found = [points for fact, points in got.items() if all(str(part) in fact for part in parts)]
            assert len(found) == 1, (parts, got)
            return found[0]

        assert points_for(flag.get_group_display(), "县民政局低保名单 2026-03-01") == 30
        assert points_for(single.get_group_display(), single.get_source_display()) == 10
        assert points_for("3,200", "6,000") == WEIGHTS["income_below_line"]
        assert points_for(Housing.DANGEROUS.label) == 10
        assert points_for(IncomeSource.NONE.label) == 10
        assert points_for(BigExpense.MEDICAL.label) == 5
        assert points_for(Tier.ESPECIALLY_DIFFICULT.label) == 15
        assert not any("腰椎" in fact for fact in got), "the health note is sensitive and stays out of the facts"
        assert not any(str(IncomeSource.FARMING.label) in fact for fact in got)
        assert len(got) == 8 and score.total == sum(got.values()) == 30 + 10 + 20 + 10 + 10 + 5 + 5 + 15

    def test_an_income_under_half_the_line_scores_more_and_no_income_on_file_scores_nothing(self, cast, program):
        poor = submitted(cast, program)
        HouseholdMember.objects.create(
            household=poor.student.household, name="父亲", relation="father", annual_income=2000
        )
        unknown = submitted(cast, program)
        HouseholdMember.objects.create(household=unknown.student.household, name="父亲", relation="father")
        assert [p.points for p in hardship_score(poor).points] == [WEIGHTS["income_below_half_line"]]
        assert hardship_score(unknown).points == []

    def test_the_county_line_decides_and_an_income_above_it_scores_nothing(self, cast, program):
        application = submitted(cast, program)
        HouseholdMember.objects.create(
            household=application.student.household, name="父亲", relation="father", annual_income=Decimal("7000")
        )
        assert hardship_score(application).total == 0
        cast.county.income_threshold = Decimal("8000")
        cast.county.save()
        application = Application.objects.select_related("school__county").get(pk=application.pk)
        assert hardship_score(application).total == WEIGHTS["income_below_line"]

    def test_only_the_latest_visit_of_the_applications_school_year_counts(self, cast, program):
        application = submitted(cast, program)
        last_year = SchoolYear.objects.create(start_year=2025)
        visit(cast, application.student, school_year=last_year, housing="dangerous", visited_on=date(2026, 5, 1))
        visit(cast, application.student, housing="poor", visited_on=date(2026, 9, 10), suggested_tier="not_difficult")
        visit(cast, application.student, housing="good", visited_on=date(2026, 10, 10), suggested_tier="difficult")
        assert set(facts(hardship_score(application)).values()) == {WEIGHTS["suggested_tier"]["difficult"]}
        assert len(hardship_score(application).points) == 1

    def test_a_class_of_60_is_scored_in_as_many_queries_as_a_class_of_6(self, cast, program):
        def add(n):
            for _ in range(n):
                application = submitted(cast, program, student=StudentFactory(school_class=cast.class_1))
                SpecialGroupFlag.objects.create(
                    household=application.student.household, group="orphan", source="home_visit"
                )
                HouseholdMember.objects.create(
                    household=application.student.household, name="祖母", relation="grandparent", annual_income=1000
                )
                visit(cast, application.student, housing="poor")

        def score_all():
            with CaptureQueriesContext(connection) as captured:
                scores = [hardship_score(a) for a in with_score_inputs(Application.objects.filter(program=program))]
            return len(captured), scores

        add(6)
        few, scores = score_all()
        assert len(scores) == 6 and all(score.total == 30 + 30 + 5 + 10 for score in scores)
        add(54)
        many, scores = score_all()
        assert len(scores) == 60 and many == few
