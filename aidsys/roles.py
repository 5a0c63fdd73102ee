"""Role checks for views: a page that belongs to a role answers 403 to everybody else."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from aidsys.models import Role
from aidsys.scope import scope_for


def has_role(user, *roles: str) -> bool:
    held = scope_for(user).roles
    return Role.ADMIN in held or any(role in held for role in roles)


def role_required(*roles: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
