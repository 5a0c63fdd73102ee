from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys.scope import ScopedQuerySet
from students.models.choices import SpecialGroup


class OfficialList(models.Model):
    """A list from another agency (民政, 乡村振兴, 残联 …) uploaded for matching by 身份证号 (数据比对)."""

    class Kind(models.TextChoices):
        MINIMUM_LIVING = "minimum_living", _("Minimum living allowance (dibao)")
        EXTREME_POVERTY = "extreme_poverty", _("Extreme poverty support (tekun)")
        POVERTY_ALLEVIATED = "poverty_alleviated", _("Households lifted out of poverty")
        MONITORED = "monitored", _("Households monitored against relapse into poverty")
        DISABLED = "disabled", _("Persons with disabilities")
        ORPHAN = "orphan", _("Orphans")
        UNSUPPORTED_CHILD = "unsupported_child", _("Children without de facto support")

    kind = models.CharField(_("kind of list"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("list name"), max_length=100)
    list_date = models.DateField(_("list date"))
    county = models.ForeignKey("aidsys.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    # An aid office uploads for its own school; county staff for the whole county.
    school = models.ForeignKey(
        "aidsys.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
    )
    file_name = models.CharField(_("file"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "county", "school": "school"}
    # The upload's outcome, recorded beside the fields.
    audit_labels = {"rows": _("rows"), "matched_rows": _("rows matched"), "rejected_rows": _("rows rejected")}

    class Meta:
        verbose_name = _("official list")
        verbose_name_plural = _("official lists")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.name}（{self.list_date}）"


class OfficialListEntry(models.Model):
    official_list = models.ForeignKey(
        OfficialList, on_delete=models.CASCADE, related_name="entries", verbose_name=_("official list")
    )
    row_number = models.PositiveIntegerField(_("row"))
    id_number = models.CharField(_("ID number"), max_length=18, db_index=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, blank=True)
    # The special group this entry gives (a monitored household's list names its sub-group per row).
    group = models.CharField(_("special group"), max_length=30, choices=SpecialGroup.choices)
    matched_student = models.ForeignKey(
        "students.Student",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matched student"),
    )
    matched_member = models.ForeignKey(
        "students.HouseholdMember",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matched household member"),
    )

    class Meta:
        verbose_name = _("official list entry")
        verbose_name_plural = _("official list entries")
        ordering = ["official_list", "row_number"]

    def __str__(self):
        return f"{self.official_list} #{self.row_number}"
