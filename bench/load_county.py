"""Every role at once (issue 15): a county under load from Locust, on this machine, then the checks.

    .venv/bin/python bench/load_county.py [--schools 100] [--students 50000] [--users 100] [--minutes 5]
        [--spawn-rate 10] [--workers 2*cores+1] [--threads 4] [--cache bench/.cache] [--keep DIR] [--counties 1]

With --counties 10, a province at ten times the county: ten counties of that size (the first restored
from the county's cache when it is there, the others seeded two at a time), the same journeys on the first.

Starts on loopback, in a throwaway folder: a PostgreSQL cluster (fsync off), Redis, a Celery worker and
gunicorn with the production settings (AIDSYS_DEBUG=false, whitenoise serving the collected static
files). Seeds the county with `seed_county` once and keeps a pg_dump of it (with its files and audit
key) in the cache folder; later runs restore that. Then runs Locust headless
(bench/locustfile_county.py: class teachers, aid offices, principals, county staff and the public,
each pausing 3-10 s between actions), prints p50/p95/p99 and errors per journey and per page kind,
and checks the database: no quota exceeded, no payment made twice, `verify_audit` passes. Stops
everything it started, whatever happens (the exit code is 1 when a check fails).

The client stands in for browsers behind the TLS proxy of a production set-up: plain HTTP to gunicorn
with X-Forwarded-Proto/-For set (AIDSYS_TRUST_X_FORWARDED_FOR), each simulated user with its own
address. TLS and static files' transfer are not part of the figures; Locust's own CPU is.
"""

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
COUNTY_CODE = "439902"


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        sys.exit("load_county: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """The processes of one run, and how to stop them all."""

    def __init__(self, keep: Path | None):
        self.tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="aidsys-load."))
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.keep = keep is not None
        self.pg = pg_bin()
        self.pg_data = self.tmp / "pg"
        self.processes: list[subprocess.Popen] = []
        self.redis_pid: Path | None = None
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres")

    def as_postgres(self, *command, **kwargs):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *map(str, command)], cwd=self.tmp, check=True, **kwargs)

    def start_postgres(self) -> str:
        port = free_port()
        with open(self.tmp / "initdb.log", "w") as log:
            self.as_postgres(
                self.pg / "initdb", "-D", self.pg_data, "-U", "aidsys", "--auth=trust", "-E", "UTF8",
                "--locale=C.UTF-8", stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {self.pg_data} -c fsync=off -c full_page_writes=off "
            "-c synchronous_commit=off -c max_connections=200 -c shared_buffers=256MB"
        )
        self.as_postgres(
            self.pg / "pg_ctl", "-w", "-D", self.pg_data, "-l", self.pg_data / "log", "-o", options, "start",
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        subprocess.run([self.pg / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "aidsys", "aidsys"], check=True)
        self.pg_port = port
        return f"postgres://aidsys@127.0.0.1:{port}/aidsys"

    def start_redis(self) -> str:
        port = free_port()
        self.redis_pid = self.tmp / "redis.pid"
        subprocess.run(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "yes", "--pidfile", self.redis_pid, "--dir", self.tmp, "--logfile", self.tmp / "redis.log"],
            check=True,
        )  # fmt: skip
        for _ in range(50):
            if self.redis_pid.exists() and self.redis_pid.read_text().strip():
                break
            time.sleep(0.1)
        return f"redis://127.0.0.1:{port}/0"

    def spawn(self, name: str, command: list, env: dict) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            list(map(str, command)), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        return process

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.redis_pid and self.redis_pid.exists():
            pid = int(self.redis_pid.read_text().strip() or 0)
            if pid:
                _kill_and_wait(pid)
        if (self.pg_data / "postmaster.pid").exists():
            self.as_postgres(
                self.pg / "pg_ctl", "-D", self.pg_data, "-m", "fast", "-w", "stop", stdout=subprocess.DEVNULL
            )  # fmt: skip
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _kill_and_wait(pid: int):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def manage(env: dict, *args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *map(str, args)], cwd=ROOT, env=env, check=True, **kwargs)


def schema_fingerprint() -> str:
    """The migrations' names: a cached county is of the schema it was dumped from."""
    names = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("*/migrations/0*.py"))
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]


