"""The registry's screens: rosters, the student page, household, members, special groups, home visits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.models import School, SchoolClass, Term
from aidsys.pagination import paginate
from aidsys.scope import can_import_for_school, can_keep_records, can_read_school_rosters, can_reveal
from aidsys.storage import open_stream
from students import privacy, selectors, services
from students.forms import (
    HomeVisitForm,
    HouseholdForm,
    HouseholdJoinForm,
    MemberForm,
    ReasonForm,
    RosterFilterForm,
    SpecialGroupForm,
    StatusForm,
    StudentForm,
)
from students.models import HomeVisit, HomeVisitPhoto, SpecialGroupFlag


def _school_year_of(school: School):
    term = school.current_term or Term.current()
    if term is None:
        raise Http404
    return term.school_year


def _editable_student(request, pk):
    student = selectors.student_for_page(user=request.user, pk=pk)
    if not can_keep_records(request.user, student.school_id, student.school_class_id):
        raise PermissionDenied
    return student


def _roster_page(request, *, template, school, school_class=None):
    form = RosterFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    school_year = _school_year_of(school)
    page = paginate(
        request,
        selectors.roster(
            user=request.user, school_year=school_year, school_class=school_class, school=school, filters=filters
        ),
    )
    return render(
        request,
        template,
        {
            "school": school,
            "school_class": school_class,
            "school_year": school_year,
            "form": form,
            "page": page,
            "students": page.object_list,
            "filtered": bool(filters and any(filters.values())),
            "may_export_school": can_read_school_rosters(request.user, school),
            "may_import": can_import_for_school(request.user, school),
        },
    )


@require_GET
@login_required
def class_roster(request, class_pk):
    school_class = SchoolClass.objects.select_related("school__current_term").get_visible_or_404(
        request.user, pk=class_pk
    )
    return _roster_page(
        request, template="students/class_roster.html", school=school_class.school, school_class=school_class
    )


@require_GET
@login_required
def school_students(request, school_pk):
    school = School.objects.select_related("current_term").get_visible_or_404(request.user, pk=school_pk)
    return _roster_page(request, template="students/school_students.html", school=school)


@require_GET
@login_required
def student_detail(request, pk):
    student = selectors.student_for_page(user=request.user, pk=pk)
    household = student.household
    members = list(household.members.all())
    school_year = _school_year_of(student.school)
    return render(
        request,
        "students/student_detail.html",
        {
            "student": student,
            "household": household,
            "members": members,
            "per_capita_income_masked": privacy.masked_value(student, "income"),
            "siblings": [s for s in household.students.all() if s.pk != student.pk],
            "visits": student.visits.all(),
            "visited_this_year": any(v.school_year_id == school_year.pk for v in student.visits.all()),
            "may_edit": can_keep_records(request.user, student.school_id, student.school_class_id),
            "history": selectors.student_history(student),
            "history_names_objects": True,
            "remove_form": ReasonForm(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def student_edit(request, pk):
    student = _editable_student(request, pk)
    initial = {name: getattr(student, name) for name in StudentForm.base_fields if name not in StudentForm.WRITE_ONLY}
    form = StudentForm(request.POST or None, initial=initial, student=student)
    if request.method == "POST" and form.is_valid():
        try:
            services.student_update(actor=request.user, student=student, data=form.changes())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The student's details have been saved."))
            return redirect(student)
    return render(request, "students/_form_page.html", {"student": student, "form": form, "heading": _("Edit details")})


@require_http_methods(["GET", "POST"])
@login_required
def student_status(request, pk):
    student = _editable_student(request, pk)
    form = StatusForm(
        request.POST or None, initial={"status": student.status, "since": student.status_since or timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.student_status_change(actor=request.user, student=student, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The enrolment status has been changed."))
            return redirect(student)
    return render(
        request,
        "students/_form_page.html",
        {"student": student, "form": form, "heading": _("Change the enrolment status")},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def student_reveal(request, pk, field):
    student = selectors.student_for_page(user=request.user, pk=pk)
    if field not in privacy.SENSITIVE_FIELDS:
        raise Http404
    value = services.sensitive_reveal(actor=request.user, student=student, field=field)
    return render(request, "students/_revealed.html", {"value": value, "student": student, "field": field})


@require_http_methods(["GET", "POST"])
@login_required
def household_edit(request, pk):
    student = _editable_student(request, pk)
    household = student.household
    form = HouseholdForm(request.POST or None, initial={"township": household.township}, household=household)
    if request.method == "POST" and form.is_valid():
        services.household_update(actor=request.user, household=household, data=form.changes())
        messages.success(request, _("The address has been saved."))
        return redirect(student)
    return render(request, "students/_form_page.html", {"student": student, "form": form, "heading": _("Edit address")})


@require_http_methods(["GET", "POST"])
@login_required
def household_join(request, pk):
    student = _editable_student(request, pk)
    form = HouseholdJoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sibling = selectors.student_by_id_number(user=request.user, id_number=form.cleaned_data["id_number"])
        if (
            sibling is None
            or sibling.pk == student.pk
            or not can_keep_records(request.user, sibling.school_id, sibling.school_class_id)
        ):
            form.add_error("id_number", _("No other student you may edit has this ID number."))
        else:
            try:
                services.household_join(
                    actor=request.user, student=student, sibling=sibling, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
            else:
                messages.success(request, _("{sibling} now belongs to this household.").format(sibling=sibling.name))
                return redirect(student)
    return render(
        request,
        "students/_form_page.html",
        {"student": student, "form": form, "heading": _("Join a brother's or sister's household")},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def member_new(request, pk):
    student = _editable_student(request, pk)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(actor=request.user, household=student.household, **form.changes())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The family member has been added."))
            return redirect(student)
    return render(
        request, "students/member_form.html", {"student": student, "form": form, "heading": _("Add a family member")}
    )


@require_http_methods(["GET", "POST"])
@login_required
def member_edit(request, pk, member_pk):
    student = _editable_student(request, pk)
    member = get_object_or_404(student.household.members, pk=member_pk)
    show_health = can_reveal(request.user)
    initial = {
        name: getattr(member, name) for name in MemberForm.base_fields if name not in ("id_number", "annual_income")
    }
    form = MemberForm(request.POST or None, initial=initial, member=member, show_health=show_health)
    if show_health and request.method == "GET":
        services.member_health_reveal(actor=request.user, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(actor=request.user, member=member, data=form.changes(member))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The family member has been saved."))
            return redirect(student)
    return render(
        request,
        "students/member_form.html",
        {
            "student": student,
            "member": member,
            "form": form,
            "remove_form": ReasonForm(),
            "heading": _("Edit a family member"),
        },
    )


@require_POST
@login_required
def member_remove(request, pk, member_pk):
    student = _editable_student(request, pk)
    member = get_object_or_404(student.household.members, pk=member_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the family member is removed."))
        return redirect("students:member_edit", pk=pk, member_pk=member_pk)
    services.member_remove(actor=request.user, member=member, reason=form.cleaned_data["reason"])
    messages.success(request, _("The family member has been removed."))
    return redirect(student)


@require_http_methods(["GET", "POST"])
@login_required
def special_group_add(request, pk):
    student = _editable_student(request, pk)
    form = SpecialGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.special_group_set(actor=request.user, household=student.household, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The special group has been recorded."))
            return redirect(student)
    return render(
        request,
        "students/_form_page.html",
        {"student": student, "form": form, "heading": _("Record a special group")},
    )


@require_POST
@login_required
def special_group_remove(request, pk, flag_pk):
    student = _editable_student(request, pk)
    flag = get_object_or_404(SpecialGroupFlag, pk=flag_pk, household=student.household)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the special group is removed."))
        return redirect(student)
    try:
        services.special_group_remove(actor=request.user, flag=flag, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The special group has been removed."))
    return redirect(student)


@require_http_methods(["GET", "POST"])
@login_required
def visit_new(request, pk):
    student = _editable_student(request, pk)
    form = HomeVisitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photos = data.pop("photos")
        try:
            services.home_visit_record(
                actor=request.user,
                student=student,
                school_year=_school_year_of(student.school),
                photos=photos,
                **data,
            )
        except ValidationError as error:
            # A refused photo goes beside the photos; a refused date beside the date (the error names it).
            form.add_error("photos" if photos and not hasattr(error, "error_dict") else None, error)
        else:
            messages.success(request, _("The home visit has been recorded."))
            return redirect(student)
    return render(
        request,
        "students/visit_form.html",
        {"student": student, "form": form, "heading": _("Record a home visit"), "multipart": True},
    )


@require_POST
@login_required
def visit_health_reveal(request, visit_pk):
    visit = get_object_or_404(HomeVisit.objects.visible_to(request.user).select_related("visitor"), pk=visit_pk)
    value = services.home_visit_health_reveal(actor=request.user, visit=visit)
    return render(request, "students/_visit_health_revealed.html", {"visit": visit, "value": value})


@require_GET
@login_required
def visit_photo(request, photo_pk):
    photo = get_object_or_404(
        HomeVisitPhoto.objects.visible_to(request.user).filter(Q(pk=photo_pk)).select_related("visit")
    )
    services.visit_photo_view_record(actor=request.user, photo=photo)
    response = FileResponse(open_stream(photo.image.storage, photo.image.name), content_type="image/jpeg")
    # A photo of a family's home is private: kept by no cache, so that every showing is checked and recorded.
    response["Cache-Control"] = "no-store, private"
    return response
