from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from aidsys.models import AuditEvent
from tests.factories import TEST_PASSWORD

Action = AuditEvent.Action


def sign_in(client, username, password, address="10.0.0.7"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


class TestSignIn:
    def test_it_signs_in_and_records_the_event(self, cast, client):
        response = sign_in(client, "wang", TEST_PASSWORD)
        assert response.status_code == 302 and response.headers["Location"] == "/"
        event = AuditEvent.objects.get(action=Action.LOGIN)
        assert (event.actor, event.ip) == (cast.wang, "10.0.0.7")

    def test_a_wrong_password_is_refused_in_chinese_and_recorded(self, cast, client):
        response = sign_in(client, "wang", "wrong")
        assert response.status_code == 200
        assert "请输入一个正确的" in response.content.decode()
        event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
        assert (event.actor, event.actor_name, event.object_id) == (None, "wang", str(cast.wang.pk))

    def test_an_unknown_username_is_recorded_too(self, cast, client):
        sign_in(client, "nobody", "x")
        event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
        assert (event.actor_name, event.object_id) == ("nobody", "")

    def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(self, cast, client):
        for _ in range(5):
            sign_in(client, "wang", "wrong")
        locked = sign_in(client, "wang", TEST_PASSWORD)
        assert locked.status_code == 429
        assert "从这里登录已被锁定 15 分钟" in locked.content.decode()
        assert "_auth_user_id" not in client.session

        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
        assert sign_in(client, "wang", TEST_PASSWORD).status_code == 302

    def test_four_wrong_passwords_do_not_lock(self, cast, client):
        for _ in range(4):
            sign_in(client, "wang", "wrong")
        assert sign_in(client, "wang", TEST_PASSWORD).status_code == 302

    def test_a_locked_account_does_not_lock_another(self, cast, client):
        for _ in range(5):
            sign_in(client, "wang", "wrong")
        assert sign_in(client, "li", TEST_PASSWORD).status_code == 302

    def test_wrong_passwords_from_another_address_do_not_lock_the_account(self, cast, client):
        for _ in range(5):
            sign_in(client, "wang", "wrong", address="198.51.100.9")
        assert sign_in(client, "wang", TEST_PASSWORD, address="198.51.100.9").status_code == 429
        assert sign_in(client, "wang", TEST_PASSWORD).status_code == 302

    def test_one_address_trying_many_accounts_is_locked_out(self, cast, client, settings):
        settings.AIDSYS_LOGIN_ADDRESS_FAILURE_LIMIT = 8
        for number in range(7):
            sign_in(client, f"guess{number}", "wrong", address="198.51.100.9")
        assert sign_in(client, "li", TEST_PASSWORD, address="198.51.100.9").status_code == 302
        client.logout()
        sign_in(client, "guess7", "wrong", address="198.51.100.9")  # a sign-in in between cleared nothing
        assert sign_in(client, "wang", TEST_PASSWORD, address="198.51.100.9").status_code == 429
        assert sign_in(client, "wang", TEST_PASSWORD).status_code == 302

    def test_behind_the_trusted_proxy_the_forwarded_address_is_the_one_locked(self, cast, client, settings):
        settings.TRUST_X_FORWARDED_FOR = True
        for _ in range(5):
            client.post(
                "/accounts/login/",
                {"username": "wang", "password": "wrong"},
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR="198.51.100.9",
            )
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.9"}
        response = client.post(
            "/accounts/login/",
            {"username": "wang", "password": TEST_PASSWORD},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
        assert response.status_code == 302

    def test_signing_out_is_recorded(self, cast, client_for):
        client_for(cast.wang).post("/accounts/logout/", REMOTE_ADDR="10.0.0.7")
        event = AuditEvent.objects.get(action=Action.LOGOUT)
        assert (event.actor, event.object_id, event.ip) == (cast.wang, str(cast.wang.pk), "10.0.0.7")

    def test_sign_out_is_a_post(self, cast, client_for):
        client = client_for(cast.wang)
        assert client.get("/accounts/logout/").status_code == 405
        assert client.post("/accounts/logout/").status_code == 302
        assert client.get("/").status_code == 302


class TestPasswordChange:
    def test_it_changes_the_password_and_records_it_without_the_hash(self, cast, client_for):
        client = client_for(cast.wang)
        response = client.post(
            "/accounts/password/",
            {
                "old_password": TEST_PASSWORD,
                "new_password1": "Qingshan-2027!",
                "new_password2": "Qingshan-2027!",
            },
        )
        assert response.status_code == 302
        cast.wang.refresh_from_db()
        assert cast.wang.check_password("Qingshan-2027!")
        event = AuditEvent.objects.for_object(cast.wang).get(action=Action.UPDATE)
        assert event.changes == {"password": ["***", "***"]}

    def test_mismatched_passwords_show_the_error_beside_the_field_in_chinese(self, cast, client_for):
        response = client_for(cast.wang).post(
            "/accounts/password/",
            {
                "old_password": TEST_PASSWORD,
                "new_password1": "Qingshan-2027!",
                "new_password2": "other-2027!",
            },
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="id_new_password2_error_1"' in html
        assert "输入的两个密码不一致" in html
        assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


@pytest.mark.parametrize("path", ["/", "/schools/", "/calendar/"])
def test_pages_ask_anonymous_visitors_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login/")
