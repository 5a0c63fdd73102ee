"""What the audit trail needs to know about the request it is written in."""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_NO_REQUEST = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("aidsys_request_context", default=None)


def current_request_context() -> RequestContext:
    return _current.get() or _NO_REQUEST


def set_request_context(context: RequestContext):
    return _current.set(context)


def reset_request_context(token) -> None:
    _current.reset(token)


@contextmanager
def address_withheld():
    """Within it, the request context names no client address, so that no audit event stores one.

    For requests of the public (DESIGN.md §5: their addresses are personal data, kept only as a
    keyed hash where a rate limit needs them): the caller takes the hash before entering.
    """
    token = set_request_context(replace(current_request_context(), ip=None))
    try:
        yield
    finally:
        reset_request_context(token)
