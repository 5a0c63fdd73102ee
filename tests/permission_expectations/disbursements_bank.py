"""Card and meal-card payments: the bank file, cover sheet, return file, follow-up batch, top-up list, layouts.

A batch belongs to its school: its aid office works it, the principal reads it and prints the cover
sheet, the county's staff read it; a class teacher has no batch in scope (404), nor an outsider. The
bank file, with full account numbers, is the aid office's alone. Layouts are the county's.
"""

from tests.permission_expectations import Expect, everyone, only

AID_OFFICE = ("aid_office", "admin")
READERS = ("aid_office", "principal", "county_staff", "admin")
COUNTY = ("county_staff", "admin")


def _batch_kwargs(cast, **kwargs):
    from tests.disbursements.bank_data import approved_batch

    return {"pk": approved_batch(cast, lines=1, **kwargs).pk}


def _layout(cast):
    from disbursements.models import BankFileLayout
    from tests.disbursements.bank_data import layout

    # Asked once per role: the same layout every time.
    return BankFileLayout.objects.filter(county=cast.county, bank="农业银行").first() or layout(cast, bank="农业银行")


def _bank_file_data(cast):
    return {"layout": _layout(cast).pk, "kind": "xlsx", "reason": "报送农业银行"}


def _failed_batch_kwargs(cast):
    from students.services import student_update
    from tests.disbursements.bank_data import card
    from tests.disbursements.test_bank import failed_batch

    batch, failed = failed_batch(cast)
    student_update(actor=cast.li, student=failed.student, data={"account_number": card(90 + batch.pk)})
    return {"pk": batch.pk}


def _return_file_data(cast):
    return {"file": "not a file"}


def _sibling_batch_kwargs(cast):
    from tests.factories import PaymentBatchFactory

    return {"pk": PaymentBatchFactory(school=cast.sibling_school, method="bank_card", prepared_by=cast.li).pk}


EXPECTATIONS = {
    "disbursements:bank_index": Expect(everyone(200)),
    "disbursements:bank_batch": Expect(only(READERS, 200, class_teacher=404, outsider=404), kwargs=_batch_kwargs),
    # Full card numbers: the aid office holding the permission to see sensitive data (here the admin only).
    "disbursements:bank_file": Expect(
        only(("admin",), 200, class_teacher=404, outsider=404),
        method="post",
        kwargs=_batch_kwargs,
        data=_bank_file_data,
    ),
    "disbursements:bank_cover_sheet": Expect(
        only(("aid_office", "principal", "admin"), 200, class_teacher=404, outsider=404),
        method="post",
        kwargs=_batch_kwargs,
    ),
    # Without a file the page says so and goes back to the batch: nothing is applied.
    "disbursements:bank_return_file": Expect(
        only(AID_OFFICE, 302, class_teacher=404, outsider=404), method="post", kwargs=_batch_kwargs
    ),
    "disbursements:bank_follow_up": Expect(
        only(AID_OFFICE, 302, class_teacher=404, outsider=404), method="post", kwargs=_failed_batch_kwargs
    ),
    "disbursements:meal_card_list": Expect(
        only(AID_OFFICE, 200, class_teacher=404, outsider=404),
        method="post",
        kwargs=lambda c: _batch_kwargs(c, method="meal_card"),
    ),
    "disbursements:bank_layout_list": Expect(only(COUNTY, 200)),
    "disbursements:bank_layout_new": Expect(only(COUNTY, 200)),
    # The county's layouts are visible to its schools' staff (they pick one), editable by the county only.
    "disbursements:bank_layout_edit": Expect(only(COUNTY, 200, outsider=404), kwargs=lambda c: {"pk": _layout(c).pk}),
}

PROBES = [
    (
        "disbursements:bank_batch",
        _sibling_batch_kwargs,
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
]
