"""The county's upload layouts for the national system: list, new, edit, delete (county staff only)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidsys.forms import ColumnLayoutForm, add_errors
from aidsys.scope import can_act_for_county, can_act_for_some_county, county_acted_for
from reports.layouts import LAYOUT_FIELDS, NationalLayout
from reports.services import layouts as services


class NationalLayoutForm(ColumnLayoutForm):
    """The layout's name and, for each field of the list, its column and heading (empty: not wanted)."""

    FIELDS = LAYOUT_FIELDS
    heading_missing = gettext_lazy("Give the heading the national system wants for this column.")
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)

    def __init__(self, *args, layout=None, **kwargs):
        super().__init__(*args, layout=layout, **kwargs)
        if layout is not None:
            self.fields["name"].initial = layout.name

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.chosen_places():
            raise ValidationError(_("Choose at least one column."))
        return cleaned


def _county_layouts(request):
    if not can_act_for_some_county(request.user):
        raise PermissionDenied
    return NationalLayout.objects.visible_to(request.user).select_related("county")


def _layout_in_scope(request, pk) -> NationalLayout:
    layout = NationalLayout.objects.select_related("county").get_visible_or_404(request.user, pk=pk)
    if not can_act_for_county(request.user, layout.county_id):
        raise PermissionDenied
    return layout


@require_GET
@login_required
def layout_list(request):
    layouts = [layout for layout in _county_layouts(request) if can_act_for_county(request.user, layout.county_id)]
    labels = {key: str(label) for key, label in LAYOUT_FIELDS.items()}
    return render(request, "reports/layout_list.html", {"layouts": layouts, "labels": labels})


def _layout_page(request, *, county, layout=None):
    form = NationalLayoutForm(request.POST or None, layout=layout)
    if request.method == "POST" and form.is_valid():
        try:
            services.national_layout_save(
                actor=request.user, county=county, name=form.cleaned_data["name"], columns=form.columns(), layout=layout
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The upload layout has been saved."))
            return redirect("reports:layout_list")
    return render(
        request,
        "reports/layout_form.html",
        {"form": form, "layout": layout, "county": county},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def layout_new(request):
    return _layout_page(request, county=county_acted_for(request.user, request.GET.get("county")))


@require_http_methods(["GET", "POST"])
@login_required
def layout_edit(request, pk):
    layout = _layout_in_scope(request, pk)
    return _layout_page(request, county=layout.county, layout=layout)


@require_POST
@login_required
def layout_delete(request, pk):
    layout = _layout_in_scope(request, pk)
    services.national_layout_delete(actor=request.user, layout=layout)
    messages.success(request, _("The upload layout {name} has been deleted.").format(name=layout.name))
    return redirect("reports:layout_list")


urlpatterns = [
    path("reports/layouts/", layout_list, name="layout_list"),
    path("reports/layouts/new/", layout_new, name="layout_new"),
    path("reports/layouts/<int:pk>/edit/", layout_edit, name="layout_edit"),
    path("reports/layouts/<int:pk>/delete/", layout_delete, name="layout_delete"),
]
