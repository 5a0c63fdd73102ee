from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidsysConfig(AppConfig):
    name = "aidsys"
    verbose_name = _("Organisation, people and audit")

    def ready(self):
        from aidsys import signals  # noqa: F401  (connects the login audit handlers)
