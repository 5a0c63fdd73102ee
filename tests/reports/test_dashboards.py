"""The dashboards: the county's schools, a school's programs and classes, a class."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import FundingShare
from disbursements.models import AllocationStatus
from publicity.models import Objection, PublicNotice
from reports.selectors import dashboards
from reviews.models import RosterSignoff
from tests.factories import (
    AidProgramFactory,
    ApplicationFactory,
    FundAllocationFactory,
    PaymentBatchFactory,
    PaymentLineFactory,
    SchoolClassFactory,
    SchoolFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_year(cast):
    """实验小学: four students on roll and one transferred out in 一年级(1)班; two approved awards (one paid
    in October, one in November), one application awaiting review; a signed roster; funds from two
    sources split 60/40. 第二小学: two students, nothing else."""
    program = AidProgramFactory(county=cast.county, code="YW", name="义务教育生活补助")
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="central", percent=60)
    FundingShare.objects.create(program=program, school_year=cast.school_year, source="province", percent=40)
    students = [StudentFactory(school_class=cast.class_1) for _ in range(4)]
    StudentFactory(school_class=cast.class_1, status="transferred_out")
    StudentFactory.create_batch(2, school_class=SchoolClassFactory(school=cast.sibling_school, grade=22))
    approved = [
        ApplicationFactory(
            student=student,
            program=program,
            term=cast.term,
            status="approved",
            approved_tier="difficult",
            amount=Decimal("625.00"),
        )
        for student in students[:2]
    ]
    ApplicationFactory(student=students[2], program=program, term=cast.term, status="submitted")
    RosterSignoff.objects.create(
        school=cast.school,
        program=program,
        term=cast.term,
        status="signed",
        submitted_by=cast.li,
        submitted_at=timezone.now(),
        version=1,
    )
    for source, amount in (("central", "1000.00"), ("province", "500.00")):
        FundAllocationFactory(school=cast.school, program=program, term=cast.term, source=source, amount=amount)
    FundAllocationFactory(
        school=cast.school,
        program=program,
        term=cast.term,
        amount=Decimal("999.00"),
        status=AllocationStatus.WITHDRAWN,
        withdraw_reason="录入错误",
    )
    batch = PaymentBatchFactory(
        school=cast.school,
        program=program,
        term=cast.term,
        status="approved",
        prepared_by=cast.li,
        approved_by=cast.zhang,
    )
    for application, day in zip(approved, (date(2026, 10, 5), date(2026, 11, 12)), strict=True):
        PaymentLineFactory(batch=batch, application=application, status="paid", paid_on=day)
    return program


def test_the_county_progress_marks_each_schools_stages(cast, county_year):
    data = dashboards.county_dashboard(county=cast.county, term=cast.term)
    rows = {row.unit: row for row in data["progress"]}
    assert rows[cast.school].rosters == 1
    assert rows[cast.school].marks == {
        "applied": "done",
        "reviewed": "begun",
        "signed": "done",
        "noticed": "not_begun",
        "reported": "not_begun",
        "approved": "not_begun",
        "paid": "done",
    }
    assert rows[cast.sibling_school].rosters == 0
    assert set(rows[cast.sibling_school].marks.values()) == {"not_begun"}
    assert cast.other_school not in rows


def test_a_school_is_done_with_a_stage_only_when_every_roster_is():
    assert dashboards.combine(["done", "done"]) == "done"
    assert dashboards.combine(["done", "not_begun"]) == "begun"
    assert dashboards.combine(["not_begun", "not_begun"]) == "not_begun"
    assert dashboards.combine([]) == "not_begun"


def test_coverage_is_aided_students_over_students_on_roll(cast, county_year):
    data = dashboards.county_dashboard(county=cast.county, term=cast.term)
    coverage = {row.unit: (row.on_roll, row.aided, row.percent) for row in data["coverage"]}
    assert coverage[cast.school] == (4, 2, Decimal("50.0"))
    assert coverage[cast.sibling_school] == (2, 0, Decimal("0.0"))


def test_funds_by_source_set_received_against_paid_split_by_the_programs_shares(cast, county_year):
    data = dashboards.county_dashboard(county=cast.county, term=cast.term)
    funds = {row.source: (row.received, row.paid) for row in data["funds"]}
    # The withdrawn 999 yuan is not received; the 1,250 yuan paid splits 60/40.
    assert funds == {
        "central": (Decimal("1000.00"), Decimal("750.00")),
        "province": (Decimal("500.00"), Decimal("500.00")),
    }


def test_payments_by_month_run_through_the_school_year(cast, county_year):
    months = dashboards.county_dashboard(county=cast.county, term=cast.term)["months"]
    assert [row.month for row in months][:3] == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    assert len(months) == 12 and months[-1].month == date(2027, 8, 1)
    by_month = {row.month: (row.lines, row.amount) for row in months}
    assert by_month[date(2026, 10, 1)] == (1, Decimal("625.00"))
    assert by_month[date(2026, 11, 1)] == (1, Decimal("625.00"))
    assert by_month[date(2026, 12, 1)] == (0, Decimal("0.00"))


def test_overdue_objections_and_unrepaid_failed_payments_are_counted(cast, county_year):
    signoff = RosterSignoff.objects.get(school=cast.school)
    notice = PublicNotice.objects.create(
        school=cast.school,
        program=county_year,
        term=cast.term,
        signoff=signoff,
        signoff_version=1,
        status="published",
        start_date=date(2026, 11, 9),
        working_days=5,
        end_date=date(2026, 11, 13),
        contact_office="资助办",
        contact_phone="0731-1234567",
        created_by=cast.li,
        created_at=timezone.now(),
    )
    for number, deadline in (("YY1", date(2026, 11, 20)), ("YY2", date(2026, 11, 25))):
        Objection.objects.create(
            notice=notice,
            tracking_number=number,
            channel="online",
            text="家庭条件较好",
            lodged_at=timezone.now() - timedelta(days=5),
            deadline=deadline,
        )
    batch = PaymentBatchFactory(
        school=cast.school,
        program=county_year,
        term=cast.term,
        method="bank_card",
        status="approved",
        prepared_by=cast.li,
        approved_by=cast.zhang,
    )
    PaymentLineFactory(batch=batch, status="failed", failure_reason="户名不符")
    repaid = PaymentLineFactory(batch=batch, status="failed", failure_reason="账户冻结")
    PaymentLineFactory(batch=batch, application=repaid.application, status="pending", replaces=repaid)

    data = dashboards.county_dashboard(county=cast.county, term=cast.term)
    assert data["alerts"] == {"overdue_objections": 1, "failed_payments": 1}
    assert [row.marks["noticed"] for row in data["progress"] if row.unit == cast.school] == ["begun"]

    page = _county_page(cast)
    assert page.context["data"]["alerts"]["overdue_objections"] == 1
    assert reverse("publicity:objection_list") + "?status=overdue" in page.content.decode()
    assert reverse("disbursements:bank_index") in page.content.decode()


def _county_page(cast, client=None, **params):
    from django.test import Client

    client = client or Client()
    client.force_login(cast.zhao, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("reports:dashboard_county", args=[cast.county.pk]), params)
    assert response.status_code == 200
    return response


def test_the_county_page_holds_each_chart_with_its_table_and_figures(cast, county_year):
    response = _county_page(cast)
    html = response.content.decode()
    for name in ("coverage", "funds", "months"):
        assert f'<canvas data-chart="{name}-data"' in html
        assert f'<script id="{name}-data" type="application/json">' in html
        assert f'data-testid="{name}-table"' in html
    assert 'data-testid="progress-table"' in html
    assert "vendor/chartjs/chart.umd.js" in html
    chart = json.loads(html.split('<script id="coverage-data" type="application/json">')[1].split("</script>")[0])
    assert chart["labels"] == ["青山县实验小学", "青山县第二小学"]
    assert chart["datasets"][0]["data"] == [50.0, 0.0]
    # Status marks say what they mean to a screen reader as well as with a sign: 7 stages, 2 schools.
    assert html.count("data-stage-mark=") == 14
    assert html.count('data-stage-mark="done"') == 3
    assert html.count('class="visually-hidden">') >= 14


def test_the_county_page_reads_another_term_when_asked(cast, county_year):
    spring = cast.term.school_year.terms.get(kind="spring")
    response = _county_page(cast, term=spring.pk)
    assert response.context["term"] == spring
    assert all(row.rosters == 0 for row in response.context["data"]["progress"])


def test_the_county_progress_table_is_paged_the_charts_are_not(cast, county_year):
    SchoolFactory.create_batch(30, county=cast.county)
    response = _county_page(cast)
    assert len(response.context["progress"].object_list) == 25
    assert len(response.context["charts"]["coverage"]["labels"]) == 32
    assert len(_county_page(cast, page=2).context["progress"].object_list) == 7


def _grow_county(cast, program, schools: int):
    """`schools` more schools, each with a class, students, an award paid and funds received."""
    for _ in range(schools):
        school = SchoolFactory(county=cast.county)
        school_class = SchoolClassFactory(school=school, school_year=cast.school_year)
        student = StudentFactory(school_class=school_class)
        application = ApplicationFactory(
            student=student, program=program, term=cast.term, status="approved", approved_tier="difficult", amount=625
        )
        FundAllocationFactory(school=school, program=program, term=cast.term)
        batch = PaymentBatchFactory(
            school=school,
            program=program,
            term=cast.term,
            status="approved",
            prepared_by=cast.li,
            approved_by=cast.zhang,
        )
        PaymentLineFactory(batch=batch, application=application, status="paid", paid_on=date(2026, 11, 2))


def test_the_county_page_costs_the_same_queries_for_ten_times_the_schools(cast, county_year, client_for):
    client = client_for(cast.zhao)
    url = reverse("reports:dashboard_county", args=[cast.county.pk])
    _grow_county(cast, county_year, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow_county(cast, county_year, 20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(few) <= 25, [q["sql"] for q in few.captured_queries]


def test_the_school_page_shows_its_programs_and_classes(cast, county_year, client_for):
    response = client_for(cast.li).get(reverse("reports:dashboard_school", args=[cast.school.pk]))
    assert response.status_code == 200
    data = response.context["data"]
    assert [(row.unit, row.marks["signed"]) for row in data["progress"]] == [(county_year, "done")]
    coverage = {row.unit: (row.on_roll, row.aided) for row in data["coverage"]}
    assert coverage == {cast.class_1: (4, 2), cast.class_2: (0, 0)}
    html = response.content.decode()
    assert '<canvas data-chart="coverage-data"' in html and 'data-testid="coverage-table"' in html


def test_the_school_page_costs_the_same_queries_for_ten_times_the_classes(cast, county_year, client_for):
    client = client_for(cast.zhang)
    url = reverse("reports:dashboard_school", args=[cast.school.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for grade in range(22, 27):
        for number in range(1, 5):
            school_class = SchoolClassFactory(
                school=cast.school, school_year=cast.school_year, grade=grade, number=number
            )
            StudentFactory(school_class=school_class)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_class_page_shows_the_class_applications_awards_and_payments(cast, county_year, client_for):
    response = client_for(cast.wang).get(reverse("reports:dashboard_class", args=[cast.class_1.pk]))
    assert response.status_code == 200
    data = response.context["data"]
    assert (data["coverage"].on_roll, data["coverage"].aided) == (4, 2)
    applications = {value: count for value, _label, count in data["applications"] if count}
    assert applications == {"approved": 2, "submitted": 1}
    assert [award.payment_status for award in data["awards"]] == ["paid", "paid"]
    assert data["awarded_amount"] == Decimal("1250.00")
    lines = {value: (count, amount) for value, _label, count, amount in data["lines"] if count}
    assert lines == {"paid": (2, Decimal("1250.00"))}
    html = response.content.decode()
    for name in ("applications", "lines", "months"):
        assert f'<canvas data-chart="{name}-data"' in html and f'data-testid="{name}-table"' in html


@pytest.mark.parametrize(
    ("name", "unit", "user", "status"),
    [
        ("reports:dashboard_county", "county", "outsider", 404),
        ("reports:dashboard_county", "other_county", "zhao", 404),
        ("reports:dashboard_county", "county", "li", 403),
        ("reports:dashboard_school", "other_school", "zhao", 404),
        ("reports:dashboard_school", "school", "outsider", 404),
        ("reports:dashboard_school", "sibling_school", "li", 404),
        ("reports:dashboard_school", "school", "wang", 403),
        ("reports:dashboard_class", "class_2", "wang", 404),
        ("reports:dashboard_class", "other_class", "li", 404),
        ("reports:dashboard_class", "class_1", "outsider", 404),
        ("reports:dashboard_school", "sibling_school", "zhao", 200),
        ("reports:dashboard_class", "class_2", "li", 200),
    ],
)
def test_a_dashboard_out_of_scope_is_not_found(cast, client_for, name, unit, user, status):
    response = client_for(getattr(cast, user)).get(reverse(name, args=[getattr(cast, unit).pk]))
    assert response.status_code == status


def test_the_index_sends_a_user_with_one_dashboard_to_it(cast, client_for):
    response = client_for(cast.zhao).get(reverse("reports:dashboard_index"))
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("reports:dashboard_county", args=[cast.county.pk])
    response = client_for(cast.wang).get(reverse("reports:dashboard_index"))
    assert response.headers["Location"] == reverse("reports:dashboard_class", args=[cast.class_1.pk])


def test_the_home_page_and_the_menu_link_to_the_dashboards(cast, client_for):
    response = client_for(cast.zhao).get(reverse("aidsys:dashboard"))
    assert 'data-testid="dashboards-link"' in response.content.decode()
    assert any(item["url"] == reverse("reports:dashboard_index") for item in response.context["menu"])


def test_a_dashboard_answers_only_get(cast, client_for):
    response = client_for(cast.zhao).post(reverse("reports:dashboard_county", args=[cast.county.pk]))
    assert response.status_code == 405
