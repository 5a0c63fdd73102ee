from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from django.views.i18n import set_language

from aidsys import views

static_lazy = lazy(static, str)

core_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("schools/", views.school_list, name="school_list"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/current-term/", views.school_current_term, name="school_current_term"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("calendar/", views.holiday_list, name="holiday_list"),
    path("calendar/new/", views.holiday_new, name="holiday_new"),
    path("calendar/<int:pk>/", views.holiday_edit, name="holiday_edit"),
    path("calendar/<int:pk>/remove/", views.holiday_remove, name="holiday_remove"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/anchors/", views.audit_anchors, name="audit_anchors"),
    path("audit/anchors/export/", views.audit_anchors_export, name="audit_anchors_export"),
]

account_patterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("", include((core_patterns, "aidsys"))),
    path("", include("students.urls")),
    path("", include("applications.urls")),
    path("", include("reviews.urls")),
    path("", include("publicity.urls")),
    path("", include("disbursements.urls")),
    path("", include("reports.urls")),
    path("accounts/", include(account_patterns)),
    path("i18n/setlang/", set_language, name="set_language"),
    # Browsers ask for /favicon.ico whatever the page links: send them to the icon (no 404 in the logs).
    path("favicon.ico", RedirectView.as_view(url=static_lazy("img/favicon.svg"), permanent=True), name="favicon"),
    path("admin/", admin.site.urls),
]
