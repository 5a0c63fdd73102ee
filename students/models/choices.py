"""Code tables of the registry."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Hukou(models.TextChoices):
    RURAL = "rural", _("Rural")
    URBAN = "urban", _("Urban")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    TRANSFERRED_IN = "transferred_in", _("Transferred in")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    SUSPENDED = "suspended", _("Suspended")
    GRADUATED = "graduated", _("Graduated")


class Tier(models.TextChoices):
    """档次: the identified degree of a family's difficulty."""

    ESPECIALLY_DIFFICULT = "especially_difficult", _("Especially difficult")
    DIFFICULT = "difficult", _("Difficult")
    GENERALLY_DIFFICULT = "generally_difficult", _("Generally difficult")
    NOT_DIFFICULT = "not_difficult", _("Not difficult")


class Relation(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Brother or sister")
    SELF = "self", _("Child at school")
    OTHER = "other", _("Other relative or guardian")


class AccountKind(models.TextChoices):
    BANK_CARD = "bank_card", _("Bank card")
    AID_CARD = "aid_card", _("Student aid card")
    SOCIAL_SECURITY_CARD = "social_security_card", _("Social security card")
    # Only where the county allows it (County.bank_book_allowed).
    BANK_BOOK = "bank_book", _("Bank book")


class SpecialGroup(models.TextChoices):
    """特殊群体 (DESIGN.md §3)."""

    POVERTY_ALLEVIATED = "poverty_alleviated", _("Household lifted out of poverty")
    UNSTABLE_ALLEVIATED = "unstable_alleviated", _("Monitored: unstable after poverty alleviation")
    MARGINAL_AT_RISK = "marginal_at_risk", _("Monitored: marginal household at risk of poverty")
    SUDDEN_SEVERE_HARDSHIP = "sudden_severe_hardship", _("Monitored: household in sudden severe hardship")
    MINIMUM_LIVING = "minimum_living", _("Minimum living allowance (dibao)")
    NEAR_MINIMUM_LIVING = "near_minimum_living", _("Just above the minimum living allowance")
    EXTREME_POVERTY = "extreme_poverty", _("Extreme poverty support (tekun)")
    ORPHAN = "orphan", _("Orphan")
    UNSUPPORTED_CHILD = "unsupported_child", _("Child without de facto support")
    DISABLED_STUDENT = "disabled_student", _("Student with a disability")
    CHILD_OF_DISABLED = "child_of_disabled", _("Child of a person with a disability")
    MARTYR_CHILD = "martyr_child", _("Child of a martyr")
    ENTITLED_GROUP_CHILD = "entitled_group_child", _("Child of a special-care recipient")
    SINGLE_PARENT = "single_parent", _("Single-parent family")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness or loss of working ability")
    SUDDEN_MISFORTUNE = "sudden_misfortune", _("Sudden misfortune or disaster")
    OTHER = "other", _("Other")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    CHRONIC_ILLNESS = "chronic_illness", _("Chronic illness")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    DISABLED = "disabled", _("Disability")
    UNABLE_TO_WORK = "unable_to_work", _("Unable to work")


class VisitMethod(models.TextChoices):
    IN_PERSON = "in_person", _("Home visit in person")
    PHONE = "phone", _("Phone call")
    VIDEO = "video", _("Video call")
    AT_SCHOOL = "at_school", _("Talk at school")


class Housing(models.TextChoices):
    GOOD = "good", _("Good")
    ORDINARY = "ordinary", _("Ordinary")
    POOR = "poor", _("Poor")
    DANGEROUS = "dangerous", _("Dilapidated or unsafe")
    NONE = "none", _("No housing of their own")


class IncomeSource(models.TextChoices):
    WAGES = "wages", _("Wages from work away from home")
    FARMING = "farming", _("Farming")
    BUSINESS = "business", _("Small business")
    ALLOWANCE = "allowance", _("Government allowances")
    NONE = "none", _("No stable income")


class BigExpense(models.TextChoices):
    MEDICAL = "medical", _("Medical treatment")
    EDUCATION = "education", _("Education of several children")
    HOUSING = "housing", pgettext_lazy("big expense", "Housing")
    DISASTER = "disaster", _("Disaster or accident")
    DEBT = "debt", _("Debts")


# GB/T 3304 codes of China's 56 ethnic groups, with their romanised names.
ETHNIC_GROUPS = [
    ("01", _("Han")), ("02", _("Mongol")), ("03", _("Hui")), ("04", _("Tibetan")), ("05", _("Uygur")),
    ("06", _("Miao")), ("07", _("Yi")), ("08", _("Zhuang")), ("09", _("Buyei")), ("10", _("Korean")),
    ("11", _("Manchu")), ("12", _("Dong")), ("13", _("Yao")), ("14", _("Bai")), ("15", _("Tujia")),
    ("16", _("Hani")), ("17", _("Kazak")), ("18", _("Dai")), ("19", _("Li")), ("20", _("Lisu")),
    ("21", _("Va")), ("22", _("She")), ("23", _("Gaoshan")), ("24", _("Lahu")), ("25", _("Shui")),
    ("26", _("Dongxiang")), ("27", _("Naxi")), ("28", _("Jingpo")), ("29", _("Kirgiz")), ("30", _("Tu")),
    ("31", _("Daur")), ("32", _("Mulao")), ("33", _("Qiang")), ("34", _("Blang")), ("35", _("Salar")),
    ("36", _("Maonan")), ("37", _("Gelao")), ("38", _("Xibe")), ("39", _("Achang")), ("40", _("Pumi")),
    ("41", _("Tajik")), ("42", _("Nu")), ("43", _("Uzbek")), ("44", _("Russian")), ("45", _("Ewenki")),
    ("46", _("Deang")), ("47", _("Bonan")), ("48", _("Yugur")), ("49", _("Gin")), ("50", _("Tatar")),
    ("51", _("Derung")), ("52", _("Oroqen")), ("53", _("Hezhen")), ("54", _("Monba")), ("55", _("Lhoba")),
    ("56", _("Jino")),
]  # fmt: skip
