"""The admin for the system administrator. Every save and delete goes through the audited services."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from aidsys.forms import PlausibleDateField
from aidsys.models import (
    AuditEvent,
    County,
    Holiday,
    Membership,
    School,
    SchoolClass,
    SchoolYear,
    Stage,
    Term,
    User,
)
from aidsys.selectors import object_history
from aidsys.services.org import school_year_create
from aidsys.services.people import user_set_password
from aidsys.services.writes import instance_create, instance_delete, instance_update

# Headings of Django's admin/app_list.html (shown on every admin page) that Django's own zh_Hans catalogue
# lacks: named here so that the project's catalogue carries them and the admin reads Chinese throughout.
DJANGO_ADMIN_STRINGS = (gettext_noop("Model name"), gettext_noop("Add link"), gettext_noop("Change or view list link"))

# Groups are not how roles work here (memberships are); axes' lockout records are cleared with
# `manage.py axes_reset_username USERNAME`, so neither needs a page of its own.
admin.site.unregister(Group)
for axes_model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(axes_model):
        admin.site.unregister(axes_model)

admin.site.site_header = _("Student Aid Management: system administration")
admin.site.site_title = _("Student Aid Management")


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes as the services do: validated, in a transaction, with an audit event."""

    formfield_overrides = {models.DateField: {"form_class": PlausibleDateField}}

    def save_model(self, request, obj, form, change):
        if change:
            # The form has already set the new values on obj; the service reads the stored row for "before".
            data = {name: getattr(obj, name) for name in form.changed_data if hasattr(obj, name)}
            instance_update(actor=request.user, instance=obj, data=data)
        else:
            instance_create(actor=request.user, instance=obj)

    def delete_model(self, request, obj):
        instance_delete(actor=request.user, instance=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            instance_delete(actor=request.user, instance=obj)

    def history_view(self, request, object_id, extra_context=None):
        """The object's 操作记录 from the audit trail, not Django's separate admin log."""
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "title": _("History of {object}").format(object=obj),
            "opts": self.opts,
            "object": obj,
            "history": object_history(obj=obj),
        }
        return TemplateResponse(request, "admin/aidsys_history.html", context)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ["username", "full_name", "phone", "is_active", "is_superuser"]
    search_fields = ["username", "full_name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal details"), {"fields": ["full_name", "phone", "email"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "full_name", "password1", "password2"]})]

    def user_change_password(self, request, id, form_url=""):
        """Django's page, but the new password is set by the audited service."""
        user = self.get_object(request, id)
        if request.method == "POST" and user is not None and self.has_change_permission(request, user):
            form = self.change_password_form(user, request.POST)
            if form.is_valid() and form.cleaned_data.get("password1"):
                user_set_password(actor=request.user, user=user, password=form.cleaned_data["password1"])
                if user.pk == request.user.pk:
                    update_session_auth_hash(request, user)
                messages.success(request, _("The password has been changed."))
                return redirect("admin:aidsys_user_change", user.pk)
        return super().user_change_password(request, id, form_url)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "role", "school", "county", "start", "end"]
    list_filter = ["role", "county", "school"]
    search_fields = ["user__username", "user__full_name"]
    autocomplete_fields = ["user"]


@admin.register(County)
class CountyAdmin(AuditedAdmin):
    list_display = ["code", "name", "notice_working_days"]
    search_fields = ["code", "name"]


class SchoolForm(forms.ModelForm):
    stages = forms.MultipleChoiceField(label=_("stages"), choices=Stage.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = School
        fields = ["county", "code", "name", "stages", "address", "complaint_phone", "current_term"]


@admin.register(School)
class SchoolAdmin(AuditedAdmin):
    form = SchoolForm
    list_display = ["code", "name", "county", "current_term"]
    list_filter = ["county"]
    search_fields = ["code", "name"]


class TermInline(admin.TabularInline):
    model = Term
    extra = 0
    can_delete = False
    # Terms are created with their year by the service; here they are shown, not edited.
    readonly_fields = ["kind", "start", "end"]

    def has_add_permission(self, request, obj=None):
        return False


class SchoolYearAddForm(forms.ModelForm):
    """A school year is created with its two terms (school_year_create)."""

    autumn_start = PlausibleDateField(label=_("Autumn term: first day"))
    autumn_end = PlausibleDateField(label=_("Autumn term: last day"))
    spring_start = PlausibleDateField(label=_("Spring term: first day"))
    spring_end = PlausibleDateField(label=_("Spring term: last day"))

    class Meta:
        model = SchoolYear
        fields = ["start_year"]


@admin.register(SchoolYear)
class SchoolYearAdmin(AuditedAdmin):
    list_display = ["__str__"]
    inlines = [TermInline]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SchoolYearAddForm
        return super().get_form(request, obj, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        created = school_year_create(
            actor=request.user,
            start_year=data["start_year"],
            autumn=(data["autumn_start"], data["autumn_end"]),
            spring=(data["spring_start"], data["spring_end"]),
        )
        obj.pk = created.pk


@admin.register(Term)
class TermAdmin(AuditedAdmin):
    list_display = ["__str__", "start", "end"]
    list_filter = ["school_year"]


@admin.register(SchoolClass)
class SchoolClassAdmin(AuditedAdmin):
    list_display = ["__str__", "school", "school_year", "class_teacher"]
    list_filter = ["school_year", "school"]
    autocomplete_fields = ["class_teacher"]


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, in the admin as everywhere."""

    list_display = ["created_at", "actor_name", "actor_role", "action", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_name", "object_repr", "request_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
