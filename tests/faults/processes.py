"""Real processes of a fault test's own: Redis, PostgreSQL, the app under gunicorn, a Celery worker.

The suite's shared PostgreSQL and Redis serve every xdist worker, so a test that stops a service
starts one of its own on a free loopback port, stops it for real (SIGKILL, SHUTDOWN NOSAVE,
pg_ctl restart) and starts it again. The app and the worker run as subprocesses at the suite's
frozen today (tests/faults/travelled.py), on the test's database and media folder.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str):
    """The condition's value once truthy; fails naming `what` when it is not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Redis:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: self.ping(), timeout=10, what="Redis")

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.ConnectionError:
            return False

    def keys(self, pattern: str) -> list:
        import redis

        return redis.Redis(port=self.port).keys(pattern)

    def shutdown(self) -> None:
        """SHUTDOWN NOSAVE, as an operator stopping it: what it held is gone."""
        import redis

        with suppress(redis.ConnectionError):
            redis.Redis(port=self.port).shutdown(nosave=True)
        self.process.wait(timeout=10)
        assert not self.ping()

    def close(self) -> None:
        if self.process is not None:
            _stop(self.process, signal.SIGKILL)


@contextmanager
def redis_server():
    with tempfile.TemporaryDirectory(prefix="aidsys-fault-redis-") as folder:
        server = Redis(Path(folder))
        server.start()
        try:
            yield server
        finally:
            server.close()


def _as_postgres(command: list[str], cwd: str) -> list[str]:
    # initdb and postgres refuse to run as root, as scripts/test.sh knows.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgreSQL:
    """A throwaway cluster holding a copy of the test's database (pg_dump of what the test committed)."""

    def __init__(self, folder: Path):
        self.bin = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1])
        self.folder = folder
        self.data = folder / "pg"
        self.port = free_port()

    def _run(self, *command: str) -> None:
        subprocess.run(_as_postgres(list(command), str(self.folder)), cwd=self.folder, check=True, capture_output=True)

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "aidsys", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
        self.start()
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "aidsys", "aidsys")

    def _pg_ctl(self, action: str, *options: str) -> None:
        server_options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data}"
        self._run(str(self.bin / "pg_ctl"), action, "-w", "-D", str(self.data), "-l", str(self.data / "log"),
                  "-o", server_options, *options)  # fmt: skip

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        """pg_ctl restart -m fast: every connection is cut, the server comes back on the same port."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "immediate")

    @property
    def url(self) -> str:
        return f"postgres://aidsys@127.0.0.1:{self.port}/aidsys"

    def copy_from_the_test_database(self) -> None:
        source = connection.settings_dict
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "-Fc", "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"]),
             "-U", source["USER"], source["NAME"]],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
        subprocess.run(
            [str(self.bin / "pg_restore"), "--no-owner", "-h", "127.0.0.1", "-p", str(self.port), "-U", "aidsys",
             "-d", "aidsys"],
            input=dump, check=True, capture_output=True,
        )  # fmt: skip

    def query(self, sql: str, params=()) -> list:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=aidsys dbname=aidsys") as database:
            return database.execute(sql, params).fetchall()


@contextmanager
def postgresql_cluster():
    with tempfile.TemporaryDirectory(prefix="aidsys-fault-pg-") as folder:
        cluster = PostgreSQL(Path(folder))
        try:
            cluster.create()
            yield cluster
        finally:
            cluster.stop()


def database_url_of_the_test() -> str:
    """The database this test runs on (committed data only: the test is transactional)."""
    source = connection.settings_dict
    return f"postgres://{source['USER']}@{source['HOST'] or '127.0.0.1'}:{source['PORT']}/{source['NAME']}"


def environment(*, database_url: str, redis_url: str | None, **extra: str) -> dict:
    """The subprocesses' settings: the embedded DEBUG set-up on loopback, the test's database and files."""
    env = {**os.environ, "DATABASE_URL": database_url, "AIDSYS_DEBUG": "1", "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env["AIDSYS_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    env["AIDSYS_AUDIT_KEY"] = settings.AIDSYS_AUDIT_KEY
    env["AIDSYS_ALLOWED_HOSTS"] = "127.0.0.1"
    return env | extra


def _travelled(module: str, *arguments: str) -> list[str]:
    """Run `python -m module arguments` at the test's own now (the suite's frozen today, still ticking)."""
    return [PYTHON, str(ROOT / "tests" / "faults" / "travelled.py"), timezone.now().isoformat(), module, *arguments]


class App:
    """The app under gunicorn (one worker process), as production serves it."""

    def __init__(self, env: dict, folder: Path):
        self.port = free_port()
        self.log = folder / "gunicorn.log"
        command = _travelled("gunicorn", "aidsys.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1", "--timeout", "60")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: _answers(self.port) or self.process.poll() is not None, timeout=30, what="gunicorn")
        assert self.process.poll() is None, self.log.read_text()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def session(self, user, password: str) -> requests.Session:
        """A browser's session, signed in through the login form."""
        browser = requests.Session()
        self.sign_in(browser, user, password)
        return browser

    def sign_in(self, browser: requests.Session, user, password: str) -> None:
        hashed_as_the_app_does(user, password)
        page = browser.get(self.url("/accounts/login/"), timeout=30)
        assert page.status_code == 200, page.text[:500]
        answer = browser.post(
            self.url("/accounts/login/"),
            data={"username": user.username, "password": password, "csrfmiddlewaretoken": csrf(page.text)},
            headers={"Referer": self.url("/accounts/login/")},
            timeout=30,
        )
        assert answer.status_code == 200 and "/accounts/login/" not in answer.url, re.findall(
            r"alert[^>]*>([^<]+)", answer.text
        )

    def close(self) -> None:
        _stop(self.process)


@contextmanager
def app_server(env: dict):
    with tempfile.TemporaryDirectory(prefix="aidsys-fault-app-") as folder:
        app = App(env, Path(folder))
        try:
            yield app
        finally:
            app.close()


class Worker:
    """`celery -A aidsys worker -P solo`, one task at a time."""

    def __init__(self, env: dict, folder: Path):
        self.log = folder / f"worker-{time.monotonic_ns()}.log"
        command = _travelled("celery", "-A", "aidsys", "worker", "-P", "solo", "--without-heartbeat",
                             "--without-gossip", "--without-mingle", "-l", "info")  # fmt: skip
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: "ready." in self.log.read_text() or self.process.poll() is not None, timeout=40, what="worker")
        assert self.process.poll() is None, self.log.read_text()

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is acknowledged or cleaned up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        _stop(self.process)


def hashed_as_the_app_does(user, password: str) -> None:
    """The suite hashes passwords with MD5 (fast); the app's processes know only their own hashers."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    type(user).objects.filter(pk=user.pk).update(password=hasher.encode(password, hasher.salt(), iterations=1000))


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
