"""Objections (异议): the public form and status page (no sign-in), and the aid office's lists, records,
notes, decisions and supplementary notices."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys import cn
from aidsys.context import address_withheld, current_request_context
from aidsys.pagination import paginate
from aidsys.scope import can_manage_school, can_read_school_rosters, can_read_some_school_rosters, can_reveal
from publicity.forms.objections import DecideForm, NoteForm, ObjectionLodgeForm, ObjectionRecordForm, TrackForm
from publicity.models import NoticeStatus, Objection, ObjectionStatus, PublicNotice
from publicity.selectors import objections as selectors
from publicity.services import objections as services
from publicity.services.supplementary import supplementary_notice_from_roster
from publicity.views import add_errors, error_text

LODGED_SESSION_KEY = "publicity_objection_lodged"

# ---------------------------------------------------------------------------------------------
# Public pages: no sign-in, never cached, never indexed.


def _public(response):
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # Not "no-referrer": the browser would send "Origin: null" with the form, which the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def public_request(view):
    """A request of the public: its address is kept only as a keyed hash (`request.address_hash`, for
    the rate limits), and the audit events it leaves store no address at all."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.address_hash = services.address_hash(current_request_context().ip)
        with address_withheld():
            return view(request, *args, **kwargs)

    return wrapped


