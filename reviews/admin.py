"""Reviews in the admin: read-only. Decisions, sign-offs and revocations are transitions with their
rules (quota, four-eyes, roster lock) and go through the review screens' services only."""

from django.contrib import admin

from aidsys.admin import AuditedAdmin
from reviews.models import ReviewPanel, ReviewPanelMember, Revocation, RosterSignoff


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PanelMemberInline(admin.TabularInline):
    model = ReviewPanelMember
    extra = 0
    can_delete = False
    fields = ["name", "role", "title"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReviewPanel)
class ReviewPanelAdmin(ReadOnlyAdmin):
    list_display = ["school", "term", "formed_on"]
    list_filter = ["term"]
    list_select_related = ["school", "term__school_year"]
    inlines = [PanelMemberInline]


@admin.register(RosterSignoff)
class RosterSignoffAdmin(ReadOnlyAdmin):
    list_display = ["school", "program", "term", "status", "version", "decided_at"]
    list_filter = ["status", "term"]
    list_select_related = ["school", "program", "term__school_year"]


@admin.register(Revocation)
class RevocationAdmin(ReadOnlyAdmin):
    list_display = ["application", "reason", "effective_term", "revoked_at"]
    list_filter = ["reason"]
    list_select_related = ["application__student", "application__program", "application__term__school_year"]
    raw_id_fields = ["application"]
