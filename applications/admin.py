from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from aidsys.admin import AuditedAdmin
from applications.models import AidProgram, ApplicationWindow, FundingShare, ProgramStandard, Quota
from applications.services.quotas import quota_allocate, quota_problems


class ReadOnlyInline(admin.TabularInline):
    """Shown for reference: the program's pages edit a year's standards and split whole, where the rules hold."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StandardInline(ReadOnlyInline):
    model = ProgramStandard
    fields = ["school_year", "tier", "boarding", "amount_per_year"]


class FundingShareInline(ReadOnlyInline):
    model = FundingShare
    fields = ["school_year", "source", "percent"]


class WindowInline(ReadOnlyInline):
    model = ApplicationWindow
    fields = ["term", "opens", "closes"]


@admin.register(AidProgram)
class AidProgramAdmin(AuditedAdmin):
    list_display = ["code", "name", "county", "pay_period", "active"]
    list_filter = ["county", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["county"]
    inlines = [StandardInline, FundingShareInline, WindowInline]


class QuotaAdminForm(forms.ModelForm):
    class Meta:
        model = Quota
        fields = ["program", "term", "school", "tier", "awards", "amount"]

    def clean(self):
        data = super().clean()
        quota = self.instance
        program = data.get("program") or getattr(quota, "program", None)
        term = data.get("term") or getattr(quota, "term", None)
        school = data.get("school") or getattr(quota, "school", None)
        if program and term and school and not self.errors:
            problems = quota_problems(
                program=program,
                term=term,
                school=school,
                tier=data.get("tier", quota.tier) or "",
                awards=data.get("awards"),
                amount=data.get("amount"),
            )
            if problems:
                raise ValidationError(problems)
        return data


@admin.register(Quota)
class QuotaAdmin(AuditedAdmin):
    """Saved through `quota_allocate`, so the admin cannot set a quota below what is used either."""

    form = QuotaAdminForm
    list_display = ["school", "program", "term", "tier", "awards", "amount"]
    list_filter = ["program", "term"]
    list_select_related = ["school", "program", "term__school_year"]
    raw_id_fields = ["school"]

    def get_readonly_fields(self, request, obj=None):
        # A quota's place (school, program, term, tier) is its identity: a different place is a new quota.
        return ["program", "term", "school", "tier"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        saved = quota_allocate(
            actor=request.user,
            program=obj.program,
            term=obj.term,
            school=obj.school,
            tier=obj.tier,
            awards=obj.awards,
            amount=obj.amount,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        quota_allocate(
            actor=request.user,
            program=obj.program,
            term=obj.term,
            school=obj.school,
            tier=obj.tier,
            awards=None,
            amount=None,
        )

    def has_delete_permission(self, request, obj=None):
        # A quota that approvals already use stays: removing it would leave them without one.
        if obj is not None and quota_problems(
            program=obj.program, term=obj.term, school=obj.school, tier=obj.tier, awards=None, amount=None
        ):
            return False
        return super().has_delete_permission(request, obj)
