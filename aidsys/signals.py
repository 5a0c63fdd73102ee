"""Sign-ins, failed sign-ins and sign-outs are audit events (Django sends them as signals)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from aidsys.services.audit import Action, audit_record


@receiver(user_logged_in, dispatch_uid="aidsys_audit_login")
def audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, action=Action.LOGIN, target=user)


@receiver(user_login_failed, dispatch_uid="aidsys_audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")[:150]
    known = get_user_model().objects.filter(username=username).first()
    audit_record(actor=None, actor_name=username, action=Action.LOGIN_FAILED, target=known)


@receiver(user_logged_out, dispatch_uid="aidsys_audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:  # a sign-out without a session signs nobody out
        audit_record(actor=user, action=Action.LOGOUT, target=user)
