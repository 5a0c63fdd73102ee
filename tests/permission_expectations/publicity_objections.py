"""Objections: anyone lodges and follows one on the public pages; the school's aid office records,
investigates and decides; the principal and the county's staff read; a class teacher, though of the
school, does not (an objection names its objector and what was said about a family)."""

from tests.permission_expectations import Expect, everyone, only

MANAGERS = ("aid_office", "admin")
READERS = ("aid_office", "principal", "county_staff", "admin")
TEXT = "该生家庭条件较好，不应评为困难。"


def _notice(cast, **kwargs):
    from tests.publicity.notice_data import STUDENTS, make_notice

    return make_notice(cast, students=STUDENTS[:1], **kwargs)


def _objection(cast, school=None):
    from publicity.services.objections import objection_record

    if school is None:
        notice = _notice(cast)
        actor = cast.li
    else:
        from tests.publicity.objection_data import aid_office_of
        from tests.publicity.test_reports import make_notice_for

        notice = make_notice_for(cast, school, 1)
        actor = aid_office_of(school, username=f"aid{school.pk}")
    return objection_record(actor=actor, notice=notice, channel="phone", text=TEXT)


def _objection_kwargs(cast):
    return {"pk": _objection(cast).pk}


def _sibling_objection_kwargs(cast):
    return {"pk": _objection(cast, school=cast.sibling_school).pk}


# Read by the school's aid office and principal and the county's staff; a class teacher of the school
# is in scope but has no reading role (403); the outsider finds nothing (404).
READ = only(READERS, 200, outsider=404)
MANAGE = only(MANAGERS, 200, outsider=404)
MANAGE_POST = only(MANAGERS, 302, outsider=404)

EXPECTATIONS = {
    # Public: the notice's objection form (during its period) and the status page, signed in or not.
    "publicity:objection_lodge": Expect(everyone(200, anonymous=200), kwargs=lambda c: {"token": _notice(c).token}),
    # The tracking number shows once, to the session that lodged: to anyone else it is not found.
    "publicity:objection_thanks": Expect(everyone(404, anonymous=404), kwargs=lambda c: {"token": _notice(c).token}),
    "publicity:objection_track": Expect(everyone(200, anonymous=200)),
    "publicity:objection_list": Expect(only(READERS, 200)),
    "publicity:objection_detail": Expect(READ, kwargs=_objection_kwargs),
    # The objector's contact in full: a reader who also holds 'reveal sensitive data' (here the admin only).
    "publicity:objection_contact_reveal": Expect(
        only(("admin",), 200, outsider=404), method="post", kwargs=_objection_kwargs
    ),
    "publicity:objection_note_add": Expect(
        MANAGE_POST, method="post", kwargs=_objection_kwargs, data=lambda c: {"text": "已电话核实。"}
    ),
    "publicity:objection_decide": Expect(MANAGE, kwargs=_objection_kwargs),
    "publicity:objection_reminders": Expect(everyone(200)),
    "publicity:objection_reminders_read": Expect(everyone(302), method="post"),
    "publicity:objection_notice": Expect(READ, kwargs=lambda c: {"pk": _notice(c).pk}),
    "publicity:objection_record": Expect(MANAGE, kwargs=lambda c: {"pk": _notice(c).pk}),
    "publicity:supplementary_from_roster": Expect(MANAGE_POST, method="post", kwargs=lambda c: {"pk": _notice(c).pk}),
}

PROBES = [
    (
        "publicity:objection_detail",
        _sibling_objection_kwargs,
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
    (
        "publicity:objection_notice",
        lambda c: {"pk": _objection(c, school=c.sibling_school).notice_id},
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
]
