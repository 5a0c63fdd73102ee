"""初审 screens: the class teacher's list of applications to review, and the review of one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Value, When
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aidsys.models import SchoolClass
from aidsys.pagination import paginate
from aidsys.scope import can_teach_class
from applications.models import Application, Status
from applications.services.quota_limits import quota_states
from reviews import selectors, services
from reviews.forms import NotRecommendForm, RecommendForm, ReturnForm
from reviews.scoring import hardship_score
from reviews.services.first_review import FIRST_REVIEW_FROM
from reviews.views.common import add_errors


@require_GET
@login_required
def first_review_list(request, class_pk):
    school_class = SchoolClass.objects.select_related("school", "school_year").get_visible_or_404(
        request.user, pk=class_pk
    )
    if not can_teach_class(request.user, school_class):
        raise PermissionDenied
    groups = [
        (_("Awaiting your first review"), Status.SUBMITTED),
        (_("Sent back by the aid office"), Status.SENT_BACK),
        (_("Returned for completion"), Status.RETURNED),
    ]
    found = selectors.first_review_applications(user=request.user, school_class=school_class)
    counts = dict(found.order_by().values_list("status").annotate(n=Count("pk")))
    # One page over the three groups, in the order they are shown; each group shows its rows of the page.
    group_order = Case(*(When(status=status, then=Value(n)) for n, (_title, status) in enumerate(groups)))
    page = paginate(request, found.order_by(group_order, "submitted_at", "pk"))
    return render(
        request,
        "reviews/first_review_list.html",
        {
            "school_class": school_class,
            "page": page,
            "groups": [
                (title, status, counts.get(status, 0), [(a, hardship_score(a)) for a in page if a.status == status])
                for title, status in groups
            ],
        },
    )


def _first_review_page(
    request, application, *, recommend_form=None, return_form=None, not_recommend_form=None, status=200
):
    visits = selectors.visits_this_year(application)
    tier = application.recommended_tier or (visits[0].suggested_tier if visits else application.requested_tier)
    return render(
        request,
        "reviews/first_review.html",
        {
            "application": application,
            "student": application.student,
            "score": hardship_score(application),
            "visits": visits,
            "quotas": quota_states(
                program=application.program,
                term=application.term,
                school=application.school,
                school_class=application.school_class,
            ),
            "open": application.status in FIRST_REVIEW_FROM,
            "recommend_form": recommend_form or RecommendForm(initial={"tier": tier}),
            "return_form": return_form or ReturnForm(),
            "not_recommend_form": not_recommend_form or NotRecommendForm(),
        },
        status=status,
    )


def _application_for_review(request, pk) -> Application:
    application = selectors.application_for_first_review(user=request.user, pk=pk)
    if not can_teach_class(request.user, application.school_class_id):
        raise PermissionDenied
    return application


@require_GET
@login_required
def first_review(request, pk):
    return _first_review_page(request, _application_for_review(request, pk))


def _decide(request, pk, *, form_class, form_name, service, done_message):
    """One decision of the first review, posted from its page: done, back to the class's list; refused,
    the page again at this address with the form's errors (GET here shows the page, so a reload works)."""
    if request.method == "GET":
        return first_review(request, pk)
    application = _application_for_review(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, application=application, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, done_message(application))
            return redirect("reviews:first_review_list", class_pk=application.school_class_id)
    return _first_review_page(request, application, **{form_name: form}, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def recommend(request, pk):
    return _decide(
        request,
        pk,
        form_class=RecommendForm,
        form_name="recommend_form",
        service=services.application_recommend,
        done_message=lambda application: _("{student}'s application has been recommended to the aid office.").format(
            student=application.student.name
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
def return_for_completion(request, pk):
    return _decide(
        request,
        pk,
        form_class=ReturnForm,
        form_name="return_form",
        service=services.application_return,
        done_message=lambda application: _(
            "{student}'s application has been returned to {filer} for completion."
        ).format(student=application.student.name, filer=application.filed_by.get_full_name()),
    )


@require_http_methods(["GET", "POST"])
@login_required
def not_recommend(request, pk):
    """不推荐: the class teacher's opinion with its reason; the aid office decides."""
    return _decide(
        request,
        pk,
        form_class=NotRecommendForm,
        form_name="not_recommend_form",
        service=services.application_not_recommend,
        done_message=lambda application: _(
            "{student}'s application goes to the aid office as not recommended, with your reason."
        ).format(student=application.student.name),
    )


@require_GET
@login_required
def returned_to_me(request):
    """The applications the user filed that came back for completion, with what to complete."""
    applications = (
        Application.objects.visible_to(request.user)
        .filter(filed_by=request.user, status=Status.RETURNED)
        .select_related("student", "program", "term__school_year", "school_class", "first_reviewed_by")
        .order_by("first_reviewed_at", "pk")
    )
    page = paginate(request, applications)
    return render(request, "reviews/returned_to_me.html", {"page": page, "applications": page.object_list})


urlpatterns = [
    path("reviews/classes/<int:class_pk>/first-review/", first_review_list, name="first_review_list"),
    path("reviews/applications/<int:pk>/first-review/", first_review, name="first_review"),
    path("reviews/applications/<int:pk>/recommend/", recommend, name="recommend"),
    path("reviews/applications/<int:pk>/return/", return_for_completion, name="return"),
    path("reviews/applications/<int:pk>/not-recommend/", not_recommend, name="not_recommend"),
    path("reviews/returned/", returned_to_me, name="returned_to_me"),
]
