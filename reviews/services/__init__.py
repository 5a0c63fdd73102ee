"""Writes of the reviews. Each is one transaction, checks who acts, and leaves its audit events."""

from aidsys.transitions import InvalidTransition
from reviews.services.first_review import application_not_recommend, application_recommend, application_return
from reviews.services.meetings import meeting_print, meeting_record, meeting_update
from reviews.services.panel import panel_member_add, panel_member_remove, panel_print, panel_save
from reviews.services.revocation import application_revoke
from reviews.services.second_review import (
    application_approve,
    application_reconsider,
    application_reject,
    application_send_back,
    applications_approve,
)
from reviews.services.signoff import roster_return, roster_sign, roster_submit
from reviews.services.signoff_sheet import signoff_print

__all__ = [
    "InvalidTransition",
    "application_approve",
    "application_not_recommend",
    "application_recommend",
    "application_reconsider",
    "application_reject",
    "application_return",
    "application_revoke",
    "application_send_back",
    "applications_approve",
    "meeting_print",
    "meeting_record",
    "meeting_update",
    "panel_member_add",
    "panel_member_remove",
    "panel_print",
    "panel_save",
    "roster_return",
    "roster_sign",
    "roster_submit",
    "signoff_print",
]
