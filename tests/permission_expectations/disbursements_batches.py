"""Payment batches: the school's aid office prepares them, its principal decides, the county's staff read them.

A class teacher reads only the payment status of their own class; nothing of a batch itself.
"""

from tests.permission_expectations import Expect, everyone, only

READERS = ("aid_office", "principal", "county_staff", "admin")
AID_OFFICE = ("aid_office", "admin")
PRINCIPAL = ("principal", "admin")


def _made(cast):
    from tests.disbursements.batch_data import made_batch
    from tests.publicity.notice_data import STUDENTS

    # 赵小雨 of class 2: nothing of the batch is the class teacher's (of class 1).
    return made_batch(cast, students=STUDENTS[:1])


def _batch_kwargs(cast):
    return {"pk": _made(cast).pk}


def _submitted_kwargs(cast):
    from disbursements.services.batches import batch_submit

    return {"pk": batch_submit(actor=cast.li, batch=_made(cast)).pk}


def _line_kwargs(cast):
    return {"pk": _made(cast).lines.get().pk}


def _sibling_batch_kwargs(cast):
    from tests.factories import PaymentBatchFactory

    return {"pk": PaymentBatchFactory(school=cast.sibling_school, term=cast.term, prepared_by=cast.li).pk}


IN_SCHOOL = {"class_teacher": 404, "outsider": 404}
FOR_AID_OFFICE = only(AID_OFFICE, 302, **IN_SCHOOL)
FOR_PRINCIPAL = only(PRINCIPAL, 302, **IN_SCHOOL)

EXPECTATIONS = {
    "disbursements:batch_list": Expect(only(READERS, 200)),
    "disbursements:batch_create": Expect(
        only(AID_OFFICE, 200, outsider=404), kwargs=lambda c: {"school_pk": c.school.pk}
    ),
    "disbursements:batch_detail": Expect(only(READERS, 200, **IN_SCHOOL), kwargs=_batch_kwargs),
    "disbursements:batch_regenerate": Expect(FOR_AID_OFFICE, method="post", kwargs=_batch_kwargs),
    "disbursements:batch_submit": Expect(FOR_AID_OFFICE, method="post", kwargs=_batch_kwargs),
    "disbursements:batch_approve": Expect(FOR_PRINCIPAL, method="post", kwargs=_submitted_kwargs),
    "disbursements:batch_return": Expect(
        FOR_PRINCIPAL, method="post", kwargs=_submitted_kwargs, data=lambda c: {"comment": "请核对"}
    ),
    "disbursements:line_cancel": Expect(
        FOR_AID_OFFICE, method="post", kwargs=_line_kwargs, data=lambda c: {"reason": "已转学"}
    ),
    # Scoped by the lines the user may see: a class teacher's own classes, an outsider's none.
    "disbursements:class_payments": Expect(everyone(200)),
}

PROBES = [
    (
        "disbursements:batch_detail",
        _sibling_batch_kwargs,
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
]
