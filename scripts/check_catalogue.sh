#!/usr/bin/env bash
# Extracts the messages into the zh_Hans catalogue and fails if any is untranslated or fuzzy
# (STYLE.md rule 9). Developers: run `make messages`, translate, run this again.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

catalogue=locale/zh_Hans/LC_MESSAGES/django.po
python=.venv/bin/python

# makemessages stamps a new POT-Creation-Date on every run; when nothing else changed, put
# the old file back so that the check leaves no diff (and no stale .mo) behind.
before=""
if [[ -f $catalogue ]]; then
    before="$(mktemp)"
    trap 'rm -f "$before"' EXIT
    cp -p "$catalogue" "$before"
fi

"$python" manage.py makemessages -l zh_Hans -d django --no-obsolete --verbosity 0 \
    --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=bench --ignore=tests

if [[ -n $before ]] && cmp -s <(grep -v '^"POT-Creation-Date: ' "$before") \
    <(grep -v '^"POT-Creation-Date: ' "$catalogue"); then
    cp -p "$before" "$catalogue"
fi

"$python" scripts/check_catalogue.py "$catalogue"
