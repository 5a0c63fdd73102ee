"""Every URL pattern of the project, requested as each role and as an outsider.

A pattern without an expectation here fails the test, so a new page cannot slip in without
someone deciding who may open it. The outsider is a class teacher of another county's school:
every object of 青山县 answers 404 to them.
"""

import importlib
import pkgutil
from datetime import date

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aidsys.models import AuditEvent, Holiday
from tests import permission_expectations
from tests.factories import StudentFactory
from tests.permission_expectations import ROLES, Expect, everyone, only


def iter_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from iter_patterns(pattern, prefix + str(pattern.pattern), joined)
        elif isinstance(pattern, URLPattern):
            key = (
                (f"{namespace}:{pattern.name}" if namespace else pattern.name)
                if pattern.name
                else prefix + str(pattern.pattern)
            )
            yield key


def _holiday(cast):
    return Holiday.objects.get_or_create(date=date(2027, 10, 1), kind=Holiday.Kind.HOLIDAY, name="国庆节")[0]


EXPECTATIONS: dict[str, Expect] = {
    "aidsys:dashboard": Expect(everyone(200)),
    "aidsys:school_list": Expect(everyone(200)),
    "aidsys:school_detail": Expect(everyone(200, outsider=404), kwargs=lambda c: {"pk": c.school.pk}),
    "aidsys:school_current_term": Expect(
        only(("aid_office", "admin"), 302, outsider=404),
        method="post",
        kwargs=lambda c: {"pk": c.school.pk},
        data=lambda c: {"term": c.term.pk},
    ),
    "aidsys:class_detail": Expect(everyone(200, outsider=404), kwargs=lambda c: {"pk": c.class_1.pk}),
    "aidsys:holiday_list": Expect(everyone(200)),
    "aidsys:holiday_new": Expect(only(("county_staff", "admin"), 200)),
    "aidsys:holiday_edit": Expect(only(("county_staff", "admin"), 200), kwargs=lambda c: {"pk": _holiday(c).pk}),
    "aidsys:holiday_remove": Expect(
        only(("county_staff", "admin"), 302),
        method="post",
        kwargs=lambda c: {"pk": _holiday(c).pk},
        data=lambda c: {"reason": "录入错误"},
    ),
    "aidsys:audit_list": Expect(only(("aid_office", "principal", "county_staff", "admin"), 200)),
    "aidsys:audit_anchors": Expect(only(("county_staff", "admin"), 200)),
    "aidsys:audit_anchors_export": Expect(only(("county_staff", "admin"), 200)),
    "login": Expect(everyone(302, anonymous=200)),
    "logout": Expect(everyone(405, anonymous=405)),
    "password_change": Expect(everyone(200)),
    "password_change_done": Expect(everyone(200)),
    "set_language": Expect(everyone(302, anonymous=302)),
    "favicon": Expect(everyone(301, anonymous=301)),
}

# The admin is the system administrator's alone: everybody else is sent to its sign-in page.
ADMIN_ONLY_STATUS = dict.fromkeys(ROLES, 302)
ADMIN_STATUS_FOR_ADMIN = {
    "admin:logout": 405,
    "admin:autocomplete": 403,
    "admin:view_on_site": 404,
    "admin:aidsys_auditevent_add": 403,
    "admin:aidsys_auditevent_delete": 403,
    # Students come from the roster import: the admin adds none.
    "admin:students_student_add": 403,
}
# The disbursement records are read-only in the admin (disbursements/admin.py): viewed, never added or deleted.
READ_ONLY_MODELS = [
    "fundallocation",
    "bankfilelayout",
    "paymentbatch",
    "paymentline",
    "returnfileimport",
    "leftoverreport",
]
ADMIN_STATUS_FOR_ADMIN |= {
    f"admin:disbursements_{model}_{page}": 403 for model in READ_ONLY_MODELS for page in ("add", "delete")
}
ADMIN_PUBLIC = {
    # The admin's sign-in page tells a signed-in non-administrator that the account may not enter.
    "admin:login": dict.fromkeys(ROLES, 200) | {"admin": 302},
}


def _admin_sample(cast, model):
    if model is AuditEvent:
        from aidsys.services.audit import audit_record

        return audit_record(actor=cast.admin, action=AuditEvent.Action.PRINT, target=cast.school)
    if model is Holiday:
        return _holiday(cast)
    if model._meta.app_label == "disbursements":
        from tests.disbursements.admin_data import disbursement_records

        disbursement_records(cast)
        return model._default_manager.first()
    sample = model._default_manager.first()
    if sample is None:
        sample = StudentFactory(school_class=cast.class_1)
        sample = model._default_manager.first()
    return sample


# The admin site's own pages; a model's pages are these suffixes of a registered model.
ADMIN_SITE_NAMES = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",
    "admin:autocomplete",
    "admin:view_on_site",
    "admin:app_list",
    "admin:auth_user_password_change",
}
ADMIN_MODEL_SUFFIXES = {"changelist", "add", "change", "delete", "history", "import", "process_import", "export"}


