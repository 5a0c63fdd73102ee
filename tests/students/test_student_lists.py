"""The lists of students stay fast in a large school: paged and filtered in the database.

Each list costs the same queries with N students as with 10×N; page 2 shows the next students; a
filter holds across pages; a page out of range answers the last page.
"""

from datetime import date

import pytest
from django.urls import reverse

from students.gaps import aid_gaps
from students.models import HomeVisit, Identification, SpecialGroupFlag, Student
from tests.factories import AidProgramFactory, ApplicationFactory, StudentFactory
from tests.lists import PER_PAGE, assert_same_queries, texts_of, total_shown
from tests.students.test_official_lists import upload


def enrol(cast, n, *, school_class=None, **fields) -> list[Student]:
    """`n` students, each with what a roster row shows: a special group, a tier, a home visit."""
    students = []
    for _ in range(n):
        student = StudentFactory(school_class=school_class or cast.class_1, **fields)
        SpecialGroupFlag.objects.create(household=student.household, group="minimum_living", source="self_declared")
        Identification.objects.create(
            student=student, school_year=cast.school_year, tier="difficult", decided_on=date(2026, 10, 20)
        )
        HomeVisit.objects.create(
            student=student, visitor=cast.wang, school_year=cast.school_year, visited_on=date(2026, 9, 20),
            method="phone", people_met="母亲", housing="poor", suggested_tier="difficult",
        )  # fmt: skip
        students.append(student)
    return students


def roster_order(students) -> list[str]:
    ids = [s.pk for s in students]
    rows = Student.objects.filter(pk__in=ids).order_by(
        "school_class__grade", "school_class__number", "name_pinyin", "pk"
    )
    return [s.name for s in rows]


@pytest.fixture
def school_url(cast):
    return f"/schools/{cast.school.pk}/students/"


class TestSchoolStudents:
    def test_the_queries_are_the_same_for_ten_times_the_students(self, cast, client_for, school_url):
        enrol(cast, 6)
        enrol(cast, 1, school_class=cast.class_2)
        assert_same_queries(client_for(cast.li), school_url, lambda: enrol(cast, 63, school_class=cast.class_2))

    def test_the_filtered_list_costs_the_same_too(self, cast, client_for, school_url):
        enrol(cast, 6)
        url = f"{school_url}?q=xs&tier=difficult&special_group=minimum_living&boarder=no&visit=yes&hukou=rural"
        assert_same_queries(client_for(cast.li), url, lambda: enrol(cast, 54))

    def test_page_two_shows_the_next_students(self, cast, client_for, school_url):
        students = enrol(cast, 40) + enrol(cast, 30, school_class=cast.class_2)
        client = client_for(cast.li)
        first = client.get(school_url).content.decode()
        second = client.get(school_url, {"page": 2}).content.decode()
        assert len(texts_of(first, "roster-student")) == PER_PAGE
        assert texts_of(first, "roster-student") + texts_of(second, "roster-student") == roster_order(students)
        assert total_shown(first) == total_shown(second) == 70
        assert "第 1 页，共 2 页" in first and "第 2 页，共 2 页" in second

    def test_a_filter_holds_across_pages(self, cast, client_for, school_url):
        boarders = enrol(cast, 55, boarder=True)
        enrol(cast, 5, boarder=False)
        client = client_for(cast.li)
        first = client.get(school_url, {"boarder": "yes"}).content.decode()
        assert total_shown(first) == 55
        assert 'href="?boarder=yes&amp;page=2"' in first
        second = client.get(school_url, {"boarder": "yes", "page": 2}).content.decode()
        assert texts_of(first, "roster-student") + texts_of(second, "roster-student") == roster_order(boarders)

    # (`page` would be Playwright's fixture.)
    @pytest.mark.parametrize(("asked", "shown"), [("99", 2), ("-1", 2), ("x", 1), ("", 1)])
    def test_a_page_out_of_range_answers_a_page_of_the_list(self, cast, client_for, school_url, asked, shown):
        enrol(cast, PER_PAGE + 1)
        response = client_for(cast.li).get(school_url, {"page": asked})
        assert response.status_code == 200
        assert response.context["page"].number == shown

    def test_an_outsider_sees_nothing(self, cast, client_for, school_url):
        enrol(cast, 3)
        assert client_for(cast.outsider).get(school_url).status_code == 404


