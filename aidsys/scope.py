"""Who may see what, and who may do what: decided here and nowhere else.

A user's scope is the union of their active memberships: county staff see every school of
their county, the aid office and the principal their school, a class teacher the classes
they teach (and the school those classes belong to), an admin everything. Every model
family declares how it reaches a county, a school and a class (`scope_paths`), and
`Model.objects.visible_to(user)` filters by it. Views fetch through it, so an object out
of scope is simply not found: 404.

What a user may *do* with a row in their scope (read a whole school's rosters, manage a school,
teach a class, sign for a school, act for a county, reveal) is asked of the `can_*` functions
below, by views (to answer 403 and to show or hide a button) and by services (to refuse) alike.
A unit is given as the model or its id, except where its county is needed too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.http import Http404


@dataclass(frozen=True)
class Scope:
    is_admin: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    county_ids: frozenset[int] = field(default_factory=frozenset)
    school_ids: frozenset[int] = field(default_factory=frozenset)
    # The schools where the user is the aid office: the ones whose registry and rosters they manage.
    aid_office_school_ids: frozenset[int] = field(default_factory=frozenset)
    principal_school_ids: frozenset[int] = field(default_factory=frozenset)
    class_ids: frozenset[int] = field(default_factory=frozenset)
    # Schools a class teacher belongs to: visible as a school, not as all of its classes.
    member_school_ids: frozenset[int] = field(default_factory=frozenset)
    member_county_ids: frozenset[int] = field(default_factory=frozenset)
    # The active memberships themselves, with their school and county: the audit trail names them.
    memberships: tuple = ()

    def manages_school(self, school_id: int) -> bool:
        return self.is_admin or school_id in self.aid_office_school_ids

    @property
    def is_empty(self) -> bool:
        return not (self.is_admin or self.county_ids or self.school_ids or self.class_ids)


EMPTY_SCOPE = Scope()


def scope_for(user) -> Scope:
    """The user's scope today, computed once per user object (that is, once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_aidsys_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._aidsys_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    from aidsys.models import Membership, Role, SchoolClass

    memberships = list(Membership.objects.active().filter(user=user).select_related("school", "county"))
    roles = {m.role for m in memberships}
    is_admin = user.is_superuser or Role.ADMIN in roles
    county_ids = {m.county_id for m in memberships if m.role == Role.COUNTY_STAFF}
    school_ids = {m.school_id for m in memberships if m.role in (Role.AID_OFFICE, Role.PRINCIPAL)}
    teacher_school_ids = {m.school_id for m in memberships if m.role == Role.CLASS_TEACHER}
    class_ids = set()
    if teacher_school_ids:
        class_ids = set(
            SchoolClass.objects.filter(class_teacher=user, school_id__in=teacher_school_ids).values_list(
                "pk", flat=True
            )
        )
    member_school_ids = school_ids | teacher_school_ids
    member_county_ids = county_ids | {m.school.county_id for m in memberships if m.school_id}
    if is_admin:
        roles.add(Role.ADMIN)
    return Scope(
        is_admin=is_admin,
        roles=frozenset(roles),
        county_ids=frozenset(county_ids),
        school_ids=frozenset(school_ids),
        aid_office_school_ids=frozenset(m.school_id for m in memberships if m.role == Role.AID_OFFICE),
        principal_school_ids=frozenset(m.school_id for m in memberships if m.role == Role.PRINCIPAL),
        class_ids=frozenset(class_ids),
        member_school_ids=frozenset(member_school_ids),
        member_county_ids=frozenset(member_county_ids),
        memberships=tuple(memberships),
    )


def path_is_to_many(model, path: str) -> bool:
    for name in path.split("__"):
        if name == "pk":
            return False
        field_ = model._meta.get_field(name)
        if field_.many_to_many or field_.one_to_many:
            return True
        model = field_.related_model
    return False


def resolve_unit(obj, path: str | None):
    """Follow a scope path such as 'school__county' from obj to the id at its end.

    A path through a to-many relation (a household's students) names no single unit: None.
    """
    if not path or path_is_to_many(type(obj), path):
        return None
    *steps, last = path.split("__")
    for step in steps:
        obj = getattr(obj, step, None)
        if obj is None:
            return None
    return obj.pk if last == "pk" else getattr(obj, obj._meta.get_field(last).attname)


