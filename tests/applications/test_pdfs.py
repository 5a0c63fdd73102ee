import io
import re
import subprocess

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from pypdf import PdfReader

from aidsys.models import AuditEvent
from aidsys.pdf import render_pdf
from applications.services.applications import application_print
from applications.services.attachments import attachment_add
from students.models import HomeVisit, SpecialGroup, SpecialGroupFlag
from tests.applications.filing import PDF_BYTES, STATEMENT, make_ming, make_program, upload
from tests.factories import ApplicationFactory, StudentFactory

Action = AuditEvent.Action


def text_of(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, without any white space (lines break anywhere)."""
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return re.sub(r"\s+", "", result.stdout.decode())


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", str(text))


@pytest.fixture
def ming(cast):
    return make_ming(cast)


@pytest.fixture
def application(cast, ming):
    application = ApplicationFactory(
        student=ming,
        program=make_program(cast),
        term=cast.term,
        filed_by=cast.wang,
        requested_tier="especially_difficult",
        statement=STATEMENT,
        late_reason="开学时家中突遭火灾",
    )
    visit = HomeVisit.objects.create(
        student=ming, visitor=cast.wang, school_year=cast.school_year, visited_on="2026-09-20",
        method="in_person", people_met="父亲", housing="poor", suggested_tier="difficult",
    )  # fmt: skip
    application.home_visits.add(visit)
    SpecialGroupFlag.objects.create(household=ming.household, group="single_parent", source="home_visit")
    attachment_add(actor=cast.wang, application=application, kind="village", upload=upload("证明.pdf", PDF_BYTES))
    return application


class TestRenderPdf:
    def test_it_makes_an_a4_pdf_with_the_page_counter(self, cast, application):
        pdf = render_pdf("applications/pdf/pledge.html", {"application": application, "student": application.student})
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        assert squeezed(gettext("Page {page} of {pages}").format(page=1, pages=1)) in text_of(pdf)

    def test_the_chinese_fonts_are_embedded(self, cast, application):
        pdf = application_print(actor=cast.wang, application=application, document="pledge")
        fonts = set()
        for page in PdfReader(io.BytesIO(pdf)).pages:
            for font in page["/Resources"]["/Font"].values():
                fonts.add(str(font.get_object()["/BaseFont"]))
        assert any("Noto-Sans-CJK-SC" in font for font in fonts), fonts


class TestPledge:
    def test_it_names_the_student_school_class_program_and_term_and_carries_the_pledge(self, cast, application):
        text = text_of(application_print(actor=cast.wang, application=application, document="pledge"))
        for expected in ("王小明", "青山县实验小学", cast.class_1.name, application.program.name, str(cast.term)):
            assert squeezed(expected) in text, expected
        for sentence in (
            "The information given in this application and in its materials is true and complete; "
            "nothing is hidden or made up.",
            "If any of it proves untrue, the aid is cancelled and we return all the money received.",
            "Student's signature",
            "Guardian's signature",
            "Date",
        ):
            assert squeezed(gettext(sentence)) in text, sentence

    def test_printing_it_is_recorded(self, cast, application):
        application_print(actor=cast.li, application=application, document="pledge")
        (event,) = AuditEvent.objects.for_object(application).filter(action=Action.PRINT)
        assert event.actor == cast.li and event.changes == {"document": [None, gettext("pledge")]}


class TestApplicationForm:
    def test_it_shows_the_profile_household_and_request_with_the_id_number_masked(self, cast, application, ming):
        text = text_of(application_print(actor=cast.wang, application=application, document="form"))
        masked = ming.id_number[:4] + "*" * 10 + ming.id_number[-4:]
        for expected in (
            "王小明",
            masked,
            "青山县实验小学",
            cast.class_1.name,
            "王大山",
            "李秀英",
            "务工",
            "青山镇",
            STATEMENT,
            "开学时家中突遭火灾",
            "2026-09-20",
            SpecialGroup.SINGLE_PARENT.label,
            application.get_requested_tier_display(),
        ):
            assert squeezed(expected) in text, expected
        for label in ("Class teacher's signature", "Guardian's signature", "Student's signature"):
            assert squeezed(gettext(label)) in text

    def test_it_leaves_out_the_full_id_number_phone_address_and_income(self, cast, application, ming):
        text = text_of(application_print(actor=cast.wang, application=application, document="form"))
        for secret in (ming.id_number, ming.id_number[6:14], "13812345678", "枫树村", "三组十七号", "12000", "12,000"):
            assert secret not in text, secret

    def test_printing_it_is_recorded(self, cast, application):
        application_print(actor=cast.wang, application=application, document="form")
        (event,) = AuditEvent.objects.for_object(application).filter(action=Action.PRINT)
        assert event.changes == {"document": [None, gettext("application form")]}


class TestPrintScreens:
    @pytest.mark.parametrize("name", ["application_pledge_pdf", "application_form_pdf"])
    def test_a_print_button_returns_the_pdf_and_records_it(self, cast, application, client_for, name):
        response = client_for(cast.zhang).post(reverse(f"applications:{name}", args=[application.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")
        assert response["Content-Disposition"].startswith("inline;")
        assert "王小明" in text_of(response.content)
        assert AuditEvent.objects.filter(action=Action.PRINT, actor=cast.zhang).count() == 1

    @pytest.mark.parametrize("name", ["application_pledge_pdf", "application_form_pdf"])
    def test_printing_answers_only_post(self, cast, application, client_for, name):
        assert client_for(cast.wang).get(reverse(f"applications:{name}", args=[application.pk])).status_code == 405
        assert not AuditEvent.objects.filter(action=Action.PRINT).exists()

    def test_nobody_outside_the_scope_prints_it(self, cast, application, client_for):
        other = ApplicationFactory(student=StudentFactory(school_class=cast.class_2), program=application.program)
        assert (
            client_for(cast.wang).post(reverse("applications:application_form_pdf", args=[other.pk])).status_code == 404
        )
        target = reverse("applications:application_pledge_pdf", args=[application.pk])
        assert client_for(cast.outsider).post(target).status_code == 404
        assert not AuditEvent.objects.filter(action=Action.PRINT).exists()