class TestClassRoster:
    def test_the_queries_are_the_same_for_ten_times_the_students(self, cast, client_for):
        enrol(cast, 6)
        url = f"/classes/{cast.class_1.pk}/roster/"
        assert_same_queries(client_for(cast.wang), url, lambda: enrol(cast, 54))

    def test_page_two_shows_the_next_students_of_the_class_only(self, cast, client_for):
        students = enrol(cast, 60)
        enrol(cast, 3, school_class=cast.class_2)
        client = client_for(cast.wang)
        url = f"/classes/{cast.class_1.pk}/roster/"
        first = client.get(url).content.decode()
        second = client.get(url, {"page": 2}).content.decode()
        assert texts_of(first, "roster-student") + texts_of(second, "roster-student") == roster_order(students)
        assert total_shown(first) == 60


class TestAidGaps:
    """应助尽助: the students on an official list without approved aid, under the list's page."""

    def flagged(self, cast, official_list, n) -> list[Student]:
        students = enrol(cast, n)
        SpecialGroupFlag.objects.bulk_create(
            SpecialGroupFlag(
                household=student.household, group="orphan", source=SpecialGroupFlag.Source.OFFICIAL_LIST,
                official_list=official_list, list_name=official_list.name, list_date=official_list.list_date,
            )
            for student in students
        )  # fmt: skip
        return students

    @pytest.fixture
    def official_list(self, cast):
        named = enrol(cast, 2)
        return upload(cast.li, [["身份证号"], *[[s.id_number] for s in named]], unit=cast.school).official_list

    def test_the_queries_are_the_same_for_ten_times_the_gaps(self, cast, client_for, official_list):
        self.flagged(cast, official_list, 4)
        url = reverse("students:official_list_detail", args=[official_list.pk])
        assert_same_queries(client_for(cast.li), url, lambda: self.flagged(cast, official_list, 54))

    def test_students_with_aid_leave_the_gaps_without_being_listed_in_the_query(self, cast, official_list):
        """A county's thousands of aided students are an anti-join, not ids written into a NOT IN."""
        students = self.flagged(cast, official_list, 60)
        program = AidProgramFactory()

        def approve(chosen):
            for student in chosen:
                ApplicationFactory(
                    student=student, program=program, term=cast.term, status="approved", approved_tier="difficult",
                    amount=625,
                )  # fmt: skip
            gaps = aid_gaps(user=cast.li, school_year=cast.school_year, school=cast.school)
            return gaps.count(), len(gaps.query.sql_with_params()[1])

        before, parameters = approve([])
        assert before == 62  # the sixty and the two the list named
        assert approve(students[:2]) == (60, parameters)
        assert approve(students[2:50]) == (12, parameters)
        remaining = {s.pk for s in aid_gaps(user=cast.li, school_year=cast.school_year)}
        assert remaining.isdisjoint(s.pk for s in students[:50]) and {s.pk for s in students[50:]} <= remaining

    def test_page_two_shows_the_next_gaps(self, cast, client_for, official_list):
        self.flagged(cast, official_list, 118)
        client = client_for(cast.li)
        first = client.get(reverse("students:official_list_detail", args=[official_list.pk]))
        second = client.get(reverse("students:official_list_detail", args=[official_list.pk]), {"gaps_page": 2})
        assert first.context["gaps_page"].paginator.count == 120
        names = [s.pk for s in first.context["gaps_page"]] + [s.pk for s in second.context["gaps_page"]]
        assert len(set(names)) == 120
        assert 'href="?gaps_page=2#gaps"' in first.content.decode()
