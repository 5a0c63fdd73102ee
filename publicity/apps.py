from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("Public notices")

    def ready(self):
        from aidsys.todo import register_todo_provider
        from publicity.todo import (
            aid_office_notices_todo,
            aid_office_objections_todo,
            aid_office_unnoticed_changes_todo,
            county_reports_todo,
            objection_reminders_todo,
            principal_objections_todo,
        )

        register_todo_provider(aid_office_notices_todo)
        register_todo_provider(aid_office_unnoticed_changes_todo)
        register_todo_provider(county_reports_todo)
        register_todo_provider(aid_office_objections_todo)
        register_todo_provider(principal_objections_todo)
        register_todo_provider(objection_reminders_todo)
