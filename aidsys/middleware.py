import ipaddress
import re
import uuid

from django.conf import settings
from django.http import FileResponse

from aidsys.context import RequestContext, reset_request_context, set_request_context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _canonical_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address in canonical form. Behind a trusted proxy, the address that proxy saw:
    the last X-Forwarded-For entry (earlier entries are whatever the client chose to send)."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return _canonical_ip(forwarded[-1])
    return _canonical_ip(request.META.get("REMOTE_ADDR", ""))


class ChineseFirstMiddleware:
    """The interface is Chinese unless the user picks English with the language switch.

    Django would follow the browser's Accept-Language; a school computer set to English would
    then show English to a teacher who never asked for it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def request_id(request) -> str:
    """The request's id: a well-formed X-Request-ID from the trusted proxy, else a new one. A client's
    own header is never taken: it would write whatever the client likes into the audit trail."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "") if settings.TRUST_X_FORWARDED_FOR else ""
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


class NoStoreMiddleware:
    """What a signed-in user is shown carries personal data, and so does every file handed out: no
    browser cache, shared computer's history or proxy keeps a copy (Cache-Control: no-store). Static
    files never get here (WhiteNoise answers them first) and keep their long caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        is_file = isinstance(response, FileResponse) or response.has_header("Content-Disposition")
        if (signed_in or is_file) and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store, private"
        return response


class RequestContextMiddleware:
    """Give every request an id (or keep a well-formed one from the trusted proxy) and note the client's address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = request_id(request)
        token = set_request_context(RequestContext(request_id=request.id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = request.id
        return response
