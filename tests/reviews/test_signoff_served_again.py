"""The principal's summary is served again until the next write of what it shows
(aidsys/pagecache.py), and never to anyone else, for another session or CSRF cookie, on another
day, in another language or address, or without a message it has to show."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aidsys.models import AuditEvent, Membership, Role, WriteHead
from aidsys.services.audit import Action, audit_record
from reviews.models import RosterSignoff
from reviews.services import roster_return, roster_sign, roster_submit
from tests.factories import MembershipFactory
from tests.reviews.conftest import approved


def served_again_queries() -> int:
    """What a page served again costs: the user and the write heads, and the session unless it is
    read from Redis (with REDIS_URL set, as in the full `make test`)."""
    return 3 if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db" else 2


SERVED_AGAIN = served_again_queries()


@pytest.fixture
def page(cast, program):
    approved(cast, program)
    roster_submit(actor=cast.li, school=cast.school, program=program, term=cast.term)
    return f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/signoff/"


def get(client, url, **headers):
    """The answer and the number of SQL queries it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    return response, len(captured)


def browser(user, page):
    """A browser of its own, signed in as `user`, that has read the page once and so holds the
    CSRF cookie its forms set (a page is kept only for a browser holding one)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert "csrftoken" not in client.cookies
    get(client, page)
    assert "csrftoken" in client.cookies
    return client


def kept(client, page):
    """Read the page until it is served again; the page and what computing it cost."""
    first, computed = get(client, page)
    again, queries = get(client, page)
    assert queries == SERVED_AGAIN < computed
    assert again.content == first.content and again["Content-Type"] == "text/html; charset=utf-8"
    return again, computed


def test_the_page_is_served_again_until_a_write_in_the_school(cast, program, page):
    client = browser(cast.zhang, page)
    _page, computed = kept(client, page)
    roster_return(actor=cast.zhang, signoff=RosterSignoff.objects.get(), comment="请补充二班的家访记录")
    after, queries = get(client, page)
    assert queries == computed
    assert "请补充二班的家访记录" in after.content.decode() and "/sign/" not in after.content.decode()


@pytest.mark.parametrize(
    "target, computed_again",
    [
        pytest.param(lambda cast, program: cast.sibling_school, False, id="another school"),
        pytest.param(lambda cast, program: cast.other_county, False, id="another county"),
        pytest.param(lambda cast, program: program, True, id="the county's program"),
        pytest.param(lambda cast, program: cast.term, True, id="the term, of no unit"),
        pytest.param(
            lambda cast, program: MembershipFactory(user=cast.zhang, role=Role.CLASS_TEACHER, school=cast.other_school),
            True,
            id="a membership anywhere, named in the layout",
        ),
    ],
)
def test_a_change_elsewhere_leaves_it_be_and_one_of_what_it_shows_does_not(cast, program, page, target, computed_again):
    client = browser(cast.zhang, page)
    kept(client, page)
    audit_record(actor=cast.zhao, action=Action.UPDATE, target=target(cast, program), changes={"name": ["甲", "乙"]})
    assert (get(client, page)[1] > SERVED_AGAIN) is computed_again


@pytest.mark.parametrize("action", [Action.LOGIN, Action.LOGIN_FAILED, Action.REVEAL_SENSITIVE])
def test_events_that_change_nothing_shown_leave_it_be(cast, program, page, action):
    client = browser(cast.zhang, page)
    kept(client, page)
    audit_record(actor=cast.li, action=action, target=cast.li)
    assert get(client, page)[1] == SERVED_AGAIN


def test_each_write_moves_the_head_of_its_school_else_county_else_all(cast, program, page):
    roster_return(actor=cast.zhang, signoff=RosterSignoff.objects.get(), comment="请复核")
    returned = AuditEvent.objects.filter(action=Action.TRANSITION).first()
    assert WriteHead.objects.get(unit=f"s{cast.school.pk}").last_hash == returned.hash
    program_event = audit_record(actor=cast.zhao, action=Action.UPDATE, target=program, changes={"name": ["甲", "乙"]})
    assert WriteHead.objects.get(unit=f"c{cast.county.pk}").last_hash == program_event.hash
    term_event = audit_record(actor=cast.zhao, action=Action.UPDATE, target=cast.term, changes={"end": ["1", "2"]})
    assert WriteHead.objects.get(unit="*").last_hash == term_event.hash
    before = dict(WriteHead.objects.values_list("unit", "last_hash"))
    audit_record(actor=cast.zhang, action=Action.LOGIN, target=cast.zhang)
    assert dict(WriteHead.objects.values_list("unit", "last_hash")) == before


def test_no_one_else_gets_the_page_the_principal_was_served(cast, program, page):
    principal = browser(cast.zhang, page)
    principal_page, _computed = kept(principal, page)
    assert "/sign/" in principal_page.content.decode()
    # Another account in a browser with the very same CSRF cookie: computed for that account.
    aid_office = browser(cast.li, page)
    aid_office.cookies["csrftoken"] = principal.cookies["csrftoken"].value
    response, queries = get(aid_office, page)
    html = response.content.decode()
    assert queries > SERVED_AGAIN and "/sign/" not in html and cast.li.get_full_name() in html
    assert get(browser(cast.outsider, page), page)[0].status_code == 404
    teacher = browser(cast.wang, page)
    assert [get(teacher, page)[0].status_code for _ in range(2)] == [403, 403]


def test_another_csrf_cookie_address_or_htmx_request_is_computed(cast, program, page):
    client = browser(cast.zhang, page)
    kept(client, page)
    assert get(client, page + "?print=1")[1] > SERVED_AGAIN
    assert get(client, page, **{"HX-Request": "true"})[1] > SERVED_AGAIN
    client.cookies["csrftoken"] = "a" * 32
    response, queries = get(client, page)
    # Its forms carry a token of the new secret, which the browser now holds.
    assert queries > SERVED_AGAIN and response.status_code == 200


def test_a_signed_out_or_disabled_account_gets_the_sign_in_page(cast, program, page):
    client = browser(cast.zhang, page)
    kept(client, page)
    type(cast.zhang).objects.filter(pk=cast.zhang.pk).update(is_active=False)
    response, _queries = get(client, page)
    assert response.status_code == 302 and "/login/" in response["Location"]
    type(cast.zhang).objects.filter(pk=cast.zhang.pk).update(is_active=True)
    client = browser(cast.zhang, page)
    kept(client, page)
    client.post("/accounts/logout/")
    response, _queries = get(client, page)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_message_to_show_is_shown_and_not_kept(cast, program, page):
    signoff = RosterSignoff.objects.get()
    roster_sign(actor=cast.zhang, signoff=signoff)
    client = browser(cast.zhang, page)
    kept(client, page)
    # Signing twice is refused: nothing is written, and the refusal is a message on the page.
    response = client.post(f"/reviews/signoffs/{signoff.pk}/sign/", follow=True)
    refusal = [str(message) for message in response.context["messages"]]
    assert refusal and refusal[0] in response.content.decode()
    again, queries = get(client, page)
    assert queries == SERVED_AGAIN and refusal[0] not in again.content.decode()


def test_another_language_is_computed_in_that_language(cast, program, page):
    client = browser(cast.zhang, page)
    chinese, _computed = kept(client, page)
    assert "校长审定" in chinese.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": page})
    english, queries = get(client, page)
    assert queries > SERVED_AGAIN and "Principal's sign-off" in english.content.decode()


def test_the_next_day_is_computed_for_that_day(cast, program, page, monkeypatch):
    """The principal's appointment ends today: tomorrow the page is not theirs any more."""
    today = timezone.localdate()
    Membership.objects.filter(user=cast.zhang, role=Role.PRINCIPAL).update(end=today)
    client = browser(cast.zhang, page)
    kept(client, page)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + timedelta(days=1))
    assert get(client, page)[0].status_code in (403, 404)


def test_it_can_be_turned_off(cast, program, page, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client = browser(cast.zhang, page)
    _first, computed = get(client, page)
    assert get(client, page)[1] == computed
