"""Notices, the public page, the county's overview and the reports.

Everyone of the school reads its notices; the aid office makes, publishes and closes them; the
principal prints them too; the county's staff read every school's and decide the reports. The
public page answers anyone, signed in or not.
"""

from django.utils import timezone

from tests.permission_expectations import Expect, everyone, only

MANAGERS = ("aid_office", "admin")
COUNTY = ("county_staff", "admin")


def _notice(cast, **kwargs):
    from tests.publicity.notice_data import STUDENTS, make_notice

    return make_notice(cast, students=STUDENTS[:1], **kwargs)


def _notice_kwargs(cast, **kwargs):
    return {"pk": _notice(cast, **kwargs).pk}


def _ended_notice_kwargs(cast):
    from tests.publicity.notice_data import move_period

    return {"pk": move_period(_notice(cast), ended_days_ago=1).pk}


def _signoff_kwargs(cast):
    from tests.publicity.notice_data import STUDENTS, signed_roster

    return {"signoff_pk": signed_roster(cast, students=STUDENTS[:1]).pk}


def _report_kwargs(cast):
    from publicity.services.notices import notice_close
    from tests.publicity.notice_data import move_period

    notice = move_period(_notice(cast), ended_days_ago=1)
    return {"pk": notice_close(actor=cast.li, notice=notice).pk}


def _closed_notice_kwargs(cast):
    from publicity.services.notices import notice_close
    from tests.publicity.notice_data import move_period

    notice = move_period(_notice(cast), ended_days_ago=1)
    notice_close(actor=cast.li, notice=notice)
    return {"pk": notice.pk}


def _sibling_notice_kwargs(cast):
    from tests.publicity.test_reports import make_notice_for

    return {"pk": make_notice_for(cast, cast.sibling_school, timezone.now().microsecond).pk}


READ = everyone(200, outsider=404)
MANAGE_POST = only(MANAGERS, 302, outsider=404)

EXPECTATIONS = {
    "publicity:notice_index": Expect(everyone(200)),
    "publicity:notice_create": Expect(only(MANAGERS, 200, outsider=404), kwargs=_signoff_kwargs),
    "publicity:notice_detail": Expect(READ, kwargs=_notice_kwargs),
    # Counts working days for the form; it reads nothing of anyone's.
    "publicity:notice_period_preview": Expect(
        everyone(200), data=lambda c: {"start_date": "2026-09-30", "working_days": "5"}
    ),
    "publicity:notice_edit": Expect(
        only(MANAGERS, 200, outsider=404), kwargs=lambda c: _notice_kwargs(c, publish=False)
    ),
    "publicity:notice_publish": Expect(MANAGE_POST, method="post", kwargs=lambda c: _notice_kwargs(c, publish=False)),
    "publicity:notice_pdf": Expect(
        only(("aid_office", "principal", "admin"), 200, outsider=404), method="post", kwargs=_notice_kwargs
    ),
    "publicity:notice_close": Expect(MANAGE_POST, method="post", kwargs=_ended_notice_kwargs),
    "publicity:notice_report_again": Expect(MANAGE_POST, method="post", kwargs=_closed_notice_kwargs),
    # The QR code's target: anyone, without signing in, during the notice's period.
    "publicity:public_notice": Expect(everyone(200, anonymous=200), kwargs=lambda c: {"token": _notice(c).token}),
    "publicity:county_notices": Expect(only(COUNTY, 200)),
    "publicity:report_list": Expect(only(COUNTY, 200)),
    # The school's report: its aid office and principal, and the county; not a class teacher of the school.
    "publicity:report_detail": Expect(
        only(("aid_office", "principal", "county_staff", "admin"), 200, outsider=404), kwargs=_report_kwargs
    ),
    # The 上报名单 cover sheet: printed by those who read the report, the school's and the county's signers.
    "publicity:report_print": Expect(
        only(("aid_office", "principal", "county_staff", "admin"), 200, outsider=404),
        method="post",
        kwargs=_report_kwargs,
    ),
    "publicity:report_approve": Expect(only(COUNTY, 302, outsider=404), method="post", kwargs=_report_kwargs),
    "publicity:report_return": Expect(
        only(COUNTY, 302, outsider=404),
        method="post",
        kwargs=_report_kwargs,
        data=lambda c: {"comment": "请复核二班名单。"},
    ),
}

PROBES = [
    (
        "publicity:notice_detail",
        _sibling_notice_kwargs,
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
]
