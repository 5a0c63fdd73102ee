"""The `postgres`, `redis`, `replica` and `s3` markers.

A marked test is skipped when its service is not configured (the embedded SQLite set-up of
`make test-fast`), unless AIDSYS_REQUIRE_POSTGRES=1 / AIDSYS_REQUIRE_REDIS=1 /
AIDSYS_REQUIRE_REPLICA=1 / AIDSYS_REQUIRE_S3=1
(the full `make test`), where running it without the service fails loudly.

An `s3` test takes the `s3_bucket` fixture: a bucket of its own on the S3-compatible server that
AIDSYS_TEST_S3_URL names (scripts/test.sh starts moto's), made the default storage for the test.
The rest of the suite keeps the local folder: the variable is not AIDSYS_STORAGE_URL, so that no
other test, and no process a test starts, finds its files in a bucket by surprise.
"""

import os
import secrets
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings

from aidsys.storage import storage_from_url


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (skipped on SQLite)")
    config.addinivalue_line("markers", "redis: needs a Redis server (REDIS_URL)")
    config.addinivalue_line("markers", "s3: needs the S3-compatible test server (AIDSYS_TEST_S3_URL)")
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
    if item.get_closest_marker("s3") and not os.environ.get("AIDSYS_TEST_S3_URL"):
        missing.append(("AIDSYS_REQUIRE_S3", "needs an S3-compatible server, AIDSYS_TEST_S3_URL is not set"))
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


@dataclass
class S3Bucket:
    name: str
    client: Any  # boto3's S3 client, on the same server and credentials as the storage

    def names(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def body(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def s3_bucket(settings) -> S3Bucket:
    """A fresh bucket on the test server, the default storage for this test; emptied and removed after it."""
    import boto3

    entry = storage_from_url(os.environ["AIDSYS_TEST_S3_URL"])
    options = {**entry["OPTIONS"], "bucket_name": f"aidsys-test-{secrets.token_hex(6)}"}
    client = boto3.client(
        "s3",
        endpoint_url=options["endpoint_url"],
        region_name=options["region_name"],
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
        config=options["client_config"],
    )
    bucket = S3Bucket(options["bucket_name"], client)
    client.create_bucket(Bucket=bucket.name)
    settings.STORAGES = {**settings.STORAGES, "default": {**entry, "OPTIONS": options}}
    yield bucket
    for key in bucket.names():
        client.delete_object(Bucket=bucket.name, Key=key)
    client.delete_bucket(Bucket=bucket.name)


@pytest.fixture(autouse=True)
def _replica_reads_only_in_replica_tests(request, settings):
    """A replica lags behind the primary: only the `replica` tests read from it (aidsys/replica.py).

    The others write and at once read what they wrote, as one user does on the primary."""
    if request.node.get_closest_marker("replica") is None:
        settings.AIDSYS_REPLICA_READS = False
