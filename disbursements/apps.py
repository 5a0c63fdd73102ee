from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisbursementsConfig(AppConfig):
    name = "disbursements"
    verbose_name = _("Disbursements")

    def ready(self):
        from aidsys.todo import register_todo_provider
        from disbursements.todo import (
            aid_office_batches_todo,
            aid_office_leftovers_todo,
            bank_todo,
            county_leftovers_todo,
            principal_batches_todo,
        )

        register_todo_provider(principal_batches_todo)
        register_todo_provider(aid_office_batches_todo)
        register_todo_provider(bank_todo)
        register_todo_provider(aid_office_leftovers_todo)
        register_todo_provider(county_leftovers_todo)