def county_codes(counties: int) -> list[str]:
    """The county under load first; a province's other counties after it (439911, 439912, ...)."""
    return [COUNTY_CODE] + [f"4399{11 + index:02d}" for index in range(counties - 1)]


def cache_folder(args, counties: int) -> Path:
    province = f"-x{counties}" if counties > 1 else ""
    name = f"county-{args.schools}-{args.students}-seed{args.seed}{province}-{schema_fingerprint()}"
    return Path(args.cache).resolve() / name


def restore(stack: Stack, env: dict, cache: Path) -> bool:
    dump, media, key = cache / "database.dump", cache / "media.tar", cache / "audit.key"
    if not (dump.exists() and key.exists()):
        return False
    started = time.monotonic()
    env["AIDSYS_AUDIT_KEY"] = key.read_text().strip()
    subprocess.run([stack.pg / "pg_restore", "--no-owner", "-j", "2", "-d", env["DATABASE_URL"], str(dump)], check=True)
    if media.exists():
        with tarfile.open(media) as tar:
            tar.extractall(env["AIDSYS_MEDIA_ROOT"], filter="data")
    manage(env, "migrate", "--noinput", "-v0")
    print(f"restored from {dump} in {time.monotonic() - started:.0f} s")
    return True


def keep(stack: Stack, env: dict, cache: Path) -> None:
    dump, media, key = cache / "database.dump", cache / "media.tar", cache / "audit.key"
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run([stack.pg / "pg_dump", "-Fc", "-f", dump.with_suffix(".part"), env["DATABASE_URL"]], check=True)
    with tarfile.open(media, "w") as tar:
        tar.add(env["AIDSYS_MEDIA_ROOT"], arcname=".")
    key.write_text(env["AIDSYS_AUDIT_KEY"])
    key.chmod(0o600)
    dump.with_suffix(".part").rename(dump)
    print(f"kept in {cache}")


def seed_counties(stack: Stack, env: dict, args, codes: list[str]) -> None:
    """seed_county for each code, `args.seed_jobs` at a time (each county has a chain of its own)."""
    seed_env = {**env, "AIDSYS_DEBUG": "true", "AIDSYS_ALLOWED_HOSTS": "127.0.0.1"}
    pending = list(codes)
    running: list[tuple[str, subprocess.Popen]] = []
    while pending or running:
        while pending and len(running) < args.seed_jobs:
            code = pending.pop(0)
            seed = args.seed + (0 if code == COUNTY_CODE else int(code[-2:]))
            command = [PYTHON, "manage.py", "seed_county", "--county-code", code, "--seed", seed,
                       "--schools", args.schools, "--students", args.students]  # fmt: skip
            with open(stack.tmp / f"seed-{code}.log", "w") as log:
                process = subprocess.Popen(list(map(str, command)), cwd=ROOT, env=seed_env, stdout=log, stderr=log)
            running.append((code, process))
        time.sleep(2)
        for code, process in list(running):
            if process.poll() is not None:
                running.remove((code, process))
                last = (stack.tmp / f"seed-{code}.log").read_text().strip().splitlines()[-1:]
                print(f"  county {code} seeded (exit {process.returncode}) {' '.join(last)}")
                if process.returncode:
                    sys.exit(f"load_county: seed_county {code} failed; see {stack.tmp / f'seed-{code}.log'}")


def seed_or_restore(stack: Stack, env: dict, args) -> None:
    """The county (and with --counties, the province) from the cache, or seeded and then kept there; then the
    planner's statistics gathered (pg_restore brings rows, not statistics), as autovacuum has in a running county."""
    cache = cache_folder(args, args.counties)
    if not restore(stack, env, cache):
        seed_and_keep(stack, env, args, cache)
    subprocess.run([stack.pg / "vacuumdb", "--analyze-only", "--quiet", "--dbname", env["DATABASE_URL"]], check=True)


