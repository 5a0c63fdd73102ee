"""The objector's contact (a phone or an address) is masked on the objection's page; only a reader who
may reveal sensitive data sees it in full, one click at a time, and each showing is recorded (DESIGN.md §5)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from aidsys.models import AuditEvent, User
from tests.publicity.objection_data import lodge, running_notice

PHONE = "13812345678"
ADDRESS = "青山镇枫树村三组12号"


def grant_reveal(user) -> User:
    user.user_permissions.add(Permission.objects.get(codename="reveal_sensitive"))
    return User.objects.get(pk=user.pk)  # a fresh object: Django caches permissions on the old one


def detail_url(objection) -> str:
    return reverse("publicity:objection_detail", args=[objection.pk])


def reveal_url(objection) -> str:
    return reverse("publicity:objection_contact_reveal", args=[objection.pk])


def reveals():
    return AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL_SENSITIVE)


@pytest.mark.parametrize(("contact", "masked"), [(PHONE, "138****5678"), (ADDRESS, "青山镇****")])
def test_readers_without_the_permission_see_the_contact_masked(cast, client_for, contact, masked):
    objection = lodge(running_notice(cast), name="刘大妈", contact=contact)
    for reader in (cast.li, cast.zhang, cast.zhao):
        page = client_for(reader).get(detail_url(objection)).content.decode()
        assert "刘大妈" in page and masked in page
        assert contact not in page
        assert reveal_url(objection) not in page
    assert not reveals().exists()


def test_a_reader_with_the_permission_reveals_it_with_a_click_and_it_is_recorded(cast, client_for):
    objection = lodge(running_notice(cast), contact=PHONE)
    li = grant_reveal(cast.li)
    client = client_for(li)
    page = client.get(detail_url(objection)).content.decode()
    assert PHONE not in page
    assert f'hx-post="{reveal_url(objection)}"' in page
    assert not reveals().exists()
    response = client.post(reveal_url(objection))
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    event = reveals().get()
    assert (event.actor, event.target, event.changes) == (li, objection, {"field": [None, "contact"]})
    assert event.school_id == cast.school.pk


def test_without_the_permission_nothing_is_revealed_or_recorded(cast, client_for):
    objection = lodge(running_notice(cast), contact=PHONE)
    for reader in (cast.li, cast.zhang, cast.zhao):
        response = client_for(reader).post(reveal_url(objection))
        assert response.status_code == 403
        assert PHONE not in response.content.decode()
    assert not reveals().exists()


def test_the_permission_does_not_open_an_objection_out_of_the_users_reach(cast, client_for):
    objection = lodge(running_notice(cast), contact=PHONE)
    assert client_for(grant_reveal(cast.wang)).post(reveal_url(objection)).status_code == 403
    assert client_for(grant_reveal(cast.outsider)).post(reveal_url(objection)).status_code == 404
    assert not reveals().exists()


def test_revealing_answers_only_post(cast, client_for):
    objection = lodge(running_notice(cast), contact=PHONE)
    assert client_for(grant_reveal(cast.li)).get(reveal_url(objection)).status_code == 405
    assert not reveals().exists()
