"""The principal's summary is served again until the next write (aidsys/pagecache.py), and never
to anyone else, on another day, in another language, or without a message it has to show."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aidsys.models import Membership, Role
from aidsys.services.audit import Action, audit_record
from reviews.models import RosterSignoff
from reviews.services import roster_return, roster_sign, roster_submit
from tests.reviews.conftest import approved


@pytest.fixture
def page(cast, program):
    approved(cast, program)
    roster_submit(actor=cast.li, school=cast.school, program=program, term=cast.term)
    return f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/signoff/"


def get(client, url):
    """The answer and the number of SQL queries it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, len(captured)


def test_the_page_is_served_again_with_three_queries_until_a_write(cast, program, page, client_for):
    client = client_for(cast.zhang)
    # The first answer sets the CSRF cookie its forms need: a page is kept only for a browser holding one.
    assert "csrftoken" not in client.cookies
    _unkept, computed = get(client, page)
    first, queries = get(client, page)
    assert queries == computed
    again, served = get(client, page)
    # The session, the user and the audit chain's head: nothing of the roster is read again.
    assert served == 3 < computed
    assert again.content == first.content and again["Content-Type"] == "text/html; charset=utf-8"
    roster_return(actor=cast.zhang, signoff=RosterSignoff.objects.get(), comment="请补充二班的家访记录")
    after, queries = get(client, page)
    assert queries == computed
    assert "请补充二班的家访记录" in after.content.decode() and "/sign/" not in after.content.decode()


def test_a_write_elsewhere_in_the_county_also_computes_it_afresh(cast, program, page, client_for):
    client = client_for(cast.zhang)
    get(client, page)
    get(client, page)
    # The county exports another school's data: an event of the trail like any write.
    audit_record(actor=cast.zhao, action=Action.EXPORT, target=cast.sibling_school)
    _response, queries = get(client, page)
    assert queries > 3


def test_no_one_else_gets_the_page_the_principal_was_served(cast, program, page, client_for):
    client = client_for(cast.zhang)
    get(client, page)
    principal_page, _queries = get(client, page)
    assert "/sign/" in principal_page.content.decode()
    # Same browser, same CSRF cookie, another account: computed for that account.
    aid_office_page, queries = get(client_for(cast.li), page)
    assert queries > 3
    html = aid_office_page.content.decode()
    assert "/sign/" not in html and cast.li.get_full_name() in html
    assert get(client_for(cast.outsider), page)[0].status_code == 404
    assert get(client_for(cast.wang), page)[0].status_code == 403


def test_a_signed_out_or_disabled_account_gets_the_sign_in_page(cast, program, page, client_for):
    client = client_for(cast.zhang)
    get(client, page)
    get(client, page)
    type(cast.zhang).objects.filter(pk=cast.zhang.pk).update(is_active=False)
    response, _queries = get(client, page)
    assert response.status_code == 302 and "/login/" in response["Location"]
    type(cast.zhang).objects.filter(pk=cast.zhang.pk).update(is_active=True)
    client = client_for(cast.zhang)
    get(client, page)
    client.post("/accounts/logout/")
    response, _queries = get(client, page)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_message_to_show_is_shown_and_not_kept(cast, program, page, client_for):
    signoff = RosterSignoff.objects.get()
    roster_sign(actor=cast.zhang, signoff=signoff)
    client = client_for(cast.zhang)
    get(client, page)
    get(client, page)
    # Signing twice is refused: nothing is written, and the refusal is a message on the page.
    response = client.post(f"/reviews/signoffs/{signoff.pk}/sign/", follow=True)
    refusal = [str(message) for message in response.context["messages"]]
    assert refusal and refusal[0] in response.content.decode()
    again, queries = get(client, page)
    assert queries == 3 and refusal[0] not in again.content.decode()


def test_another_language_is_computed_in_that_language(cast, program, page, client_for):
    client = client_for(cast.zhang)
    assert "校长审定" in get(client, page)[0].content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": page})
    english, queries = get(client, page)
    assert queries > 3 and "Principal's sign-off" in english.content.decode()


def test_the_next_day_is_computed_for_that_day(cast, program, page, client_for, monkeypatch):
    """The principal's appointment ends today: tomorrow the page is not theirs any more."""
    today = timezone.localdate()
    Membership.objects.filter(user=cast.zhang, role=Role.PRINCIPAL).update(end=today)
    client = client_for(cast.zhang)
    get(client, page)
    assert get(client, page)[0].status_code == 200
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + timedelta(days=1))
    assert get(client, page)[0].status_code in (403, 404)


def test_it_can_be_turned_off(cast, program, page, client_for, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client = client_for(cast.zhang)
    _first, computed = get(client, page)
    assert get(client, page)[1] == computed
