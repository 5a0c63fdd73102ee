"""The principal signs with the names in front of them: the sign-off page lists the roster's students and
prints the 审定名单 to sign and seal."""

import re
import subprocess

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from aidsys.models import AuditEvent
from reviews.services import roster_submit
from reviews.services.signoff_sheet import signoff_sheet_context
from tests.factories import MembershipFactory, StudentFactory, UserFactory
from tests.reviews.conftest import approved, recommended


@pytest.fixture
def roster(cast, program, quota):
    """Three approved students in two classes (added out of order) and one on the waiting list, submitted."""
    approved(cast, program, student=StudentFactory(name="赵小雨", school_class=cast.class_2), tier="difficult")
    approved(
        cast, program, student=StudentFactory(name="王小明", school_class=cast.class_1), tier="especially_difficult"
    )
    approved(
        cast,
        program,
        student=StudentFactory(name="艾米", school_class=cast.class_1),
        tier="generally_difficult",
        amount="500.00",
    )
    recommended(cast, program, student=StudentFactory(name="钱多多", school_class=cast.class_1))
    return roster_submit(actor=cast.li, school=cast.school, program=program, term=cast.term)


def page_url(cast, program):
    return reverse("reviews:signoff", args=[cast.school.pk, program.pk, cast.term.pk])


def rows_of(html: str) -> list[list[str]]:
    section = html.split('data-testid="roster-students"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>.*?</td>", row, re.S)]
        for row in re.findall(r"<tr>.*?</tr>", body, re.S)
    ]


class TestPage:
    def test_the_principal_sees_every_student_by_class_then_name_with_tier_and_amount(
        self, cast, program, roster, client_for
    ):
        html = client_for(cast.zhang).get(page_url(cast, program)).content.decode()
        class_1, class_2 = cast.class_1.name, cast.class_2.name
        assert rows_of(html) == [
            ["1", class_1, "艾米", "一般困难", "500.00"],
            ["2", class_1, "王小明", "特别困难", "625.00"],
            ["3", class_2, "赵小雨", "困难", "625.00"],
        ]
        assert "钱多多" not in html.split('data-testid="roster-students"', 1)[1]  # waiting, not on the roster
        assert "1750.00" in html
        assert reverse("reviews:signoff_print", args=[roster.pk]) in html

    def test_no_print_before_the_roster_is_submitted(self, cast, program, quota, client_for):
        approved(cast, program)
        html = client_for(cast.li).get(page_url(cast, program)).content.decode()
        assert len(rows_of(html)) == 1 and "/print/" not in html


class TestPrint:
    def test_the_sheet_has_the_columns_the_students_the_total_and_the_principals_lines(self, cast, program, roster):
        html = render_to_string("reviews/pdf/signoff_roster.html", signoff_sheet_context(roster))
        head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
        # The unit line is in the table's head, which repeats on every page.
        assert cast.school.name in head and program.name in head and str(cast.term) in head
        assert re.findall(r"<th>(.*?)</th>", head) == ["序号", "年级班级", "姓名", "认定档次", "金额（元）"]
        assert html.index("艾米") < html.index("王小明") < html.index("赵小雨")
        assert "合计：3 人" in html
        assert '<td class="number" data-testid="total">1750.00</td>' in html
        assert "人民币壹仟柒佰伍拾元整" in html
        assert "校长签字" in html and "学校盖章" in html and "日期" in html
        for student in roster_students(roster):
            assert student.id_number not in html

    def test_printing_gives_a_numbered_pdf_and_an_audit_event(self, cast, program, roster, client_for):
        response = client_for(cast.zhang).post(reverse("reviews:signoff_print", args=[roster.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "王小明" in text and "第1页/共1页" in re.sub(r"\s+", "", text)
        event = AuditEvent.objects.get(action=AuditEvent.Action.PRINT)
        assert (event.actor, event.object_id) == (cast.zhang, str(roster.pk))

    def test_a_long_roster_repeats_its_head_on_every_page(self, cast, program, client_for):
        for number in range(60):
            approved(cast, program, student=StudentFactory(name=f"学生{number:02d}", school_class=cast.class_1))
        signoff = roster_submit(actor=cast.li, school=cast.school, program=program, term=cast.term)
        response = client_for(cast.zhang).post(reverse("reviews:signoff_print", args=[signoff.pk]))
        pages = (
            subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True)
            .stdout.decode()
            .split("\f")[:-1]
        )
        assert len(pages) >= 2
        for number, page in enumerate(pages, start=1):
            flat = re.sub(r"\s+", "", page)
            # The signature block names what is signed, should it fall on a page of its own.
            assert cast.school.name in flat and ("认定档次" in flat or "校长签字" in flat)
            assert f"第{number}页/共{len(pages)}页" in flat
        assert "学生59" in "".join(pages) and "校长签字" in pages[-1]

    def test_scope(self, cast, program, roster, client_for):
        url = reverse("reviews:signoff_print", args=[roster.pk])
        assert client_for(cast.li).post(url).status_code == 200
        assert client_for(cast.zhao).post(url).status_code == 200
        assert client_for(cast.wang).post(url).status_code == 403
        assert client_for(cast.outsider).post(url).status_code == 404
        sibling_aid = UserFactory(username="sun", full_name="孙老师")
        MembershipFactory(user=sibling_aid, role="aid_office", school=cast.sibling_school)
        assert client_for(sibling_aid).post(url).status_code == 404
        assert client_for(cast.zhang).get(url).status_code == 405
        assert AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).count() == 2


def roster_students(signoff):
    from applications.models import Application

    return [
        application.student
        for application in Application.objects.filter(school=signoff.school, program=signoff.program).select_related(
            "student"
        )
    ]