def _rate_limited(request, retry_at, notice=None):
    wait_minutes = max(1, int((retry_at - timezone.now()).total_seconds() + 59) // 60)
    response = render(
        request,
        "publicity/objection_rate_limited.html",
        {"notice": notice, "retry_at": timezone.localtime(retry_at), "wait_minutes": wait_minutes},
        status=429,
    )
    response["Retry-After"] = str(wait_minutes * 60)
    return _public(response)


def _running_notice(token) -> tuple[PublicNotice, str]:
    notice = PublicNotice.objects.select_related("school", "program", "term__school_year").filter(token=token).first()
    if notice is None:
        raise Http404
    return notice, selectors.accepts_public_objections(notice)


@require_http_methods(["GET", "POST"])
@public_request
def objection_lodge(request, token):
    """The public objection form: during the notice's period only (not found before, gone after)."""
    notice, state = _running_notice(token)
    if state == "not_yet":
        raise Http404
    if state == "ended":
        return _public(render(request, "publicity/public_ended.html", {"notice": notice}, status=410))
    form = ObjectionLodgeForm(request.POST or None, entries=selectors.public_entries(notice))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            objection = services.objection_lodge(
                notice=notice,
                entry_id=data["entry"].pk if data["entry"] else None,
                name=data["name"],
                contact=data["contact"],
                text=data["text"],
                address=request.address_hash,
            )
        except services.RateLimited as limited:
            return _rate_limited(request, limited.retry_at, notice)
        except ValidationError as error:
            add_errors(form, error)
        else:
            request.session[LODGED_SESSION_KEY] = objection.pk
            return redirect("publicity:objection_thanks", token=notice.token)
    response = render(
        request,
        "publicity/objection_lodge.html",
        {"notice": notice, "form": form, "working_days": settings.AIDSYS_OBJECTION_WORKING_DAYS},
        status=400 if form.errors else 200,
    )
    return _public(response)


@require_GET
@public_request
def objection_thanks(request, token):
    """The tracking number, shown once: the page reads it from the session and forgets it."""
    notice, _state = _running_notice(token)
    objection = Objection.objects.filter(pk=request.session.pop(LODGED_SESSION_KEY, None), notice=notice).first()
    if objection is None:
        raise Http404
    return _public(render(request, "publicity/objection_thanks.html", {"notice": notice, "objection": objection}))


@require_http_methods(["GET", "POST"])
@public_request
def objection_track(request):
    """Anyone with a tracking number sees the status, the deadline and the reply; nothing else."""
    form = TrackForm(request.POST or None)
    objection = None
    if request.method == "POST" and form.is_valid():
        try:
            objection = services.tracking_lookup(number=form.cleaned_data["number"], address=request.address_hash)
        except services.RateLimited as limited:
            return _rate_limited(request, limited.retry_at)
        if objection is None:
            form.add_error("number", _("No objection has this tracking number. Check it and try again."))
    response = render(
        request,
        "publicity/objection_track.html",
        {"form": form, "objection": objection},
        status=400 if form.errors else 200,
    )
    return _public(response)


# ---------------------------------------------------------------------------------------------
# The aid office's pages. The principal and the county's staff read; a class teacher does not.


def _readable_notice(request, pk) -> PublicNotice:
    notice = PublicNotice.objects.select_related(
        "school__county", "program", "term__school_year", "supplements"
    ).get_visible_or_404(request.user, pk=pk)
    if not can_read_school_rosters(request.user, notice.school):
        raise PermissionDenied
    return notice


def _managed_notice(request, pk) -> PublicNotice:
    notice = _readable_notice(request, pk)
    if not can_manage_school(request.user, notice.school_id):
        raise PermissionDenied
    return notice


def _readable_objection(request, pk) -> Objection:
    objection = selectors.objection_for_page(user=request.user, pk=pk)
    notice = objection.notice
    if not can_read_school_rosters(request.user, notice.school):
        raise PermissionDenied
    return objection


def _managed_objection(request, pk) -> Objection:
    objection = _readable_objection(request, pk)
    if not can_manage_school(request.user, objection.notice.school_id):
        raise PermissionDenied
    return objection


STATUS_FILTERS = ("", "open", "overdue", "upheld", "dismissed")


@require_GET
@login_required
def objection_list(request):
    """Every objection of the user's schools (the county's, for its staff), open ones first by deadline."""
    if not can_read_some_school_rosters(request.user):
        raise PermissionDenied
    status = request.GET.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    rows = selectors.objections(user=request.user, filters={"status": status})
    page = paginate(request, rows)
    return render(
        request,
        "publicity/objection_list.html",
        {
            "page": page,
            "objections": page.object_list,
            "status": status,
            "today": timezone.localdate(),
            "working_days": settings.AIDSYS_OBJECTION_WORKING_DAYS,
        },
    )


@require_GET
@login_required
def objection_notice(request, pk):
    """A notice's objections and its supplementary notices."""
    notice = _readable_notice(request, pk)
    family = selectors.family_of(notice)
    page = paginate(request, selectors.objections(user=request.user, notices=family))
    return render(
        request,
        "publicity/objection_notice.html",
        {
            "notice": notice,
            "page": page,
            "objections": page.object_list,
            "supplementary_notices": selectors.supplementary_notices(notice),
            "may_manage": can_manage_school(request.user, notice.school_id),
            "may_record": notice.status == NoticeStatus.PUBLISHED,
            "may_supplement": notice.supplements_id is None and notice.status != NoticeStatus.DRAFT,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def objection_record(request, pk):
    """The aid office records an objection that came by phone, letter or in person."""
    notice = _managed_notice(request, pk)
    form = ObjectionRecordForm(request.POST or None, entries=selectors.public_entries(notice))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            objection = services.objection_record(
                actor=request.user,
                notice=notice,
                channel=data["channel"],
                text=data["text"],
                entry=data["entry"],
                name=data["name"],
                contact=data["contact"],
                received_on=data["received_on"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Objection {number} has been recorded; it is to be answered by {deadline}.").format(
                    number=objection.tracking_number, deadline=objection.deadline.isoformat()
                ),
            )
            return redirect("publicity:objection_detail", pk=objection.pk)
    return render(
        request,
        "publicity/objection_form.html",
        {"notice": notice, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def supplementary_from_roster(request, pk):
    """The aid office asks for a supplementary notice of the roster's changes since publication."""
    notice = _managed_notice(request, pk)
    try:
        draft = supplementary_notice_from_roster(actor=request.user, original=notice)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("publicity:objection_notice", pk=notice.pk)
    if draft is None:
        messages.info(request, _("The roster is as its notices show it: there is nothing to notice again."))
        return redirect("publicity:objection_notice", pk=notice.pk)
    messages.success(
        request,
        _("The supplementary notice has been drafted with the changed lines. Check it, then publish it."),
    )
    return redirect(draft)


@require_GET
@login_required
def objection_detail(request, pk):
    objection = _readable_objection(request, pk)
    may_manage = can_manage_school(request.user, objection.notice.school_id)
    is_open = objection.status == ObjectionStatus.OPEN
    return render(
        request,
        "publicity/objection_detail.html",
        {
            "objection": objection,
            "contact_masked": cn.mask_contact(objection.contact),
            "may_reveal_contact": bool(objection.contact) and can_reveal(request.user),
            "notes": selectors.notes_of(objection),
            "may_manage": may_manage and is_open,
            "note_form": NoteForm(),
            "supplementary_notices": selectors.supplementary_notices(objection.notice)
            if objection.status == ObjectionStatus.UPHELD
            else [],
        },
    )


@require_POST
@login_required
def objection_contact_reveal(request, pk):
    objection = _readable_objection(request, pk)
    value = services.objection_contact_reveal(actor=request.user, objection=objection)
    return render(request, "publicity/_objection_contact_revealed.html", {"value": value, "objection": objection})


@require_POST
@login_required
def objection_note_add(request, pk):
    objection = _managed_objection(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.objection_note_add(actor=request.user, objection=objection, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            form = NoteForm()
    if request.htmx:
        return render(
            request,
            "publicity/objection_notes.html",
            {"objection": objection, "notes": selectors.notes_of(objection), "note_form": form, "may_manage": True},
            status=400 if form.errors else 200,
        )
    if form.errors:
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
    return redirect("publicity:objection_detail", pk=objection.pk)


@require_http_methods(["GET", "POST"])
@login_required
def objection_decide(request, pk):
    objection = _managed_objection(request, pk)
    if objection.status != ObjectionStatus.OPEN:
        messages.error(
            request, _("Objection {number} has already been decided.").format(number=objection.tracking_number)
        )
        return redirect("publicity:objection_detail", pk=objection.pk)
    entries = selectors.public_entries(objection.notice).select_related("application")
    initial = {"entry": objection.entry_id, "revocation_reason": "false_materials"}
    form = DecideForm(request.POST or None, entries=entries, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.objection_decide(
                actor=request.user,
                objection=objection,
                outcome=data["outcome"],
                decision=data["decision"],
                reply=data["reply"],
                entry=data["entry"],
                action=data["action"],
                tier=data["tier"],
                amount=data["amount"],
                amount_reason=data["amount_reason"],
                revocation_reason=data["revocation_reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if data["outcome"] == ObjectionStatus.UPHELD:
                messages.success(
                    request,
                    _(
                        "The objection has been upheld and the roster changed. The change is in the draft "
                        "supplementary notice; the principal signs the changed roster again."
                    ),
                )
            else:
                messages.success(request, _("The objection has been dismissed; the reply is on the status page."))
            return redirect("publicity:objection_detail", pk=objection.pk)
    return render(
        request,
        "publicity/objection_decide.html",
        {"objection": objection, "form": form},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------------------------
# Reminders: each user's own.


@require_GET
@login_required
def reminder_list(request):
    page = paginate(request, selectors.reminders(request.user))
    return render(request, "publicity/objection_reminders.html", {"page": page, "reminders": page.object_list})


@require_POST
@login_required
def reminders_read(request):
    services.reminders_mark_read(actor=request.user)
    return redirect(reverse("publicity:objection_reminders"))


urlpatterns = [
    path("n/<str:token>/objection/", objection_lodge, name="objection_lodge"),
    path("n/<str:token>/objection/thanks/", objection_thanks, name="objection_thanks"),
    path("objections/track/", objection_track, name="objection_track"),
    path("objections/", objection_list, name="objection_list"),
    path("objections/<int:pk>/", objection_detail, name="objection_detail"),
    path("objections/<int:pk>/contact/", objection_contact_reveal, name="objection_contact_reveal"),
    path("objections/<int:pk>/notes/", objection_note_add, name="objection_note_add"),
    path("objections/<int:pk>/decide/", objection_decide, name="objection_decide"),
    path("objections/reminders/", reminder_list, name="objection_reminders"),
    path("objections/reminders/read/", reminders_read, name="objection_reminders_read"),
    path("notices/<int:pk>/objections/", objection_notice, name="objection_notice"),
    path("notices/<int:pk>/objections/new/", objection_record, name="objection_record"),
    path("notices/<int:pk>/supplementary/", supplementary_from_roster, name="supplementary_from_roster"),
]
