"""The 月报 as of a day, the 年度统计, 应助尽助, the checks and 结余 against the small year of data.py."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from applications.models import Application
from disbursements.models import LeftoverReport
from disbursements.selectors.leftovers import leftover_figures
from reports.definitions import REPORTS, ReportRequest
from reviews.models import Revocation
from students.models import EnrolmentStatus, SpecialGroupFlag, Student
from students.models.official import OfficialList
from tests.factories import ApplicationFactory, PaymentBatchFactory, PaymentLineFactory, StudentFactory
from tests.reports.data import build_year


def build(key, user, **kwargs):
    data = REPORTS[key].build(ReportRequest(user=user, **kwargs))
    return data, list(data.rows)


def by_school(rows):
    return {row["school"]: row for row in rows}


class TestProgress:
    def test_as_of_today_it_counts_applications_tiers_notice_roster_funds_and_payments(self, cast):
        year = build_year(cast)
        data, rows = build("progress", cast.zhao, county_id=cast.county.pk, as_of=date(2026, 11, 23))
        row = by_school(rows)[cast.school.name]
        assert row["program"] == year.program.name
        assert row["on_roll"] == Student.objects.filter(school=cast.school).count()
        assert row["applications"] == 4
        assert (
            row["approved_especially_difficult"],
            row["approved_difficult"],
            row["approved_generally_difficult"],
        ) == (
            1,
            2,
            1,
        )
        assert row["approved"] == 4
        assert row["notice_published"] is not None and row["notice_closed"] is not None
        assert row["reported"] is not None and row["county_approved"] is not None
        assert row["source_central"] == Decimal("10000.00")
        assert (row["paid_people"], row["paid"]) == (2, Decimal("1250.00"))
        assert row["paid_ratio"] == Decimal("0.1250")
        assert row["leftover"] == Decimal("8750.00")
        sibling = by_school(rows)[cast.sibling_school.name]
        assert (sibling["paid_people"], sibling["paid"], sibling["received"]) == (
            1,
            Decimal("625.00"),
            Decimal("1000.00"),
        )
        assert cast.other_school.name not in by_school(rows)
        headings = [column.heading for column in data.columns]
        assert "批准：特别困难" in headings and "到位：中央" in headings

    def test_as_of_an_earlier_day_only_what_had_happened_counts(self, cast):
        build_year(cast)
        _data, rows = build("progress", cast.li, school_id=cast.school.pk, as_of=date(2026, 11, 20))
        (row,) = rows
        # Paid on the 20th counts, the 22nd's not; the funds were recorded on the 23rd.
        assert (row["paid_people"], row["paid"]) == (1, Decimal("625.00"))
        assert row["received"] == Decimal("0.00")
        assert row["paid_ratio"] is None
        _data, rows = build("progress", cast.li, school_id=cast.school.pk, as_of=date(2026, 9, 1))
        assert (rows[0]["applications"], rows[0]["approved"], rows[0]["notice_published"]) == (0, 0, None)

    def test_an_award_revoked_later_still_counts_as_approved_on_an_earlier_day(self, cast):
        year = build_year(cast)
        award = Application.objects.filter(school=cast.school, program=year.program, status="approved").first()
        Application.objects.filter(pk=award.pk).update(status="revoked")
        Revocation.objects.create(
            application=award, reason="improved", detail="家庭经济状况好转", effective_term=cast.term,
            revoked_by=cast.li, revoked_at=timezone.make_aware(datetime(2026, 11, 22, 9)),
        )  # fmt: skip
        before = build("progress", cast.li, school_id=cast.school.pk, as_of=date(2026, 11, 21))[1][0]
        after = build("progress", cast.li, school_id=cast.school.pk, as_of=date(2026, 11, 23))[1][0]
        assert before["approved"] - after["approved"] == 1


class TestAnnual:
    def test_per_stage_and_program_aided_share_sources_and_rates(self, cast):
        year = build_year(cast)
        data, rows = build("annual", cast.zhao, county_id=cast.county.pk, school_year_id=cast.school_year.pk)
        (row,) = rows
        assert (row["stage"], row["program"]) == ("小学", year.program.name)
        assert row["schools"] == 2
        assert row["aided"] == 5
        assert row["on_roll"] == Student.objects.filter(school__county=cast.county).count()
        assert row["coverage"] == (Decimal(5) / row["on_roll"]).quantize(Decimal("0.0001"))
        assert (row["source_central"], row["source_province"], row["paid"]) == (
            Decimal("1500.00"),
            Decimal("375.00"),
            Decimal("1875.00"),
        )
        assert (row["received"], row["needed"]) == (Decimal("11000.00"), Decimal("3000.00"))
        assert row["arrival_rate"] == Decimal("3.6667")
        assert row["payout_rate"] == Decimal("0.1705")
        assert any("到位率" in note for note in data.notes)

    def test_a_school_sees_its_own_figures(self, cast):
        build_year(cast)
        _data, rows = build("annual", cast.zhang, school_id=cast.school.pk, school_year_id=cast.school_year.pk)
        (row,) = rows
        assert (row["schools"], row["aided"], row["paid"], row["received"]) == (
            1,
            4,
            Decimal("1250.00"),
            Decimal("10000.00"),
        )


def flag(student, cast, group="minimum_living"):
    official = OfficialList.objects.create(
        kind="minimum_living",
        name="2026年9月低保名单",
        list_date=date(2026, 9, 1),
        county=cast.county,
        file_name="dibao.xlsx",
        uploaded_by=cast.zhao,
    )
    return SpecialGroupFlag.objects.create(
        household=student.household,
        group=group,
        source="official_list",
        official_list=official,
        list_name=official.name,
        list_date=official.list_date,
    )


def test_aid_gaps_lists_students_on_an_official_list_without_an_approved_award(cast):
    year = build_year(cast)
    forgotten = StudentFactory(name="柳小青", school_class=cast.class_2)
    flag(forgotten, cast)
    flag(year.lines["王小明"].student, cast)
    _data, rows = build("aid_gaps", cast.zhao, county_id=cast.county.pk, school_year_id=cast.school_year.pk)
    assert [(row["school"], row["name"], row["special_groups"], row["lists"]) for row in rows] == [
        (cast.school.name, "柳小青", "低保", "2026年9月低保名单")
    ]
    assert rows[0]["id_number"] == forgotten.id_number
    _data, rows = build("aid_gaps", cast.zhao, county_id=cast.county.pk, school_ids=(cast.sibling_school.pk,))
    assert rows == []


class TestChecks:
    def test_paid_by_two_schools_and_not_on_roll_are_named(self, cast):
        year = build_year(cast)
        wang = year.lines["王小明"].student
        # 王小明 also paid by 第二小学 under another program in the same term: two rolls.
        sibling_batch = PaymentBatchFactory(
            school=cast.sibling_school,
            term=cast.term,
            status="approved",
            prepared_by=cast.li,
            approved_by=cast.zhang,
        )
        award = ApplicationFactory(
            student=wang,
            program=sibling_batch.program,
            term=cast.term,
            school=cast.sibling_school,
            status="approved",
            approved_tier="difficult",
            amount=Decimal("300.00"),
        )
        PaymentLineFactory(batch=sibling_batch, application=award, status="paid", paid_on=date(2026, 11, 2))
        # 赵小雨 left on the 21st and was paid on the 22nd.
        Student.objects.filter(pk=year.lines["赵小雨"].student_id).update(
            status=EnrolmentStatus.TRANSFERRED_OUT, status_since=date(2026, 11, 21)
        )
        # 艾米 graduated before the term began and still holds the term's award.
        Student.objects.filter(pk=year.lines["艾米"].student_id).update(
            status=EnrolmentStatus.GRADUATED, status_since=date(2026, 7, 1)
        )
        _data, rows = build("checks", cast.zhao, county_id=cast.county.pk, term_id=cast.term.pk)
        problems = sorted((row["problem"], row["name"], row["school"]) for row in rows)
        assert problems == sorted(
            [
                ("同一学期由两所学校发放（疑似双重学籍）", "王小明", cast.school.name),
                ("同一学期由两所学校发放（疑似双重学籍）", "王小明", cast.sibling_school.name),
                ("学期开始时已不在籍的学生获得资助", "艾米", cast.school.name),
                ("学生离校当日或之后仍发放资助", "赵小雨", cast.school.name),
            ]
        )
        # The school sees the rows of its own students.
        _data, rows = build("checks", cast.li, school_id=cast.school.pk, term_id=cast.term.pk)
        assert {row["name"] for row in rows} == {"王小明", "艾米", "赵小雨"}


class TestLeftovers:
    def test_reported_terms_show_their_frozen_figures_the_others_today_s(self, cast):
        program = build_year(cast).program
        LeftoverReport.objects.create(
            school=cast.sibling_school,
            program=program,
            term=cast.term,
            figures=leftover_figures(school=cast.sibling_school, program=program, term=cast.term),
            remainder=Decimal("375.00"),
            reported_by=cast.li,
            reported_at=timezone.now(),
        )
        _data, rows = build("leftovers", cast.zhao, county_id=cast.county.pk, term_id=cast.term.pk)
        mine = [row for row in rows if row["school"] == cast.school.name]
        assert {row["source"] for row in mine} == {"中央", "省级"}
        assert sum(row["received"] for row in mine) == Decimal("10000.00")
        assert sum(row["paid"] for row in mine) == Decimal("1250.00")
        assert sum(row["remainder"] for row in mine) == Decimal("8750.00")
        assert all(row["state"].startswith("尚未上报") for row in mine)
        sibling = [row for row in rows if row["school"] == cast.sibling_school.name]
        assert sum(row["remainder"] for row in sibling) == Decimal("375.00")
        assert all(row["state"] == "已上报县资助中心" for row in sibling)
