"""Serve a heavy page again, to the same signed-in user, while nothing has been written since.

Every write of the system appends to the audit chain in the write's own transaction
(DESIGN.md §5), so the chain head's hash names the state of the whole database: while it has
not moved, a page computed from the database would come out the same. A page is stored under
that hash and everything else its text depends on (the user and their session, whose CSRF
secret the page's forms carry, the language, the day, the address), and served again only
under the same key. One write anywhere, a sign-in included, moves the head, and the next
request computes the page afresh: a page is never older than the last write.

The user's checks (signed in, active, in scope, allowed) ran when the page was computed. While
the head has not moved, no membership, account or password has changed, and the same user of
the same session on the same day is allowed the same page; the session itself is still checked
on every request, before this decorator, by the authentication middleware and `login_required`.

Only a plain 200 answer to a GET is stored; a request that carries messages to show, or that
has no CSRF cookie yet, is always computed.
"""

import functools
import hashlib

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone, translation

from aidsys.models import AuditChainHead

CACHE_ALIAS = "pages"


def chain_head() -> str:
    """The newest audit event's hash: it moves with every write. (One row by its key, read
    without the query compiler: this read is most of what a page served again costs.)"""
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_hash FROM {table} WHERE id = 1")  # noqa: S608 (a model's own table)
        row = cursor.fetchone()
    return row[0] if row else ""


def _key(request, head: str) -> str | None:
    csrf_secret = request.META.get("CSRF_COOKIE")
    session_key = request.session.session_key
    if not csrf_secret or not session_key:
        return None
    parts = [
        head,
        str(request.user.pk),
        session_key,
        csrf_secret,
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
    ]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached_until_next_write(view):
    """Keep a signed-in user's GET page until the next write; put it inside `login_required`."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        timeout = settings.PAGE_CACHE_SECONDS
        if timeout <= 0 or request.method != "GET" or len(get_messages(request)):
            return view(request, *args, **kwargs)
        key = _key(request, chain_head())
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