def seed_and_keep(stack: Stack, env: dict, args, cache: Path) -> None:
    started = time.monotonic()
    codes = county_codes(args.counties)
    if args.counties > 1 and restore(stack, env, cache_folder(args, 1)):
        codes = codes[1:]  # the county under load is restored; seed the others
    else:
        env["AIDSYS_AUDIT_KEY"] = secrets.token_urlsafe(48)
        manage(env, "migrate", "--noinput", "-v0")
        seed_counties(stack, env, args, codes[:1])  # first alone: it makes what the counties share
        codes = codes[1:]
    seed_counties(stack, env, args, codes)
    manage(env, "audit_seal")
    print(f"seeded in {time.monotonic() - started:.0f} s")
    keep(stack, env, cache)


def wait_for(url: str, process: subprocess.Popen, seconds: int = 120):
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310 (loopback)
    for _ in range(seconds * 4):
        if process.poll() is not None:
            sys.exit(f"load_county: {process.args[0]} stopped (exit {process.returncode})")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    sys.exit(f"load_county: {url} did not answer")


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, int(-(-share * len(ordered) // 1)) - 1)]


def summary(title: str, samples: list[dict]) -> None:
    times = [sample["ms"] for sample in samples if sample["kind"] != "sign in"]
    if times:
        print(
            f"{title}: {len(times)} page requests, p50 {percentile(times, 0.5):.0f} ms, "
            f"p95 {percentile(times, 0.95):.0f} ms (target < 300), p99 {percentile(times, 0.99):.0f} ms (target < 1000)"
        )


def report(samples: list[dict], all_signed_in_at: float | None) -> None:
    def table(title: str, rows_of, key):
        groups: dict[str, list[dict]] = {}
        for sample in rows_of:
            groups.setdefault(key(sample), []).append(sample)
        print(f"\n{title:<44} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
        for name in sorted(groups):
            rows = groups[name]
            times = [row["ms"] for row in rows]
            errors = sum(1 for row in rows if not row["ok"])
            print(
                f"{name:<44} {len(rows):>8} {errors:>6} {percentile(times, 0.5):>7.0f} {percentile(times, 0.95):>7.0f} "
                f"{percentile(times, 0.99):>7.0f} {max(times):>7.0f}"
            )

    pages = [sample for sample in samples if sample["kind"] != "sign in"]
    steady = [sample for sample in samples if all_signed_in_at is not None and sample["at"] >= all_signed_in_at]
    table("journey (whole run)", samples, lambda sample: sample["journey"])
    table("page kind (whole run)", samples, lambda sample: sample["kind"])
    if steady:
        table(f"page kind (from {all_signed_in_at:.0f} s, all signed in)", steady, lambda sample: sample["kind"])
    print()
    if all_signed_in_at is not None:
        rush = [sample for sample in pages if sample["at"] < all_signed_in_at]
        span = max(sample["at"] for sample in samples) - all_signed_in_at
        print(f"every user had signed in {all_signed_in_at:.0f} s after the start")
        summary(f"  during the sign-in rush (0-{all_signed_in_at:.0f} s)", rush)
        summary(f"  after it ({span:.0f} s)", steady)
    summary("all pages but sign-in, whole run", pages)
    for sample in [sample for sample in samples if not sample["ok"]][:20]:
        print(f"  error: {sample['journey']} {sample['kind']}: {sample['error']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--students", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--counties", type=int, default=1, help="a province: this many counties of that size (the load is on the first)"
    )
    parser.add_argument("--seed-jobs", type=int, default=2, help="counties seeded at once")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per gunicorn worker (the gthread worker; 1: the sync worker); README's production set-up",
    )
    parser.add_argument("--celery-concurrency", type=int, default=1)
    parser.add_argument("--cache", default=str(ROOT / "bench" / ".cache"), help="where seeded counties are kept")
    parser.add_argument("--keep", help="run in this folder and keep it (logs, Locust's CSV)")
    args = parser.parse_args()

    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min) "
        "at the start"
    )
    print(
        f"county: {args.schools} schools, {args.students} students"
        + (f" (a province of {args.counties} such counties; the load on the first)" if args.counties > 1 else "")
        + f"; {args.users} users for {args.minutes:g} min, "
        f"gunicorn {args.workers} workers × {args.threads} threads, Celery concurrency {args.celery_concurrency}"
    )
    stack = Stack(Path(args.keep).resolve() if args.keep else None)
    status = 1

    def interrupted(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    try:
        status = run(stack, args)
    finally:
        stack.stop()
        print(f"stopped everything{'; kept ' + str(stack.tmp) if stack.keep else ''}")
    sys.exit(status)


def run(stack: Stack, args) -> int:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AIDSYS_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    media = stack.tmp / "media"
    media.mkdir()
    env.update(
        DATABASE_URL=stack.start_postgres(),
        REDIS_URL=stack.start_redis(),
        AIDSYS_DEBUG="false",
        AIDSYS_SECRET_KEY=secrets.token_urlsafe(50),
        AIDSYS_ALLOWED_HOSTS="127.0.0.1",
        AIDSYS_MEDIA_ROOT=str(media),
        AIDSYS_TRUST_X_FORWARDED_FOR="true",
        AIDSYS_DB_CONN_MAX_AGE="60",
        AIDSYS_LOG_LEVEL="WARNING",
    )
    seed_or_restore(stack, env, args)
    manage(env, "collectstatic", "--noinput", "-v0")
    plan = stack.tmp / "plan.json"
    subprocess.run([PYTHON, "bench/load_county_db.py", "plan", plan, COUNTY_CODE], cwd=ROOT, env=env, check=True)

    port = free_port()
    stack.spawn(
        "celery",
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "aidsys",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            args.celery_concurrency,
        ],
        env,
    )
    gunicorn = stack.spawn(
        "gunicorn",
        [PYTHON, "-m", "gunicorn", "aidsys.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", args.workers,
         "--threads", args.threads, "--timeout", "120", "--log-level", "warning"],
        env,
    )  # fmt: skip
    host = f"http://127.0.0.1:{port}"
    wait_for(f"{host}/accounts/login/", gunicorn)

    samples_file = stack.tmp / "samples.json"
    # The minutes asked for, after the users have arrived (spawned at --spawn-rate a second).
    run_seconds = int(args.minutes * 60 + -(-args.users // args.spawn_rate))
    locust_env = {**env, "LOAD_PLAN": str(plan), "LOAD_SAMPLES": str(samples_file)}
    started = time.monotonic()
    command = [
        PYTHON, "-m", "locust", "-f", ROOT / "bench" / "locustfile_county.py", "--headless", "--host", host,
         "-u", args.users, "-r", args.spawn_rate, "-t", f"{run_seconds}s", "--stop-timeout", "15",
         "--csv", stack.tmp / "locust", "--only-summary", "--loglevel", "WARNING"]  # fmt: skip
    with open(stack.tmp / "locust.log", "w") as log:
        locust = subprocess.run(list(map(str, command)), cwd=ROOT, env=locust_env, stdout=log, stderr=subprocess.STDOUT)
    load = os.getloadavg()
    print(
        f"\nLocust ran {time.monotonic() - started:.0f} s (exit {locust.returncode}); "
        f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    if not samples_file.exists():
        print((stack.tmp / "locust.log").read_text()[-3000:])
        return 1
    kept = json.loads(samples_file.read_text())
    samples = kept["samples"]
    report(samples, kept["all_signed_in_at"])

    print("\nchecks")
    failures = sum(1 for sample in samples if not sample["ok"])
    print(f"  errors during the run: {failures}")
    checked = subprocess.run([PYTHON, "bench/load_county_db.py", "check"], cwd=ROOT, env=env)
    print(f"  quotas and payments: {'pass' if checked.returncode == 0 else 'FAIL'}")
    audited = subprocess.run([PYTHON, "manage.py", "verify_audit"], cwd=ROOT, env=env, capture_output=True, text=True)
    print(f"  verify_audit: {'pass' if audited.returncode == 0 else 'FAIL'} {audited.stdout.strip()[-300:]}")
    if audited.returncode:
        print(audited.stderr[-2000:])
    return 0 if not failures and checked.returncode == 0 and audited.returncode == 0 else 1


if __name__ == "__main__":
    main()
