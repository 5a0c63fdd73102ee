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
    # Sensitive values are neither shown nor edited here: the student's page masks them and
    # records every reveal.
    exclude = ["id_number", "guardian_phone", "account_number"]


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    # The village and the address are sensitive: the admin lists the township only.
    list_display = ["__str__", "township"]
    search_fields = ["township"]
    exclude = ["village", "address_detail"]
