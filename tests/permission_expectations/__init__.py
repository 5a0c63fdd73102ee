"""Who may open which URL: one module per area, merged by tests/test_permission_matrix.py.

Each module defines EXPECTATIONS = {url name: Expect(...)}; the helpers below build the statuses.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ["anonymous", "class_teacher", "aid_office", "principal", "county_staff", "admin", "outsider"]
SIGNED_IN = ROLES[1:]


@dataclass
class Expect:
    statuses: dict[str, int]
    method: str = "get"
    kwargs: Callable = lambda cast: {}
    data: Callable = lambda cast: {}
    url: Callable | None = None  # for patterns that have no name
    extra: dict = field(default_factory=dict)


def everyone(status_signed_in: int, anonymous: int = 302, **overrides) -> dict[str, int]:
    statuses = dict.fromkeys(SIGNED_IN, status_signed_in)
    statuses["anonymous"] = anonymous
    statuses.update(overrides)
    return statuses


def only(roles: tuple[str, ...], status: int, others: int = 403, **overrides) -> dict[str, int]:
    statuses = {role: (status if role in roles else others) for role in SIGNED_IN}
    statuses["anonymous"] = 302
    statuses.update(overrides)
    return statuses
