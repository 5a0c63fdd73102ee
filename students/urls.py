from django.urls import path

from students.views import exports, imports, official, registry

app_name = "students"

urlpatterns = [
    path("classes/<int:class_pk>/roster/", registry.class_roster, name="class_roster"),
    path("schools/<int:school_pk>/students/", registry.school_students, name="school_students"),
    path("students/<int:pk>/", registry.student_detail, name="student_detail"),
    path("students/<int:pk>/edit/", registry.student_edit, name="student_edit"),
    path("students/<int:pk>/status/", registry.student_status, name="student_status"),
    path("students/<int:pk>/reveal/<str:field>/", registry.student_reveal, name="student_reveal"),
    path("students/<int:pk>/household/", registry.household_edit, name="household_edit"),
    path("students/<int:pk>/household/join/", registry.household_join, name="household_join"),
    path("students/<int:pk>/household/members/new/", registry.member_new, name="member_new"),
    path("students/<int:pk>/household/members/<int:member_pk>/", registry.member_edit, name="member_edit"),
    path("students/<int:pk>/household/members/<int:member_pk>/remove/", registry.member_remove, name="member_remove"),
    path("students/<int:pk>/special-groups/", registry.special_group_add, name="special_group_add"),
    path(
        "students/<int:pk>/special-groups/<int:flag_pk>/remove/",
        registry.special_group_remove,
        name="special_group_remove",
    ),
    path("students/<int:pk>/visits/new/", registry.visit_new, name="visit_new"),
    path("visits/<int:visit_pk>/health/", registry.visit_health_reveal, name="visit_health_reveal"),
    path("visits/photos/<int:photo_pk>/", registry.visit_photo, name="visit_photo"),
    *imports.urlpatterns,
    *official.urlpatterns,
    *exports.urlpatterns,
]
