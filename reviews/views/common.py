"""What the review screens share: the roster named by the URL, the application in scope, errors as text."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse

from aidsys.forms import add_errors  # noqa: F401  (re-exported for the views of this app)
from aidsys.models import School, Term
from aidsys.scope import can_read_school_rosters
from applications.models import AidProgram, Application


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def roster_from_url(request, school_pk: int, program_pk: int, term_pk: int):
    """The school (in scope, else 404), the county's program and the term a roster page is about."""
    school = School.objects.select_related("county", "current_term").get_visible_or_404(request.user, pk=school_pk)
    program = get_object_or_404(AidProgram, pk=program_pk, county_id=school.county_id)
    term = get_object_or_404(Term.objects.select_related("school_year"), pk=term_pk)
    return school, program, term


def require_roster_reader(request, school) -> None:
    if not can_read_school_rosters(request.user, school):
        raise PermissionDenied


def application_in_scope(request, pk: int) -> Application:
    return Application.objects.select_related(
        "student", "program", "term__school_year", "school", "school_class"
    ).get_visible_or_404(request.user, pk=pk)


def roster_url(school_id: int, program_id: int, term_id: int) -> str:
    return reverse("reviews:roster", args=[school_id, program_id, term_id])


def class_review_url(application: Application) -> str:
    url = reverse(
        "reviews:class_review",
        args=[application.school_id, application.program_id, application.term_id, application.school_class_id],
    )
    return f"{url}#application-{application.pk}"
