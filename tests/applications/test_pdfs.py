import io
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.translation import gettext
from pypdf import PdfReader

from aidsys.models import AuditEvent
from aidsys.pdf import render_layout, render_pdf
from applications.selectors.applications import print_context
from applications.services.applications import application_print
from applications.services.attachments import attachment_add
from reviews.services import (
    application_approve,
    application_not_recommend,
    application_recommend,
    application_reject,
    application_return,
    roster_sign,
    roster_submit,
)
from students.models import HomeVisit, SpecialGroup, SpecialGroupFlag
from tests.applications.filing import PDF_BYTES, STATEMENT, make_ming, make_program, upload
from tests.factories import ApplicationFactory, ProgramStandardFactory, QuotaFactory, StudentFactory
from tests.publicity.test_notice_pdf import boxes_of_class

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


def may_reveal(user):
    user.user_permissions.add(Permission.objects.get(codename="reveal_sensitive"))
    return type(user).objects.get(pk=user.pk)  # a fresh copy: permissions are cached on the instance


class TestTheFullIdNumber:
    def test_a_user_who_may_reveal_prints_it_in_full_and_the_reveal_is_recorded(self, cast, application, ming):
        li = may_reveal(cast.li)
        text = text_of(application_print(actor=li, application=application, document="form"))
        assert ming.id_number in text
        (reveal,) = AuditEvent.objects.for_object(ming).filter(action=Action.REVEAL_SENSITIVE)
        assert reveal.actor == li
        assert reveal.changes == {"field": [None, "id_number"], "printed_in": [None, gettext("application form")]}
        (printed,) = AuditEvent.objects.for_object(application).filter(action=Action.PRINT)
        assert printed.actor == li

    def test_a_user_who_may_not_gets_it_masked_and_nothing_is_revealed(self, cast, application, ming):
        text = text_of(application_print(actor=cast.li, application=application, document="form"))
        assert ming.id_number not in text
        assert ming.id_number[:4] + "*" * 10 + ming.id_number[-4:] in text
        assert not AuditEvent.objects.filter(action=Action.REVEAL_SENSITIVE).exists()

    def test_the_pledge_reveals_nothing_even_to_a_user_who_may(self, cast, application, ming):
        text = text_of(application_print(actor=may_reveal(cast.li), application=application, document="pledge"))
        assert ming.id_number not in text
        assert not AuditEvent.objects.filter(action=Action.REVEAL_SENSITIVE).exists()

    def test_the_print_button_gives_the_full_number_to_a_user_who_may_reveal_and_records_it(
        self, cast, application, ming, client_for
    ):
        target = reverse("applications:application_form_pdf", args=[application.pk])
        assert ming.id_number not in text_of(client_for(cast.zhang).post(target).content)
        assert ming.id_number in text_of(client_for(may_reveal(cast.zhang)).post(target).content)
        (reveal,) = AuditEvent.objects.filter(action=Action.REVEAL_SENSITIVE)
        assert (reveal.actor, reveal.object_id) == (cast.zhang, str(ming.pk))
        assert AuditEvent.objects.filter(action=Action.PRINT, actor=cast.zhang).count() == 2

    def test_the_application_page_tells_a_user_who_may_reveal_that_the_form_carries_the_full_number(
        self, cast, application, client_for
    ):
        page = reverse("applications:application_detail", args=[application.pk])
        assert b"full-id-number-note" not in client_for(cast.li).get(page).content
        assert b"full-id-number-note" in client_for(may_reveal(cast.li)).get(page).content


SECTIONS = ("Class teacher's opinion", "Review panel's opinion", "School's review opinion")


def section_texts(application) -> dict[str, str]:
    """The text that each of the school's sections (first_review, panel, school) holds on the laid-out form."""

    def texts(box):
        if hasattr(box, "text"):
            yield box.text
        for child in getattr(box, "children", ()):
            yield from texts(child)

    def sections(box):
        if box.element is not None and box.element.get("data-section"):
            yield box.element.get("data-section"), box
            return
        for child in getattr(box, "children", ()):
            yield from sections(child)

    document = render_layout("applications/pdf/form.html", print_context(application=application))
    found: dict[str, str] = {}
    for page in document.pages:
        for name, box in sections(page._page_box):
            found[name] = found.get(name, "") + squeezed("".join(texts(box)))
    return found


@pytest.fixture
def under_review(cast, application):
    """The application submitted, with a standard and a quota for its program, for the reviews to decide."""
    ProgramStandardFactory(
        program=application.program, school_year=cast.school_year, amount_per_year=Decimal("1250.00")
    )
    QuotaFactory(program=application.program, term=cast.term, school=cast.school, awards=5)
    application.status = "submitted"
    application.save()
    return application


