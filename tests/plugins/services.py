"""The `postgres` and `redis` markers.

A marked test is skipped when its service is not configured (the embedded SQLite set-up of
`make test-fast`), unless AIDSYS_REQUIRE_POSTGRES=1 / AIDSYS_REQUIRE_REDIS=1 (the full
`make test`), where running it without the service fails loudly.
"""

import os

import pytest
from django.conf import settings


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (skipped on SQLite)")
    config.addinivalue_line("markers", "redis: needs a Redis server (REDIS_URL)")


def _skip_or_fail(requirement: str, reason: str) -> None:
    if os.environ.get(requirement) == "1":
        pytest.fail(f"{reason}; {requirement}=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # tryfirst: decide before any fixture sets up a database or a live server.
    if item.get_closest_marker("postgres") is not None:
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            _skip_or_fail("AIDSYS_REQUIRE_POSTGRES", f"needs PostgreSQL, DATABASE_URL gives {engine}")
    if item.get_closest_marker("redis") is not None and not settings.REDIS_URL:
        _skip_or_fail("AIDSYS_REQUIRE_REDIS", "needs Redis, REDIS_URL is not set")


@pytest.fixture(autouse=True)
def _celery_in_process_unless_redis(request):
    """Run Celery tasks in-process, as the embedded set-up does, except in `redis` tests.

    With REDIS_URL set (the full `make test`) settings would send tasks to a broker that no
    worker reads, so the same test would pass in test-fast and hang or fail in test.
    """
    if request.node.get_closest_marker("redis") is not None:
        yield
        return
    from aidsys.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