def admin_expectation(name: str) -> Expect | None:
    """Expectations for the admin's pages: only names the site or a registered model defines.

    Anything else under admin: (a custom view someone adds) has no expectation and fails the matrix.
    """
    if not name.startswith("admin:"):
        return None
    if name in ADMIN_PUBLIC:
        return Expect(ADMIN_PUBLIC[name])
    statuses = ADMIN_ONLY_STATUS | {"admin": ADMIN_STATUS_FOR_ADMIN.get(name, 200)}
    if name == "admin:auth_user_password_change":
        return Expect(statuses, kwargs=lambda c: {"id": c.wang.pk})
    if name == "admin:app_list":
        return Expect(statuses, kwargs=lambda c: {"app_label": "aidsys"})
    if name == "admin:view_on_site":
        return Expect(statuses, kwargs=lambda c: {"content_type_id": 999999, "object_id": 1})
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        suffix = name[len(prefix) :] if name.startswith(prefix) else None
        if suffix in ("change", "delete", "history"):
            return Expect(statuses, kwargs=lambda c, m=model: {"object_id": _admin_sample(c, m).pk})
        if suffix in ADMIN_MODEL_SUFFIXES:
            return Expect(statuses)
    return Expect(statuses) if name in ADMIN_SITE_NAMES else None


def unnamed_admin_expectation(route: str) -> Expect | None:
    """The admin's unnamed patterns: its catch-all and the old '<id>/' redirect to the change page."""
    if not route.startswith("admin/"):
        return None
    if route.endswith("<path:object_id>/"):
        parts = route.split("/")
        app_label, model_name = parts[1], parts[2]
        model = next(
            m for m in admin.site._registry if (m._meta.app_label, m._meta.model_name) == (app_label, model_name)
        )
        return Expect(
            ADMIN_ONLY_STATUS | {"admin": 302},
            url=lambda c, m=model, a=app_label, n=model_name: f"/admin/{a}/{n}/{_admin_sample(c, m).pk}/",
        )
    if route.endswith("(?P<url>.*)$"):
        return Expect(ADMIN_ONLY_STATUS | {"admin": 404}, url=lambda c: "/admin/no-such-page/")
    return None


def _area_expectations() -> dict[str, Expect]:
    merged = dict(EXPECTATIONS)
    for module_info in pkgutil.iter_modules(permission_expectations.__path__):
        module = importlib.import_module(f"{permission_expectations.__name__}.{module_info.name}")
        overlap = set(merged) & set(module.EXPECTATIONS)
        assert not overlap, f"{module_info.name} repeats expectations for {overlap}"
        merged.update(module.EXPECTATIONS)
    return merged


ALL_EXPECTATIONS = _area_expectations()


def expectation_for(key: str) -> Expect | None:
    return ALL_EXPECTATIONS.get(key) or admin_expectation(key) or unnamed_admin_expectation(key)


ALL_PATTERNS = sorted(set(iter_patterns()))


def test_every_url_pattern_has_an_expectation():
    missing = [key for key in ALL_PATTERNS if expectation_for(key) is None]
    assert not missing, f"URL patterns without a permission expectation: {missing}"


def test_the_matrix_has_no_stale_entries():
    stale = sorted(set(ALL_EXPECTATIONS) - set(ALL_PATTERNS))
    assert not stale, f"expectations for URL names that no longer exist: {stale}"


@pytest.mark.parametrize("key", ALL_PATTERNS)
def test_each_role_gets_the_expected_status(key, cast):
    expect = expectation_for(key)
    assert expect is not None, f"{key} has no expectation"
    users = cast.by_role()
    failures = []
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
        url = expect.url(cast) if expect.url else reverse(key, kwargs=expect.kwargs(cast))
        response = getattr(client, expect.method)(url, expect.data(cast))
        if response.status_code != expect.statuses[role]:
            failures.append(f"{role}: {response.status_code} (expected {expect.statuses[role]}) for {url}")
        if response.status_code == 302 and role == "anonymous" and expect.statuses[role] == 302:
            location = response.headers["Location"]
            assert "login" in location or key in ("set_language", "admin:logout", "favicon"), (
                f"{key} sends anonymous to {location}"
            )
    assert not failures, f"{key}:\n" + "\n".join(failures)


# The same pages for an object just beside the user's scope: another class of the same school,
# another school of the same county. A leak between neighbours shows here.
CORE_PROBES = [
    ("aidsys:class_detail", lambda c: {"pk": c.class_2.pk}, {"class_teacher": 404, "aid_office": 200}),
    (
        "aidsys:school_detail",
        lambda c: {"pk": c.sibling_school.pk},
        {"class_teacher": 404, "aid_office": 404, "principal": 404, "county_staff": 200},
    ),
]


def _probes():
    probes = list(CORE_PROBES)
    for module_info in pkgutil.iter_modules(permission_expectations.__path__):
        module = importlib.import_module(f"{permission_expectations.__name__}.{module_info.name}")
        probes.extend(getattr(module, "PROBES", []))
    return probes


@pytest.mark.parametrize(
    ("key", "kwargs", "statuses"), _probes(), ids=lambda value: value if isinstance(value, str) else ""
)
def test_neighbours_outside_the_scope_are_not_found(key, kwargs, statuses, cast):
    users = cast.by_role()
    url = reverse(key, kwargs=kwargs(cast))
    got = {}
    for role in statuses:
        client = Client()
        client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
        got[role] = client.get(url).status_code
    assert got == statuses, url
