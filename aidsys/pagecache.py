"""Serve a heavy page of one school again, to the same signed-in user, while nothing it shows
has been written since.

Every write of the system appends to the audit chain in the write's own transaction
(DESIGN.md §5), and moves the write head of its unit (aidsys.models.WriteHead): its school,
else its county, else the whole system (users, terms, and any membership, whose roles every
page's layout names). A page about one school shows only what belongs to that school, its
county or no unit, so while those three heads have not moved, the page would come out the
same. It is kept under them and under everything else its text depends on (the user and their
session, whose CSRF secret the page's forms carry, the language, the day, the address), and
served again only under the same key. The next write in the school, its county or the system
makes the next request compute the page afresh: a page is never older than the last write of
what it shows, and a write in another school leaves it be.

The user's checks (signed in, active, in scope, allowed) ran when the page was computed. While
the heads have not moved, no membership, account or password has changed, and the same user of
the same session on the same day is allowed the same page; the session itself is still checked
on every request, before this decorator, by the authentication middleware and `login_required`.

Only a plain 200 answer to a GET is stored; a request that carries messages to show, or that
has no CSRF cookie yet, is always computed. Each process keeps its own pages: the key names
the database's state, so processes never disagree.
"""

import functools
import hashlib

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone, translation

from aidsys.models import School, WriteHead

CACHE_ALIAS = "pages"


def write_heads(school_pk: int) -> str:
    """The write heads of the school, its county and the system, in one read of their keys
    (without the query compiler: this read is most of what a page served again costs)."""
    heads = connection.ops.quote_name(WriteHead._meta.db_table)
    schools = connection.ops.quote_name(School._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT unit, last_hash FROM {heads} WHERE unit IN "  # noqa: S608 (the models' own tables)
            f"(%s, '*', (SELECT 'c' || county_id FROM {schools} WHERE id = %s))",
            [f"s{school_pk}", school_pk],
        )
        return " ".join(f"{unit}:{last_hash}" for unit, last_hash in sorted(cursor.fetchall()))


def _key(request, heads: str) -> str | None:
    csrf_secret = request.META.get("CSRF_COOKIE")
    session_key = request.session.session_key
    if not csrf_secret or not session_key:
        return None
    parts = [
        heads,
        str(request.user.pk),
        session_key,
        csrf_secret,
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
    ]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached_until_next_write(*, school: str):
    """Keep a signed-in user's GET page of the school named by the URL argument `school` until
    the next write of what it shows; put it inside `login_required`. Only for a page that shows
    nothing of another school."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            timeout = settings.PAGE_CACHE_SECONDS
            if timeout <= 0 or request.method != "GET" or len(get_messages(request)):
                return view(request, *args, **kwargs)
            key = _key(request, write_heads(int(kwargs[school])))
            if key is None:
                return view(request, *args, **kwargs)
            cache = caches[CACHE_ALIAS]
            stored = cache.get(key)
            if stored is not None:
                content, content_type = stored
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if type(response) is HttpResponse and response.status_code == 200 and not response.cookies:
                cache.set(key, (response.content, response["Content-Type"]), timeout)
            return response

        return wrapper

    return decorator
