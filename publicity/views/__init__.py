"""Screens of the publicity app, one module per area; each exports its `urlpatterns`."""

from django.core.exceptions import ValidationError

from aidsys.forms import add_errors  # noqa: F401  (the publicity views import it from here)


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)
