import json

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aidsys import calendar, cn, selectors
from aidsys.forms import (
    AuditFilterForm,
    ClassTeacherForm,
    CurrentTermForm,
    HolidayForm,
    ReasonForm,
    WorkingPeriodForm,
)
from aidsys.models import AuditAnchor, County, Holiday, Role, School, SchoolClass, county_partition
from aidsys.pagination import paginate
from aidsys.roles import has_role, role_required
from aidsys.scope import can_act_for_county, can_manage_school, can_sign_for_school, scope_for
from aidsys.services.audit_chain import anchors_export, audit_anchors_exported
from aidsys.services.calendar import holiday_create, holiday_delete, holiday_update
from aidsys.services.org import school_class_assign_teacher, school_set_current_term
from aidsys.services.people import user_set_password
from aidsys.todo import todo_for

CALENDAR_KEEPERS = (Role.COUNTY_STAFF,)
AUDIT_READERS = (Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)
ANCHOR_READERS = (Role.COUNTY_STAFF,)


@require_GET
@login_required
def dashboard(request):
    scope = scope_for(request.user)
    return render(
        request,
        "aidsys/dashboard.html",
        {
            "todo": todo_for(request.user),
            "roles": scope.roles,
            "schools": selectors.school_list(user=request.user) if not scope.class_ids or scope.school_ids else [],
            "classes": selectors.dashboard_classes(user=request.user) if scope.class_ids else [],
            "no_role": not scope.roles,
        },
    )


@require_GET
@login_required
def school_list(request):
    # A county has about a hundred schools, a province's admin thousands: a page at a time.
    return render(
        request, "aidsys/school_list.html", {"page": paginate(request, selectors.school_list(user=request.user))}
    )


def _school_page(request, school, term_form=None, status=200):
    manages = can_manage_school(request.user, school)
    classes = selectors.school_classes(user=request.user, school=school)
    # The current term decides which year's classes show first; ?year=all shows every year.
    show_all = request.GET.get("year") == "all" or school.current_term is None
    if not show_all:
        classes = classes.filter(school_year=school.current_term.school_year_id)
    sees_staff = manages or can_sign_for_school(request.user, school)
    return render(
        request,
        "aidsys/school_detail.html",
        {
            "school": school,
            "classes": classes,
            "show_all_years": show_all,
            "staff": selectors.school_staff(school=school) if sees_staff else [],
            "manages": manages,
            "term_form": term_form or CurrentTermForm(initial={"term": school.current_term}),
            "history": selectors.object_history(obj=school),
        },
        status=status,
    )


@require_GET
@login_required
def school_detail(request, pk):
    school = School.objects.select_related("county", "current_term__school_year").get_visible_or_404(
        request.user, pk=pk
    )
    return _school_page(request, school)


@require_http_methods(["GET", "POST"])
@login_required
def school_current_term(request, pk):
    if request.method == "GET":  # the page of this form, when a refusal shown at this address is reloaded
        return school_detail(request, pk)
    school = School.objects.get_visible_or_404(request.user, pk=pk)
    if not can_manage_school(request.user, school):
        raise PermissionDenied
    form = CurrentTermForm(request.POST)
    if not form.is_valid():
        return _school_page(request, school, term_form=form, status=400)
    school_set_current_term(actor=request.user, school=school, term=form.cleaned_data["term"])
    messages.success(request, _("The current term is now {term}.").format(term=form.cleaned_data["term"]))
    return redirect(school)


