"""Screens of the publicity app, one module per area; each exports its `urlpatterns`."""

from django.core.exceptions import ValidationError


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def add_errors(form, error: ValidationError) -> None:
    """Put a service's refusal beside the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
