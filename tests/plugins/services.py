"""The `postgres`, `redis` and `replica` markers.

A marked test is skipped when its service is not configured (the embedded SQLite set-up of
`make test-fast`), unless AIDSYS_REQUIRE_POSTGRES=1 / AIDSYS_REQUIRE_REDIS=1 / AIDSYS_REQUIRE_REPLICA=1
(the full `make test`), where running it without the service fails loudly.
"""

import os

import pytest
from django.conf import settings


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (skipped on SQLite)")
    config.addinivalue_line("markers", "redis: needs a Redis server (REDIS_URL)")
    config.addinivalue_line("markers", "replica: needs a PostgreSQL streaming replica (AIDSYS_REPLICA_URL)")


def _missing_services(item) -> list[tuple[str, str]]:
    """(requirement variable, reason) for each service the test needs and does not have."""
    missing = []
    if item.get_closest_marker("postgres"):
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            missing.append(("AIDSYS_REQUIRE_POSTGRES", f"needs PostgreSQL, DATABASE_URL gives {engine}"))
    if item.get_closest_marker("replica") and "replica" not in settings.DATABASES:
        missing.append(("AIDSYS_REQUIRE_REPLICA", "needs a replica, AIDSYS_REPLICA_URL is not set"))
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        missing.append(("AIDSYS_REQUIRE_REDIS", "needs Redis, REDIS_URL is not set"))
    return missing


def _required(variable: str) -> bool:
    return os.environ.get(variable) == "1"


def pytest_collection_modifyitems(config, items):
    for item in items:
        for variable, reason in _missing_services(item):
            if not _required(variable):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # tryfirst: fail before any fixture sets up a database or a live server.
    for variable, reason in _missing_services(item):
        if _required(variable):
            pytest.fail(f"{reason}; {variable}=1 forbids skipping", pytrace=False)


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


@pytest.fixture(autouse=True)
def _replica_reads_only_in_replica_tests(request, settings):
    """A replica lags behind the primary: only the `replica` tests read from it (aidsys/replica.py).

    The others write and at once read what they wrote, as one user does on the primary."""
    if request.node.get_closest_marker("replica") is None:
        settings.AIDSYS_REPLICA_READS = False
