from django.contrib import admin
from django.urls import path

from aidsys.admin import AuditedAdmin
from students.models import Household, Student
from students.views.imports import admin_roster_import


@admin.register(Student)
class StudentAdmin(AuditedAdmin):
    list_display = ["name", "school", "school_class", "status"]
    list_filter = ["school", "status"]
    search_fields = ["name", "name_initials"]
    list_select_related = ["school", "school_class"]
    raw_id_fields = ["household", "school_class"]
    # Sensitive values are neither shown, searched nor edited here: the student's page masks them
    # and records every reveal. The 学籍号 is G and the 身份证号; the birth date is part of it.
    exclude = ["id_number", "student_number", "birth_date", "guardian_phone", "account_number"]
    # The change list links to the roster import, which runs the aid office's import for any school.
    change_list_template = "students/import_admin_change_list.html"

    def has_add_permission(self, request):
        # Students come from the roster import, which checks the 身份证号 this form cannot hold.
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(self.roster_import_view)
        return [path("import/", view, name="students_student_import"), *super().get_urls()]

    def roster_import_view(self, request):
        return admin_roster_import(request, model_admin=self)


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    # The village and the address are sensitive: the admin lists the township only.
    list_display = ["__str__", "township"]
    search_fields = ["township"]
    exclude = ["village", "address_detail"]
