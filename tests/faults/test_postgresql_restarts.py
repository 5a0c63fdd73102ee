"""PostgreSQL restarts while the app serves requests: later requests succeed on the same app
process, and a write committed before the restart is still there."""

import threading

import pytest
import requests

from tests.faults.processes import app_server, csrf, environment, hashed_as_the_app_does, postgresql_cluster

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Restart@2026-aidsys"


def test_postgresql_restarting_under_requests_loses_no_commit_and_needs_no_app_restart(cast):
    with postgresql_cluster() as database:
        hashed_as_the_app_does(cast.wang, cast.password)
        database.copy_from_the_test_database()
        # Connections kept between requests, as production keeps them: the case a restart breaks.
        env = environment(database_url=database.url, redis_url=None, AIDSYS_DB_CONN_MAX_AGE="600")
        with app_server(env) as app:
            wang = app.session(cast.wang, cast.password)
            assert all(wang.get(app.url("/"), timeout=30).status_code == 200 for _ in range(5))

            # A committed, audited write: 王老师 changes his password.
            page = wang.get(app.url("/accounts/password/"), timeout=30)
            changed = wang.post(
                app.url("/accounts/password/"),
                data={
                    "csrfmiddlewaretoken": csrf(page.text),
                    "old_password": cast.password,
                    "new_password1": NEW_PASSWORD,
                    "new_password2": NEW_PASSWORD,
                },
                headers={"Referer": app.url("/accounts/password/")},
                timeout=30,
            )
            assert changed.status_code == 200 and "/accounts/password/done/" in changed.url, changed.text[:300]
            events_before = database.query("SELECT count(*) FROM aidsys_auditevent")[0][0]

            pid = app.process.pid
            # A restart between requests: the app's kept connection is dead, and the next request
            # must not be the one to find out.
            database.restart()
            after = [wang.get(app.url("/"), timeout=30).status_code for _ in range(10)]
            assert after == [200] * 10, after

            during = []
            serving = threading.Event()
            serving.set()

            def keep_asking():
                while serving.is_set():
                    try:
                        during.append(wang.get(app.url("/"), timeout=30).status_code)
                    except OSError as error:
                        during.append(error)

            asker = threading.Thread(target=keep_asking)
            asker.start()
            try:
                database.restart()
            finally:
                serving.clear()
                asker.join(timeout=60)
            assert during, "requests were being served while PostgreSQL restarted"

            after = [wang.get(app.url("/"), timeout=30).status_code for _ in range(10)]
            assert after == [200] * 10, after
            assert app.process.poll() is None and app.process.pid == pid

            assert database.query("SELECT count(*) FROM aidsys_auditevent")[0][0] == events_before
            again = requests.Session()
            page = again.get(app.url("/accounts/login/"), timeout=30)
            signed_in = again.post(
                app.url("/accounts/login/"),
                data={"username": "wang", "password": NEW_PASSWORD, "csrfmiddlewaretoken": csrf(page.text)},
                headers={"Referer": app.url("/accounts/login/")},
                timeout=30,
            )
            assert "/accounts/login/" not in signed_in.url, "the password changed before the restart holds"
