"""资金发放设置: the county's staff set the county's allowances and the complaint telephones, audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from aidsys.models import AuditEvent, County, Role, School
from disbursements.services.batches import batch_approve
from disbursements.services.county_settings import county_payment_settings_update
from students.services import student_update
from tests.disbursements.batch_data import submitted_batch
from tests.factories import MembershipFactory, SchoolFactory, StudentFactory, UserFactory


def settings_url(county) -> str:
    return reverse("disbursements:payment_settings", kwargs={"county_pk": county.pk})


def form_data(cast, *, advance=False, bank_book=False, county_phone="", school_phone="", sibling_phone=""):
    data = {
        "complaint_phone": county_phone,
        f"school_{cast.school.pk}": school_phone,
        f"school_{cast.sibling_school.pk}": sibling_phone,
    }
    if advance:
        data["payment_advance_allowed"] = "on"
    if bank_book:
        data["bank_book_allowed"] = "on"
    return data


def events_for(obj):
    return AuditEvent.objects.for_object(obj).filter(action=AuditEvent.Action.UPDATE)


class TestThePage:
    def test_it_shows_the_countys_settings_and_its_schools_only(self, cast, client_for):
        page = client_for(cast.zhao).get(settings_url(cast.county))
        assert page.status_code == 200
        html = page.content.decode()
        assert cast.school.name in html and cast.sibling_school.name in html
        assert cast.other_school.name not in html
        assert 'name="payment_advance_allowed"' in html and 'name="complaint_phone"' in html

    def test_county_staff_go_from_the_menu_to_their_county(self, cast, client_for):
        client = client_for(cast.zhao)
        response = client.get(reverse("disbursements:payment_settings_index"))
        assert response.status_code == 302 and response.url == settings_url(cast.county)
        dashboard = client.get(reverse("aidsys:dashboard")).content.decode()
        assert reverse("disbursements:payment_settings_index") in dashboard

    def test_the_schools_are_paged(self, cast, client_for):
        for number in range(60):
            SchoolFactory(county=cast.county, code=f"43990150{number:02d}", name=f"青山县第{number + 10}小学")
        client = client_for(cast.zhao)
        first = client.get(settings_url(cast.county)).content.decode()
        assert f'name="school_{cast.school.pk}"' in first and first.count('name="school_') == 50
        second = client.get(settings_url(cast.county) + "?page=2").content.decode()
        assert second.count('name="school_') == 12

    def test_a_put_is_not_allowed(self, cast, client_for):
        assert client_for(cast.zhao).put(settings_url(cast.county)).status_code == 405


class TestSaving:
    def test_county_staff_change_the_settings_and_each_change_is_audited(self, cast, client_for):
        response = client_for(cast.zhao).post(
            settings_url(cast.county),
            form_data(cast, advance=True, bank_book=True, county_phone="0731 8421 0000", school_phone="13812345678"),
        )
        assert response.status_code == 302
        county = County.objects.get(pk=cast.county.pk)
        assert county.payment_advance_allowed and county.bank_book_allowed
        assert county.complaint_phone == "0731-84210000"
        assert School.objects.get(pk=cast.school.pk).complaint_phone == "13812345678"
        event = events_for(county).get()
        assert event.actor == cast.zhao
        assert event.changes == {
            "payment_advance_allowed": [False, True],
            "bank_book_allowed": [False, True],
            "complaint_phone": ["", "0731-84210000"],
        }
        assert events_for(cast.school).get().changes == {"complaint_phone": ["", "13812345678"]}
        # A school whose telephone stays as it was leaves no event.
        assert not events_for(cast.sibling_school).exists()

    def test_a_telephone_that_is_not_one_is_refused_naming_the_school_and_nothing_is_saved(self, cast, client_for):
        response = client_for(cast.zhao).post(
            settings_url(cast.county),
            form_data(
                cast, advance=True, county_phone="0731-84210000", school_phone="0731-84561234", sibling_phone="84210000"
            ),
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert f"{cast.sibling_school.name}的投诉举报电话" in html and "0731-84210000" in html
        county = County.objects.get(pk=cast.county.pk)
        assert not county.payment_advance_allowed and county.complaint_phone == ""
        assert School.objects.get(pk=cast.school.pk).complaint_phone == ""
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()

    def test_the_service_refuses_all_or_nothing_too(self, cast):
        with pytest.raises(ValidationError) as refused:
            county_payment_settings_update(
                actor=cast.zhao,
                county=cast.county,
                payment_advance_allowed=True,
                bank_book_allowed=False,
                complaint_phone="0731-84210000",
                school_phones={cast.school.pk: "0731-84561234", cast.sibling_school.pk: "12345"},
            )
        assert cast.sibling_school.name in refused.value.messages[0]
        assert County.objects.get(pk=cast.county.pk).complaint_phone == ""
        assert School.objects.get(pk=cast.school.pk).complaint_phone == ""

    def test_the_service_refuses_another_countys_school(self, cast):
        with pytest.raises(PermissionDenied):
            county_payment_settings_update(
                actor=cast.zhao,
                county=cast.county,
                payment_advance_allowed=False,
                bank_book_allowed=False,
                complaint_phone="",
                school_phones={cast.other_school.pk: "0731-84561234"},
            )
        assert School.objects.get(pk=cast.other_school.pk).complaint_phone == ""

    def test_the_admin_refuses_a_telephone_that_is_not_one(self, cast):
        cast.county.complaint_phone = "12345"
        with pytest.raises(ValidationError) as refused:
            cast.county.full_clean()
        assert "complaint_phone" in refused.value.message_dict


class TestWhoMay:
    def test_another_countys_staff_get_not_found(self, cast, client_for):
        sun = UserFactory(username="sun", full_name="孙科长")
        MembershipFactory(user=sun, role=Role.COUNTY_STAFF, school=None, county=cast.other_county)
        client = client_for(sun)
        assert client.get(settings_url(cast.county)).status_code == 404
        response = client.post(settings_url(cast.county), form_data(cast, advance=True))
        assert response.status_code == 404
        assert not County.objects.get(pk=cast.county.pk).payment_advance_allowed

    @pytest.mark.parametrize("role", ["class_teacher", "aid_office", "principal"])
    def test_the_countys_schools_staff_are_refused(self, cast, client_for, role):
        client = client_for(cast.by_role()[role])
        response = client.post(settings_url(cast.county), form_data(cast, advance=True))
        assert response.status_code == 403
        assert not County.objects.get(pk=cast.county.pk).payment_advance_allowed

    def test_an_outsider_gets_not_found(self, cast, client_for):
        assert client_for(cast.outsider).get(settings_url(cast.county)).status_code == 404


class TestTheSettingsTakeEffect:
    def test_after_the_advance_is_allowed_a_batch_beyond_the_funds_is_approved_with_its_reason(self, cast, client_for):
        batch = submitted_batch(cast, funded=False)
        with pytest.raises(ValidationError):
            batch_approve(actor=cast.zhang, batch=batch, advance_reason="资金未到位")
        client_for(cast.zhao).post(settings_url(cast.county), form_data(cast, advance=True))
        batch.school.county.refresh_from_db()
        batch = batch_approve(actor=cast.zhang, batch=batch, advance_reason="资金未到位，县局同意先行垫付")
        assert batch.status == "approved" and batch.advance_reason == "资金未到位，县局同意先行垫付"

    def test_after_bank_books_are_allowed_a_student_may_be_paid_into_one(self, cast, client_for):
        student = StudentFactory(school_class=cast.class_1, name="王小明")
        book = {"account_kind": "bank_book", "account_number": "123456789012"}
        with pytest.raises(ValidationError):
            student_update(actor=cast.li, student=student, data=book)
        client_for(cast.zhao).post(settings_url(cast.county), form_data(cast, bank_book=True))
        student = type(student).objects.get(pk=student.pk)
        student_update(actor=cast.li, student=student, data=book)
        student.refresh_from_db()
        assert student.account_kind == "bank_book"
