"""System checks of the project's own settings."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def audit_key_is_set(app_configs, **kwargs):
    """Production signs the audit anchors with a key from the environment, never one made on the spot."""
    if settings.DEBUG or settings.AIDSYS_AUDIT_KEY:
        return []
    return [
        Error(
            "AIDSYS_AUDIT_KEY is not set.",
            hint="Set AIDSYS_AUDIT_KEY to a random secret of at least 32 characters, kept outside the database "
            "(it signs the audit chains' anchors).",
            id="aidsys.E001",
        )
    ]