@require_http_methods(["GET", "POST"])
@login_required
def class_detail(request, pk):
    school_class = SchoolClass.objects.select_related("school", "class_teacher", "school_year").get_visible_or_404(
        request.user, pk=pk
    )
    manages = can_manage_school(request.user, school_class.school)
    form = None
    if manages:
        teachers = selectors.class_teachers_of(school=school_class.school)
        form = ClassTeacherForm(
            request.POST or None, teachers=teachers, initial={"class_teacher": school_class.class_teacher}
        )
        if request.method == "POST" and form.is_valid():
            try:
                school_class_assign_teacher(
                    actor=request.user,
                    school_class=school_class,
                    class_teacher=form.cleaned_data["class_teacher"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The class teacher has been saved."))
                return redirect(school_class)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "aidsys/class_detail.html",
        {
            "school_class": school_class,
            "form": form,
            "history": selectors.object_history(obj=school_class),
        },
    )


@require_GET
@login_required
def holiday_list(request):
    holidays = Holiday.objects.order_by("-date")
    # The calculator answers "when does a notice that starts on this day end?", with the warning
    # a year without holiday data brings.
    period_form = WorkingPeriodForm(request.GET if "start" in request.GET else None)
    period = None
    if period_form.is_valid():
        period = calendar.working_period(period_form.cleaned_data["start"], period_form.cleaned_data["days"])
    return render(
        request,
        "aidsys/holiday_list.html",
        {
            "page": paginate(request, holidays),
            "can_edit": has_role(request.user, *CALENDAR_KEEPERS),
            "calendar_years": cn.calendar_package_years(),
            "period_form": period_form,
            "period": period,
        },
        status=400 if period_form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*CALENDAR_KEEPERS)
def holiday_new(request):
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        holiday_create(actor=request.user, day=data["date"], kind=data["kind"], name=data["name"])
        messages.success(request, _("The day has been added to the calendar."))
        return redirect("aidsys:holiday_list")
    return render(request, "aidsys/holiday_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(*CALENDAR_KEEPERS)
def holiday_edit(request, pk):
    holiday = get_object_or_404(Holiday, pk=pk)
    form = HolidayForm(request.POST or None, instance=holiday)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        holiday_update(actor=request.user, holiday=holiday, day=data["date"], kind=data["kind"], name=data["name"])
        messages.success(request, _("The day has been saved."))
        return redirect("aidsys:holiday_list")
    return render(
        request,
        "aidsys/holiday_form.html",
        {
            "form": form,
            "holiday": holiday,
            "delete_form": ReasonForm(),
            "history": selectors.object_history(obj=holiday),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*CALENDAR_KEEPERS)
def holiday_remove(request, pk):
    if request.method == "GET":  # the page of this form, when a refusal shown at this address is reloaded
        return holiday_edit(request, pk)
    holiday = get_object_or_404(Holiday, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        context = {
            "form": HolidayForm(instance=holiday),
            "holiday": holiday,
            "delete_form": form,
            "history": selectors.object_history(obj=holiday),
        }
        return render(request, "aidsys/holiday_form.html", context, status=400)
    holiday_delete(actor=request.user, holiday=holiday, reason=form.cleaned_data["reason"])
    messages.success(request, _("The day has been removed from the calendar."))
    return redirect("aidsys:holiday_list")


@require_GET
@role_required(*AUDIT_READERS)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events(user=request.user, action=filters.get("action", ""), query=filters.get("q", ""))
    return render(
        request,
        "aidsys/audit_list.html",
        {
            "form": form,
            "page": paginate(request, events),
            "sees_anchors": has_role(request.user, *ANCHOR_READERS),
        },
    )


def _anchors_in_scope(request) -> tuple[County | None, object]:
    """The anchors the user may see, of one county when ?county= names one (404 outside scope)."""
    anchors = AuditAnchor.objects.visible_to(request.user)
    county_pk = request.GET.get("county", "")
    if not county_pk:
        return None, anchors
    if not county_pk.isdigit():
        raise Http404
    county = get_object_or_404(County, pk=county_pk)
    if not can_act_for_county(request.user, county):
        raise Http404
    return county, anchors.filter(partition=county_partition(county.pk))


@require_GET
@role_required(*ANCHOR_READERS)
def audit_anchors(request):
    county, anchors = _anchors_in_scope(request)
    return render(
        request,
        "aidsys/audit_anchors.html",
        {
            "county": county,
            "page": paginate(request, anchors.order_by("-created_at", "partition")),
        },
    )


@require_GET
@role_required(*ANCHOR_READERS)
def audit_anchors_export(request):
    county, anchors = _anchors_in_scope(request)
    exported = anchors_export(anchors)
    audit_anchors_exported(actor=request.user, county=county, count=len(exported["anchors"]))
    response = HttpResponse(
        json.dumps(exported, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    name = f"audit-anchors-{county.code}" if county else "audit-anchors"
    response["Content-Disposition"] = f'attachment; filename="{name}-{exported["exported_at"][:10]}.json"'
    return response


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        user_set_password(actor=self.request.user, user=self.request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, self.request.user)
        return redirect(self.get_success_url())
