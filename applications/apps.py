from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Aid programs and applications")

    def ready(self):
        from applications.selectors import approved_aid
        from students.gaps import register_aid_lookup

        register_aid_lookup(approved_aid)
