from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aidsys.models import Role
from aidsys.scope import scope_for

# Menu entries by role: (url name, label, roles that see it). An admin sees them all.
MENU = [
    ("aidsys:dashboard", _("To-do"), None),
    ("aidsys:school_list", _("Schools and classes"), None),
    ("reports:dashboard_index", _("Dashboards"), None),
    ("applications:program_list", _("Aid programs"), None),
    ("applications:quota_index", _("Quotas"), (Role.COUNTY_STAFF, Role.AID_OFFICE)),
    ("applications:application_index", _("Aid applications"), (Role.CLASS_TEACHER, Role.AID_OFFICE, Role.PRINCIPAL)),
    ("reviews:index", _("Reviews"), (Role.CLASS_TEACHER, Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)),
    ("publicity:notice_index", _("Public notices"), (Role.CLASS_TEACHER, Role.AID_OFFICE, Role.PRINCIPAL)),
    ("publicity:county_notices", _("Notices of the county"), (Role.COUNTY_STAFF,)),
    ("publicity:objection_list", _("Objections"), (Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)),
    ("disbursements:batch_list", _("Payment batches"), (Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)),
    ("disbursements:class_payments", _("Payment status"), (Role.CLASS_TEACHER,)),
    ("disbursements:allocation_list", _("Funds allocated"), (Role.COUNTY_STAFF,)),
    ("disbursements:leftover_list", _("Funds and leftovers"), (Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)),
    ("disbursements:payment_settings_index", _("Payment settings"), (Role.COUNTY_STAFF,)),
    ("students:roster_import_index", _("Import the student roster"), (Role.AID_OFFICE,)),
    ("students:official_lists", _("Official lists"), (Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)),
    ("aidsys:holiday_list", _("Holiday calendar"), (Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)),
    ("aidsys:audit_list", _("Audit trail"), (Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)),
    ("reports:report_index", _("Reports"), (Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)),
    ("reports:export_list", _("My exports"), (Role.AID_OFFICE, Role.PRINCIPAL, Role.COUNTY_STAFF)),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    current = request.resolver_match.view_name if request.resolver_match else ""
    menu = [
        {"url": reverse(name), "label": label, "active": name == current}
        for name, label, roles in MENU
        if roles is None or scope.is_admin or scope.roles & set(roles)
    ]
    role_labels = sorted({str(Role(role).label) for role in scope.roles})
    return {"menu": menu, "role_labels": role_labels, "is_system_admin": scope.is_admin}
