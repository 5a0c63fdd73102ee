"""Production settings: check --deploy is clean, and a wrong value stops start-up with its name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "AIDSYS_DEBUG": "false",
    "AIDSYS_SECRET_KEY": "k3Yx-" + "q8Zr!t2Lm#w9Vb&n4Hc@p7Jd$s1Fg%" * 2,
    "AIDSYS_ALLOWED_HOSTS": "aid.example.edu.cn",
    "DATABASE_URL": "sqlite:///:memory:",
    "AIDSYS_AUDIT_KEY": "audit-" + "Zq7!mW2#xR9$kT4%" * 3,
}


def manage(*args, **env):
    # The test run's own switches (async-unsafe browser tests, service addresses) are not production's.
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIDSYS_", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_prints_no_warning_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_errors_without_the_audit_key():
    env = dict(PRODUCTION)
    del env["AIDSYS_AUDIT_KEY"]
    result = manage("check", "--deploy", **env)
    assert result.returncode != 0
    assert "aidsys.E001" in result.stderr and "AIDSYS_AUDIT_KEY is not set" in result.stderr


def test_a_short_audit_key_is_refused_at_start():
    result = manage("check", **{**PRODUCTION, "AIDSYS_AUDIT_KEY": "short"})
    assert result.returncode != 0
    assert "AIDSYS_AUDIT_KEY must be at least 32 characters long" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = dict(PRODUCTION)
    del env["AIDSYS_SECRET_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "AIDSYS_SECRET_KEY must be set" in result.stderr


def test_a_malformed_value_names_the_variable():
    result = manage("check", AIDSYS_DEBUG="perhaps")
    assert result.returncode != 0
    assert "AIDSYS_DEBUG must be true or false, not 'perhaps'" in result.stderr


def test_pages_carry_a_content_security_policy_for_the_sites_own_origin(client, db):
    policy = client.get("/accounts/login/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_debug_refuses_to_serve_a_public_host_name():
    result = manage("check", AIDSYS_DEBUG="true", AIDSYS_ALLOWED_HOSTS="aid.example.edu.cn")
    assert result.returncode != 0
    assert "AIDSYS_ALLOWED_HOSTS may name only this machine" in result.stderr


def test_the_demo_with_its_published_password_is_refused_in_production():
    result = manage("seed_demo", **PRODUCTION)
    assert result.returncode != 0
    assert "seed_demo loads accounts with a published password" in result.stderr


def test_the_interface_is_chinese_even_for_an_english_browser_until_english_is_chosen(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign in" in client.get("/accounts/login/").content.decode()


def test_every_beat_entry_names_a_registered_task_and_uploads_are_purged():
    from django.conf import settings

    from aidsys.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "students.tasks.roster_uploads_purge" in scheduled
    assert scheduled <= set(app.tasks)


def test_with_redis_sessions_are_read_from_redis_with_the_database_behind():
    result = manage(
        "shell", "--no-imports", "-c",
        "from django.conf import settings as s; print(s.SESSION_ENGINE, s.CACHES[s.SESSION_CACHE_ALIAS]['LOCATION'])",
        **PRODUCTION, REDIS_URL="redis://127.0.0.1:6390/0",
    )  # fmt: skip
    assert result.stdout.split() == ["django.contrib.sessions.backends.cached_db", "redis://127.0.0.1:6390/0"]
    result = manage(
        "shell", "--no-imports", "-c", "from django.conf import settings as s; print(s.SESSION_ENGINE)", **PRODUCTION
    )
    assert result.stdout.split() == ["django.contrib.sessions.backends.db"]


@pytest.mark.redis
def test_a_session_signed_out_is_gone_from_redis_and_refused(cast, client_for, settings):
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import caches

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    client = client_for(cast.zhang)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/").status_code == 200
    sessions = caches[settings.SESSION_CACHE_ALIAS]
    assert sessions.get(KEY_PREFIX + session_key) is not None
    client.post("/accounts/logout/")
    assert sessions.get(KEY_PREFIX + session_key) is None
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
