"""The payment account (打卡发放, DESIGN.md §4): a UnionPay card checked by Luhn, held by the student or a
guardian with the relation and reason, one account per household, a bank book only where the county allows."""

import pytest
from django.core.exceptions import ValidationError

from aidsys.models import AuditEvent
from students.services import student_update
from tests.factories import StudentFactory

Action = AuditEvent.Action
CARD = "6222021234567890128"
OTHER_CARD = "4111111111111111"


@pytest.fixture
def ming(cast):
    return StudentFactory(school_class=cast.class_1, name="王小明")


def set_account(actor, student, **data):
    return student_update(actor=actor, student=student, data={"account_kind": "bank_card", **data})


class TestTheCardNumber:
    def test_a_valid_card_is_stored_as_digits_and_its_holder_is_the_student(self, cast, ming):
        set_account(cast.li, ming, account_number="6222 0212 3456 7890 128", account_bank="农业银行")
        ming.refresh_from_db()
        assert (ming.account_number, ming.account_holder, ming.account_holder_relation) == (CARD, "王小明", "")

    @pytest.mark.parametrize(
        ("number", "words"),
        [("6222021234567890123", "校验"), ("622202123456789", "16"), ("62220212345678901X", "数字")],
    )
    def test_a_wrong_card_number_is_refused_beside_the_field(self, cast, ming, number, words):
        with pytest.raises(ValidationError) as raised:
            set_account(cast.li, ming, account_number=number)
        assert words in " ".join(raised.value.message_dict["account_number"])
        ming.refresh_from_db()
        assert ming.account_number == ""

    def test_an_account_kind_without_a_number_is_refused(self, cast, ming):
        with pytest.raises(ValidationError) as raised:
            set_account(cast.li, ming, account_number="")
        assert "account_number" in raised.value.message_dict


class TestTheHolder:
    def test_a_guardians_card_needs_the_relation_and_the_reason(self, cast, ming):
        with pytest.raises(ValidationError) as raised:
            set_account(cast.li, ming, account_number=CARD, account_holder="王大山")
        assert "account_holder_relation" in raised.value.message_dict
        with pytest.raises(ValidationError) as raised:
            set_account(cast.li, ming, account_number=CARD, account_holder="王大山", account_holder_relation="father")
        assert "account_holder_reason" in raised.value.message_dict

    def test_a_guardians_card_with_relation_and_reason_is_accepted(self, cast, ming):
        set_account(
            cast.li,
            ming,
            account_number=CARD,
            account_holder="王大山",
            account_holder_relation="father",
            account_holder_reason="学生未满16周岁，银行不为其单独开卡",
        )
        ming.refresh_from_db()
        assert (ming.account_holder, ming.account_holder_relation) == ("王大山", "father")


class TestOneAccountPerHousehold:
    def test_a_classmates_card_is_refused_naming_the_class_but_not_the_classmate(self, cast, ming):
        classmate = StudentFactory(school_class=cast.class_1, name="李小红")
        set_account(cast.li, classmate, account_number=CARD)
        with pytest.raises(ValidationError) as raised:
            set_account(cast.li, ming, account_number=CARD)
        message = " ".join(raised.value.message_dict["account_number"])
        assert str(cast.class_1) in message and "李小红" not in message and CARD not in message

    def test_a_card_of_another_schools_household_names_that_school_and_class(self, cast, ming):
        elsewhere = StudentFactory(school_class=cast.other_class)
        set_account(cast.outsider, elsewhere, account_number=CARD)
        with pytest.raises(ValidationError) as raised:
            set_account(cast.li, ming, account_number=CARD)
        assert cast.other_school.name in " ".join(raised.value.message_dict["account_number"])

    def test_brothers_and_sisters_of_one_household_may_share_a_guardians_card(self, cast, ming):
        sister = StudentFactory(school_class=cast.class_2, household=ming.household)
        guardian = {
            "account_holder": "王大山",
            "account_holder_relation": "father",
            "account_holder_reason": "兄妹二人均未满16周岁",
        }
        set_account(cast.li, sister, account_number=CARD, **guardian)
        set_account(cast.li, ming, account_number=CARD, **guardian)
        ming.refresh_from_db()
        assert ming.account_number == CARD


class TestBankBooks:
    def test_a_bank_book_is_refused_where_the_county_does_not_allow_it(self, cast, ming):
        with pytest.raises(ValidationError) as raised:
            student_update(
                actor=cast.li, student=ming, data={"account_kind": "bank_book", "account_number": "123456789012"}
            )
        assert cast.county.name in " ".join(raised.value.message_dict["account_kind"])

    def test_a_bank_book_is_accepted_where_the_county_allows_it(self, cast, ming):
        cast.county.bank_book_allowed = True
        cast.county.save()
        ming.school.county.refresh_from_db()
        student_update(
            actor=cast.li, student=ming, data={"account_kind": "bank_book", "account_number": "123456789012"}
        )
        ming.refresh_from_db()
        assert ming.account_kind == "bank_book"


class TestTheAudit:
    def test_every_account_change_is_audited_with_the_number_masked(self, cast, ming):
        set_account(cast.li, ming, account_number=CARD)
        set_account(cast.li, ming, account_number=OTHER_CARD)
        events = list(AuditEvent.objects.for_object(ming).filter(action=Action.UPDATE).order_by("pk"))
        assert len(events) == 2
        assert events[1].changes["account_number"] == ["6222***********0128", "4111********1111"]
        assert CARD not in str([event.changes for event in events])

    def test_other_edits_leave_a_legacy_account_alone(self, cast):
        legacy = StudentFactory(school_class=cast.class_1, account_kind="bank_card", account_number="1234")
        student_update(actor=cast.li, student=legacy, data={"boarder": True})
        legacy.refresh_from_db()
        assert legacy.boarder


class TestTheForm:
    def test_the_form_says_the_school_keeps_no_card_and_saves_a_checked_card(self, cast, ming, client_for):
        client = client_for(cast.wang)
        html = client.get(f"/students/{ming.pk}/edit/").content.decode()
        assert "一人一卡" in html
        response = client.post(
            f"/students/{ming.pk}/edit/", {"hukou": "rural", "account_kind": "aid_card", "account_number": CARD}
        )
        assert response.status_code == 302
        ming.refresh_from_db()
        assert (ming.account_kind, ming.account_number) == ("aid_card", CARD)

    def test_a_mistyped_card_is_shown_beside_the_field_and_nothing_is_saved(self, cast, ming, client_for):
        response = client_for(cast.wang).post(
            f"/students/{ming.pk}/edit/",
            {"hukou": "urban", "account_kind": "aid_card", "account_number": "6222021234567890123"},
        )
        assert response.status_code == 200
        assert "id_account_number_error" in response.content.decode()
        ming.refresh_from_db()
        assert (ming.hukou, ming.account_number) == ("rural", "")
