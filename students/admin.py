from django.contrib import admin

from aidsys.admin import AuditedAdmin
from students.models import Household, Student


@admin.register(Student)
class StudentAdmin(AuditedAdmin):
    list_display = ["name", "school", "school_class", "status"]
    list_filter = ["school", "status"]
    search_fields = ["name", "name_initials", "student_number"]
    list_select_related = ["school", "school_class"]
    raw_id_fields = ["household", "school_class"]


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    list_display = ["__str__", "township", "village"]
    search_fields = ["township", "village"]