class ScopedQuerySet(models.QuerySet):
    """Filter rows by the user's scope through the model's `scope_paths`.

    `scope_paths` maps "county", "school", "class" and optionally "member_school" and
    "member_county" (schools and counties a class teacher belongs to) to the lookup that
    reaches that level from the model. A level with no path grants nothing for this model.
    """

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if scope.is_empty:
            return self.none()
        paths = self.model.scope_paths
        grants = {
            "county": scope.county_ids,
            "school": scope.school_ids,
            "class": scope.class_ids,
            "member_school": scope.member_school_ids,
            "member_county": scope.member_county_ids,
        }
        condition = Q(pk__in=[])
        for level, ids in grants.items():
            path = paths.get(level)
            if not path or not ids:
                continue
            lookup = Q(**{f"{path}__in": ids})
            if path_is_to_many(self.model, path):
                lookup = Q(pk__in=self.model._base_manager.filter(lookup).values("pk"))
            condition |= lookup
        return self.filter(condition)

    def get_visible_or_404(self, user, **lookup):
        try:
            return self.visible_to(user).get(**lookup)
        except self.model.DoesNotExist:
            raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Who may act. Views fetch the row in scope first (404), then ask these (403); services ask too.


def _pk(unit) -> int | None:
    return unit.pk if isinstance(unit, models.Model) else unit


def can_manage_school(user, school) -> bool:
    """The school's aid office (and the administrator): it keeps the registry, decides the 复审, forms
    the review panel, divides quotas, makes notices, records and decides objections (DESIGN.md §1)."""
    return scope_for(user).manages_school(_pk(school))


def can_teach_class(user, school_class) -> bool:
    """The class teacher of the class (and the administrator): the 初审 is theirs."""
    scope = scope_for(user)
    return scope.is_admin or (school_class is not None and _pk(school_class) in scope.class_ids)


def can_keep_records(user, school, school_class) -> bool:
    """The school's aid office and the class teacher of the class keep its students' records and file
    and edit their applications; a student without a class is the aid office's alone."""
    return can_manage_school(user, school) or can_teach_class(user, school_class)


def can_sign_for_school(user, school) -> bool:
    """The school's principal (and the administrator): signs the roster, or returns it."""
    scope = scope_for(user)
    return scope.is_admin or _pk(school) in scope.principal_school_ids


def can_print_for_school(user, school) -> bool:
    """The aid office prints the school's notice sheets; the principal, who signs them, may print them too."""
    return can_manage_school(user, school) or can_sign_for_school(user, school)


def can_read_school_rosters(user, school) -> bool:
    """The whole school's rosters, reviews, quota division, objections, reports and registry export:
    its aid office and principal, its county's staff, the administrator (`school` is a School).

    Not a class teacher, who is in scope for the school (its notices, their own class): an objection
    names its objector and what they said about a family, and the other classes are not theirs.
    """
    scope = scope_for(user)
    return scope.is_admin or school.pk in scope.school_ids or school.county_id in scope.county_ids


def can_read_some_school_rosters(user) -> bool:
    """Whether `can_read_school_rosters` holds for any school: the menus' question."""
    scope = scope_for(user)
    return scope.is_admin or bool(scope.school_ids or scope.county_ids)


def can_import_for_school(user, school) -> bool:
    """Rosters are imported by the school's aid office and by its county's staff, who keep the county's
    registry (`school` is a School). Unlike `can_read_school_rosters`, not by the principal: the
    principal reads the registry and signs the rosters made from it, but does not write it."""
    return can_manage_school(user, school) or can_act_for_county(user, school.county_id)


def can_act_for_county(user, county) -> bool:
    """The county's staff (and the administrator): programs, standards and quotas, the reports'
    approval and return, the county's official lists."""
    scope = scope_for(user)
    return scope.is_admin or _pk(county) in scope.county_ids


def county_acted_for(user, wanted: str | None = None):
    """The county a county page acts for: the one asked for (`?county=`) among those the user acts for,
    or the first of them; PermissionDenied when the user acts for none."""
    from django.core.exceptions import PermissionDenied

    from aidsys.models import County

    counties = [county for county in County.objects.visible_to(user) if can_act_for_county(user, county)]
    if not counties:
        raise PermissionDenied
    return next((county for county in counties if str(county.pk) == wanted), counties[0])


def can_act_for_some_county(user) -> bool:
    """Whether `can_act_for_county` holds for any county: the county's screens."""
    scope = scope_for(user)
    return scope.is_admin or bool(scope.county_ids)


def can_reveal(user) -> bool:
    """Unmasking sensitive data is a permission of its own (DESIGN.md §5), whatever the role."""
    return user.is_authenticated and user.has_perm("students.reveal_sensitive")
