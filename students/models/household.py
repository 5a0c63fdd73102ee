from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aidsys import cn
from aidsys.scope import ScopedQuerySet
from students.models.choices import Health, Relation, SpecialGroup

CENT = Decimal("0.01")


class Household(models.Model):
    township = models.CharField(_("township"), max_length=50, blank=True)
    village = models.CharField(_("village or community"), max_length=50, blank=True)
    address_detail = models.CharField(_("address"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "county": "students__school__county",
        "school": "students__school",
        "class": "students__school_class",
    }
    audit_masked_fields = {"village": None, "address_detail": None}

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return _("Household {number}").format(number=self.pk)

    def audit_units(self) -> tuple[int | None, int | None]:
        """A household belongs to the school of its (first) student."""
        first = self.students.order_by("pk").values_list("school_id", "school__county_id").first()
        return first or (None, None)

    @property
    def full_address(self) -> str:
        return "".join(part for part in (self.township, self.village, self.address_detail) if part)

    def per_capita_income(self, members=None) -> Decimal | None:
        """家庭人均年收入: the members' annual incomes over the number of members, or None without members."""
        members = list(self.members.all()) if members is None else members
        if not members:
            return None
        total = sum((member.annual_income or Decimal(0) for member in members), Decimal(0))
        return (total / len(members)).quantize(CENT, rounding=ROUND_HALF_UP)


class HouseholdMember(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    relation = models.CharField(_("relation to the student"), max_length=20, choices=Relation.choices)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=50, blank=True)
    health = models.CharField(_("health"), max_length=20, choices=Health.choices, default=Health.HEALTHY)
    health_note = models.CharField(_("illness or disability"), max_length=200, blank=True)
    annual_income = models.DecimalField(
        _("annual income (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    # A brother or sister at school is linked to their own registry row.
    student = models.OneToOneField(
        "students.Student",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="as_member",
        verbose_name=_("student in the registry"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"household__{path}" for level, path in Household.scope_paths.items()}

    audit_masked_fields = {"id_number": cn.mask_id_number, "annual_income": None, "health": None, "health_note": None}

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_income__isnull=True) | Q(annual_income__gte=0),
                name="member_income_not_negative",
            ),
        ]

    def __str__(self):
        return self.name

    def audit_units(self) -> tuple[int | None, int | None]:
        return self.household.audit_units()

    def clean(self):
        if self.id_number:
            try:
                self.id_number = cn.normalize_id_number(self.id_number)
            except ValidationError as error:
                raise ValidationError({"id_number": error.messages}) from None


class SpecialGroupFlag(models.Model):
    """A household's membership of a special group, with where that knowledge comes from."""

    class Source(models.TextChoices):
        OFFICIAL_LIST = "official_list", _("Official list")
        HOME_VISIT = "home_visit", _("Home visit")
        SELF_DECLARED = "self_declared", _("Declared by the family")
        CERTIFICATE = "certificate", _("Certificate attached to an application")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="special_groups", verbose_name=_("household")
    )
    group = models.CharField(_("special group"), max_length=30, choices=SpecialGroup.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # For an official list: which list, of which date. Such a flag is not edited by hand.
    official_list = models.ForeignKey(
        "students.OfficialList",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("official list"),
    )
    list_name = models.CharField(_("list name"), max_length=100, blank=True)
    list_date = models.DateField(_("list date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {level: f"household__{path}" for level, path in Household.scope_paths.items()}

    class Meta:
        verbose_name = _("special group")
        verbose_name_plural = _("special groups")
        ordering = ["household", "group"]
        constraints = [
            models.UniqueConstraint(fields=["household", "group"], name="special_group_once_per_household"),
            models.CheckConstraint(
                condition=~Q(source="official_list") | Q(official_list__isnull=False, list_date__isnull=False),
                name="official_flag_names_its_list",
            ),
        ]

    def __str__(self):
        return str(self.get_group_display())

    def audit_units(self) -> tuple[int | None, int | None]:
        return self.household.audit_units()

    @property
    def from_official_list(self) -> bool:
        return self.source == self.Source.OFFICIAL_LIST
