"""现金签领: the roster page, recording, 代领, the printed 领款清册 and the signed scan.

A batch is the school's: its aid office records and uploads, the aid office and the principal print,
the county's staff read; a class teacher sees no batch here (404), nor does another county.
"""

from tests.permission_expectations import Expect, only

READERS = ("aid_office", "principal", "county_staff", "admin")
MANAGERS = ("aid_office", "admin")
PRINTERS = ("aid_office", "principal", "admin")
NOT_FOUND = {"class_teacher": 404, "outsider": 404}


def _batch(cast, **kwargs):
    from tests.disbursements.cash_data import approved_cash_batch

    return approved_cash_batch(cast, **kwargs)


def _batch_kwargs(cast):
    return {"pk": _batch(cast).pk}


def _scanned_batch_kwargs(cast):
    from disbursements.services.cash import signed_roster_upload
    from tests.disbursements.cash_data import pdf_upload

    batch = _batch(cast)
    signed_roster_upload(actor=cast.li, batch=batch, upload=pdf_upload())
    return {"pk": batch.pk}


def _line_kwargs(cast):
    from tests.disbursements.cash_data import first_line

    return {"pk": first_line(_batch(cast)).pk}


def _collected_line_kwargs(cast):
    from disbursements.services.cash import line_record_paid_by_agent
    from tests.disbursements.cash_data import TODAY, first_line, pdf_upload

    line = first_line(_batch(cast))
    line_record_paid_by_agent(
        actor=cast.li,
        line=line,
        agent_name="王大山",
        agent_relation="祖父",
        power_of_attorney=pdf_upload(),
        student_signed=True,
        agent_signed=True,
        paid_on=TODAY,
    )
    return {"pk": line.pk}


def _sibling_batch_kwargs(cast):
    return {"pk": _batch(cast, school=cast.sibling_school).pk}


EXPECTATIONS = {
    "disbursements:cash_roster": Expect(only(READERS, 200, **NOT_FOUND), kwargs=_batch_kwargs),
    # Nothing ticked: the aid office is sent back to the page with nothing recorded.
    "disbursements:cash_record": Expect(only(MANAGERS, 302, **NOT_FOUND), method="post", kwargs=_batch_kwargs),
    "disbursements:cash_roster_pdf": Expect(only(PRINTERS, 200, **NOT_FOUND), method="post", kwargs=_batch_kwargs),
    # No file: sent back to the page with the form's message.
    "disbursements:cash_signed_roster_upload": Expect(
        only(MANAGERS, 302, **NOT_FOUND), method="post", kwargs=_batch_kwargs
    ),
    "disbursements:cash_signed_roster": Expect(only(READERS, 200, **NOT_FOUND), kwargs=_scanned_batch_kwargs),
    "disbursements:cash_agent": Expect(only(MANAGERS, 200, **NOT_FOUND), kwargs=_line_kwargs),
    "disbursements:cash_power_of_attorney": Expect(only(READERS, 200, **NOT_FOUND), kwargs=_collected_line_kwargs),
}

PROBES = [
    (
        "disbursements:cash_roster",
        _sibling_batch_kwargs,
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
]