RECOMMENDED = "Recommended; suggested tier: {tier}."
APPROVED = "Aid approved: {tier}, {amount} yuan."
AGREED = "Agreed. The principal has signed off the roster of {program}."


class TestTheSchoolsSections:
    def test_a_new_application_carries_the_three_sections_blank_with_lines_to_sign_date_and_seal(
        self, cast, application
    ):
        text = text_of(application_print(actor=cast.wang, application=application, document="form"))
        for label in (*SECTIONS, "Class teacher's signature", "Panel leader's signature", "(Seal)"):
            assert squeezed(gettext(label)) in text, label
        assert text.count(squeezed(gettext("Date"))) == 4  # the applicant's, and one in each section
        assert section_texts(application) == {
            "first_review": squeezed(gettext("Class teacher's signature") + gettext("Date")),
            "panel": squeezed(gettext("Panel leader's signature") + gettext("Date")),
            "school": squeezed(gettext("Date") + gettext("(Seal)")),
        }

    def test_the_schools_seal_goes_in_a_drawn_box(self, cast, application):
        document = render_layout("applications/pdf/form.html", print_context(application=application))
        (seal,) = boxes_of_class(document, "seal")
        for side in ("top", "right", "bottom", "left"):
            assert seal.style[f"border_{side}_style"] == "solid", side
            assert getattr(seal, f"border_{side}_width") > 0, side
        assert seal.element.get("class") == "seal" and squeezed(gettext("(Seal)")) == squeezed(seal.element.text)

    def test_the_opinions_appear_with_their_dates_once_the_reviews_happened(self, cast, under_review, today_is):
        today_is(date(2026, 11, 16))
        application_recommend(actor=cast.wang, application=under_review, tier="difficult", note="家访核实属实")
        today_is(date(2026, 11, 18))
        application_approve(actor=cast.li, application=under_review, tier="difficult")
        signoff = roster_submit(actor=cast.li, school=cast.school, program=under_review.program, term=cast.term)
        today_is(date(2026, 11, 20))
        roster_sign(actor=cast.zhang, signoff=signoff)
        under_review.refresh_from_db()
        expected = {
            "first_review": (
                gettext(RECOMMENDED).format(tier=gettext("Difficult")),
                "家访核实属实",
                "王老师",
                "2026-11-16",
            ),
            "panel": (gettext(APPROVED).format(tier=gettext("Difficult"), amount="625.00"), "2026-11-18"),
            "school": (gettext(AGREED).format(program=under_review.program.name), "2026-11-20"),
        }
        text = text_of(application_print(actor=cast.li, application=under_review, document="form"))
        found = section_texts(under_review)
        for section, values in expected.items():
            for value in values:
                assert squeezed(value) in text, value
                assert squeezed(value) in found[section], (section, value)

    def test_a_rejection_is_the_panels_opinion_and_the_school_section_waits_for_the_signature(self, cast, under_review):
        application_recommend(actor=cast.wang, application=under_review, tier="difficult")
        application_reject(actor=cast.li, application=under_review, reason="家庭收入高于认定标准")
        text = text_of(application_print(actor=cast.li, application=under_review, document="form"))
        found = section_texts(under_review)
        for value in (gettext("Aid not approved."), "家庭收入高于认定标准", "2026-11-23"):
            assert squeezed(value) in text and squeezed(value) in found["panel"], value
        assert found["school"] == squeezed(gettext("Date") + gettext("(Seal)"))

    def test_a_first_review_that_did_not_recommend_prints_its_decision_and_reason(self, cast, under_review):
        """The class teacher's 不推荐 prints as the first review's opinion, with the reason given."""
        application = application_not_recommend(
            actor=cast.wang, application=under_review, reason="家庭经济条件已明显好转"
        )
        text = text_of(application_print(actor=cast.li, application=application, document="form"))
        found = section_texts(application)
        for value in (gettext("Not recommended."), "家庭经济条件已明显好转", "王老师"):
            assert squeezed(value) in text and squeezed(value) in found["first_review"], value
        assert found["panel"] == squeezed(gettext("Panel leader's signature") + gettext("Date"))

    def test_an_application_returned_for_completion_has_no_opinion_yet(self, cast, under_review):
        application_return(actor=cast.wang, application=under_review, comment="请补充户口簿")
        under_review.refresh_from_db()
        assert section_texts(under_review)["first_review"] == squeezed(
            gettext("Class teacher's signature") + gettext("Date")
        )
