#!/usr/bin/env bash
# Prepares this checkout to run (`scripts/setup.sh`) or to be tested (`scripts/setup.sh test`)
# on Debian 12. Safe to run again: every step is skipped when its result is already there.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode="${1:-run}"
case "$mode" in
    run | test) ;;
    *)
        echo "usage: scripts/setup.sh [test]" >&2
        exit 2
        ;;
esac

venv=.venv
python="$venv/bin/python"

# --- System packages -------------------------------------------------------------------------

wanted=(gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)
if [[ $mode == test ]]; then
    wanted+=(postgresql redis-server chromium poppler-utils)
fi
missing=()

if ! command -v python3 >/dev/null; then
    missing+=(python3 python3-venv)
elif [[ ! -x $python ]]; then
    # Debian ships venv without ensurepip unless python3-venv is installed; trying is the
    # only reliable test, and on success it has already done the work.
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        rm -rf "$venv"
        missing+=(python3-venv)
    fi
fi
if ! command -v npm >/dev/null; then
    missing+=(nodejs npm)
fi

if command -v dpkg-query >/dev/null; then
    installed="$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${wanted[@]}" 2>/dev/null || true)"
    for package in "${wanted[@]}"; do
        if ! grep -qx "$package ii *" <<<"$installed"; then
            missing+=("$package")
        fi
    done
else
    echo "setup: not a Debian system; make sure these are installed: ${wanted[*]}" >&2
fi

if ((${#missing[@]})); then
    if ((EUID != 0)); then
        echo "setup: missing system packages: ${missing[*]}" >&2
        echo "setup: install them as root, then run this again:" >&2
        echo "    sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- Python ----------------------------------------------------------------------------------

if [[ ! -x $python ]]; then
    python3 -m venv "$venv"
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "setup: $venv uses Python $("$python" -V 2>&1); aidsys needs 3.11." >&2
    echo "setup: remove $venv and run this again with python3 being 3.11." >&2
    exit 1
fi
if [[ ! -x $venv/bin/uv ]]; then
    # The installer is pinned like everything else; it is not in requirements.lock because it installs that.
    "$python" -m pip install -q --disable-pip-version-check "uv==0.13.9"
fi

lock_sum="$(sha256sum requirements.lock | cut -d' ' -f1)"
lock_stamp="$venv/.requirements.lock.sha256"
if [[ "$(cat "$lock_stamp" 2>/dev/null || true)" != "$lock_sum" ]]; then
    echo "setup: installing requirements.lock"
    "$venv/bin/uv" pip install -q --python "$python" -r requirements.lock
    echo "$lock_sum" >"$lock_stamp"
fi

# --- Front-end assets (served by whitenoise, never from a CDN) -------------------------------

npm_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
npm_stamp=node_modules/.aidsys-package-lock.sha256
if [[ "$(cat "$npm_stamp" 2>/dev/null || true)" != "$npm_sum" ]]; then
    echo "setup: installing package-lock.json"
    npm ci --omit=dev --no-audit --no-fund --loglevel=error
    echo "$npm_sum" >"$npm_stamp"
fi

# --- Translations ----------------------------------------------------------------------------

stale=0
while IFS= read -r -d '' po; do
    mo="${po%.po}.mo"
    if [[ ! -e $mo || $po -nt $mo ]]; then
        stale=1
        break
    fi
done < <(find . \( -path ./.venv -o -path ./node_modules -o -path ./.git \) -prune -o -name '*.po' -print0)
if ((stale)); then
    "$python" manage.py compilemessages --ignore=.venv --ignore=node_modules --verbosity 0
fi
