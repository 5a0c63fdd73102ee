"""Reads that span relations. Each starts from a scoped queryset."""

from django.db.models import Count, F, Q

from aidsys.models import AuditEvent, Membership, Role, School, SchoolClass, User


def school_list(*, user):
    return (
        School.objects.visible_to(user)
        .select_related("county", "current_term__school_year")
        .annotate(class_count=Count("classes", distinct=True))
        .order_by("county__code", "code")
    )


def school_classes(*, user, school: School):
    return (
        SchoolClass.objects.visible_to(user)
        .filter(school=school)
        .select_related("class_teacher", "school_year")
        .order_by("-school_year__start_year", "grade", "number")
    )


def school_staff(*, school: School):
    """Active school staff with their roles, for the school page."""
    return Membership.objects.active().filter(school=school).select_related("user").order_by("role", "user__full_name")


def class_teachers_of(*, school: School):
    teacher_ids = Membership.objects.active().filter(school=school, role=Role.CLASS_TEACHER).values("user_id")
    return User.objects.filter(pk__in=teacher_ids, is_active=True).order_by("full_name")


def object_history(*, obj):
    """操作记录 of one object, newest first; the caller has already checked the object is in scope.
    A queryset: the page that shows it takes one page of it (templates/aidsys/_history.html)."""
    return AuditEvent.objects.for_object(obj).select_related("content_type").order_by("-pk")


def audit_events(*, user, action: str = "", query: str = ""):
    events = AuditEvent.objects.visible_to(user).select_related("content_type").order_by("-pk")
    if action:
        events = events.filter(action=action)
    if query:
        events = events.filter(Q(actor_name__icontains=query) | Q(object_repr__icontains=query))
    return events


def dashboard_classes(*, user):
    """The user's classes in their school's current school year."""
    return (
        SchoolClass.objects.visible_to(user)
        .filter(school_year=F("school__current_term__school_year"))
        .select_related("school", "class_teacher", "school_year")
        .order_by("-school_year__start_year", "school__code", "grade", "number")
    )
