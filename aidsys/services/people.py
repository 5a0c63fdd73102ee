"""Writes to users and their role memberships."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from aidsys.models import County, Membership, School, User
from aidsys.services.audit import Action, audit_record
from aidsys.services.writes import instance_create, instance_update


@transaction.atomic
def user_create(*, actor, username: str, full_name: str, password: str, phone: str = "", is_superuser=False) -> User:
    user = User(username=username, full_name=full_name, phone=phone, is_superuser=is_superuser, is_staff=is_superuser)
    user.set_password(password)
    # The password hash is never written into the trail.
    user.full_clean()
    user.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=user,
        changes={
            "username": [None, username],
            "full_name": [None, full_name],
            "is_superuser": [None, is_superuser],
        },
    )
    return user


@transaction.atomic
def user_set_password(*, actor, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action=Action.UPDATE, target=user, changes={"password": ["***", "***"]})


@transaction.atomic
def user_grant_permission(*, actor, user: User, permission: str, reason: str = "") -> bool:
    """Give a user a permission such as 'students.reveal_sensitive'. Returns False if they had it."""
    from django.contrib.auth.models import Permission

    app_label, codename = permission.split(".")
    if user.user_permissions.filter(content_type__app_label=app_label, codename=codename).exists():
        return False
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    audit_record(
        actor=actor, action=Action.UPDATE, target=user, changes={"permissions": [None, permission]}, reason=reason
    )
    return True


def membership_grant(
    *,
    actor,
    user: User,
    role: str,
    school: School | None = None,
    county: County | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Membership:
    return instance_create(
        actor=actor,
        instance=Membership(
            user=user, role=role, school=school, county=county, start=start or timezone.localdate(), end=end
        ),
    )


def membership_end(*, actor, membership: Membership, end: date | None = None, reason: str = "") -> dict:
    return instance_update(actor=actor, instance=membership, data={"end": end or timezone.localdate()}, reason=reason)
