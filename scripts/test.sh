#!/usr/bin/env bash
# The whole check: lint, Django's checks, migrations, the zh_Hans catalogue, then pytest.
#   scripts/test.sh        throwaway PostgreSQL (with a streaming replica), Redis and S3 server (moto), Chromium;
#                          nothing may be skipped
#   scripts/test.sh fast   SQLite, no Redis, no browser
# Further arguments go to pytest: scripts/test.sh fast tests/students -x
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=full
if [[ ${1:-} == fast ]]; then
    mode=fast
    shift
fi

started=$SECONDS
tmp=""
pg_bin=""
pg_data=""
redis_pidfile=""
s3_pid=""  # the S3-compatible test server (moto), full mode only
replica_data=""

as_postgres() {
    # initdb and postgres refuse to run as root.
    if ((EUID == 0)); then
        (cd "$tmp" && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

finish() {
    local status=$?
    trap - EXIT INT TERM
    # --- replica (issue 15: reads on a replica): stop the streaming replica ---
    if [[ -n $replica_data && -f $replica_data/postmaster.pid ]]; then
        as_postgres "$pg_bin/pg_ctl" -D "$replica_data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    # --- end replica ---
    if [[ -n $pg_data && -f $pg_data/postmaster.pid ]]; then
        as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [[ -n $redis_pidfile && -f $redis_pidfile ]]; then
        local pid
        pid="$(cat "$redis_pidfile")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    # --- S3-compatible test server: stop ---
    if [[ -n $s3_pid ]]; then
        kill "$s3_pid" 2>/dev/null || true
        wait "$s3_pid" 2>/dev/null || true
    fi
    # --- end S3 ---
    if [[ -n $tmp ]]; then
        rm -rf "$tmp"
    fi
    local verdict=passed
    ((status == 0)) || verdict="FAILED (exit $status)"
    echo "test.sh $mode: $verdict in $((SECONDS - started))s"
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() {
    echo "== $*"
}

if [[ $mode == full ]]; then
    scripts/setup.sh test
else
    scripts/setup.sh
fi
python=.venv/bin/python

# The checks and fast mode use the embedded settings, whatever the caller's shell exports.
unset DATABASE_URL REDIS_URL AIDSYS_REQUIRE_BROWSER AIDSYS_REQUIRE_POSTGRES AIDSYS_REQUIRE_REDIS
unset AIDSYS_STORAGE_URL AIDSYS_TEST_S3_URL AIDSYS_REQUIRE_S3
unset AIDSYS_REPLICA_URL AIDSYS_REQUIRE_REPLICA

step "ruff check"
.venv/bin/ruff check .
step "manage.py check"
"$python" manage.py check
step "makemigrations --check"
"$python" manage.py makemigrations --check --dry-run
step "catalogue"
scripts/check_catalogue.sh

pytest_args=(-p no:cacheprovider)
if [[ $mode == full ]]; then
    pg_bin="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    if [[ ! -x $pg_bin/initdb ]]; then
        echo "test.sh: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin" >&2
        exit 1
    fi

    # Both sockets are held open together, so the two ports differ.
    ports="$("$python" -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))
')"
    read -r pg_port redis_port <<<"$ports"

    tmp="$(mktemp -d -t aidsys-test.XXXXXX)"
    if ((EUID == 0)); then
        chown postgres: "$tmp"
    fi
    pg_data="$tmp/pg"
    redis_pidfile="$tmp/redis.pid"

    step "PostgreSQL on 127.0.0.1:$pg_port"
    as_postgres "$pg_bin/initdb" -D "$pg_data" -U aidsys --auth=trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" ||
        { cat "$tmp/initdb.log" >&2; exit 1; }
    as_postgres "$pg_bin/pg_ctl" -w -D "$pg_data" -l "$pg_data/log" -o "-c listen_addresses=127.0.0.1 -p $pg_port \
-k $pg_data -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null ||
        { cat "$pg_data/log" >&2; exit 1; }
    "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U aidsys aidsys

    # --- replica (issue 15: reads on a replica): a streaming replica of the primary above ---
    # pg_basebackup -R copies the primary (its trust entries allow replication from 127.0.0.1) and
    # writes the standby's settings; the test databases the suite creates reach it by replication.
    replica_port="$("$python" -c '
import socket, sys
taken = set(map(int, sys.argv[1:]))
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    if s.getsockname()[1] not in taken:
        print(s.getsockname()[1])
        break
' "$pg_port" "$redis_port")"
    replica_data="$tmp/replica"
    step "PostgreSQL replica on 127.0.0.1:$replica_port"
    as_postgres "$pg_bin/pg_basebackup" -h 127.0.0.1 -p "$pg_port" -U aidsys -D "$replica_data" -R -X stream \
        -c fast >"$tmp/basebackup.log" 2>&1 || { cat "$tmp/basebackup.log" >&2; exit 1; }
    as_postgres "$pg_bin/pg_ctl" -w -D "$replica_data" -l "$tmp/replica.log" -o "-c listen_addresses=127.0.0.1 \
-p $replica_port -k $replica_data -c fsync=off -c hot_standby_feedback=on" start >/dev/null ||
        { cat "$tmp/replica.log" >&2; exit 1; }
    export AIDSYS_REPLICA_URL="postgres://aidsys@127.0.0.1:$replica_port/aidsys"
    export AIDSYS_REQUIRE_REPLICA=1
    # --- end replica ---

    step "Redis on 127.0.0.1:$redis_port"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --pidfile "$redis_pidfile" --dir "$tmp" --logfile "$tmp/redis.log"
    for _ in $(seq 50); do
        [[ -s $redis_pidfile ]] && break
        sleep 0.1
    done

    # --- S3-compatible test server: start (moto's stand-alone server; the `s3` tests take a bucket each) ---
    # Named AIDSYS_TEST_S3_URL, not AIDSYS_STORAGE_URL: the other tests, and the processes they start,
    # keep the local folder (tests/plugins/services.py).
    s3_port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    step "S3 (moto) on 127.0.0.1:$s3_port"
    "$python" -m moto.server -H 127.0.0.1 -p "$s3_port" >"$tmp/moto.log" 2>&1 &
    s3_pid=$!
    for _ in $(seq 600); do
        (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null && break
        kill -0 "$s3_pid" 2>/dev/null || { cat "$tmp/moto.log" >&2; exit 1; }
        sleep 0.1
    done
    (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null || { echo "test.sh: moto did not start" >&2; exit 1; }
    export AIDSYS_TEST_S3_URL="s3://testing:testing@127.0.0.1:$s3_port/aidsys?secure=0" AIDSYS_REQUIRE_S3=1
    # --- end S3 ---

    export DATABASE_URL="postgres://aidsys@127.0.0.1:$pg_port/aidsys"
    export REDIS_URL="redis://127.0.0.1:$redis_port/0"
    AIDSYS_CHROMIUM="${AIDSYS_CHROMIUM:-$(command -v chromium || echo /usr/bin/chromium)}"
    export AIDSYS_CHROMIUM
    export AIDSYS_REQUIRE_BROWSER=1 AIDSYS_REQUIRE_POSTGRES=1 AIDSYS_REQUIRE_REDIS=1
    export DJANGO_ALLOW_ASYNC_UNSAFE=true
    pytest_args+=(-n 2 --dist loadgroup)
else
    pytest_args+=(-m "not browser and not postgres and not redis and not s3")
fi

step "pytest ($mode)"
# pytest exits 5 when it collected nothing; under set -e that fails the run, as it should.
"$python" -m pytest "${pytest_args[@]}" "$@"
