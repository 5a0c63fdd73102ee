"""Writes to aid programs: the program, its standards, its funding split and its application windows.

County staff keep them (the views check that); each write is one transaction with its audit events.
A school year's standards and its funding split are each saved whole, as one page shows them: a
split that does not add up to 100% saves nothing.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aidsys.models import County, SchoolYear, Stage, Term
from aidsys.services.writes import instance_create, instance_delete, instance_update
from applications.models import (
    AidProgram,
    ApplicationWindow,
    ApplyPeriod,
    Boarding,
    FundingShare,
    FundingSource,
    PaymentMethod,
    PayPeriod,
    ProgramStandard,
)
from students.models import Tier

HUNDRED = Decimal("100")


def _program_code_free(*, county: County, code: str, program: AidProgram | None = None) -> None:
    taken = AidProgram.objects.filter(county=county, code=code)
    if program is not None:
        taken = taken.exclude(pk=program.pk)
    if taken.exists():
        raise ValidationError(
            {"code": _("{county} already has a program with the code {code}.").format(county=county, code=code)}
        )


def program_create(*, actor, county: County, **fields) -> AidProgram:
    _program_code_free(county=county, code=fields.get("code", ""))
    return instance_create(actor=actor, instance=AidProgram(county=county, **fields))


def program_update(*, actor, program: AidProgram, data: dict) -> dict:
    if "code" in data:
        _program_code_free(county=program.county, code=data["code"], program=program)
    return instance_update(actor=actor, instance=program, data=data)


def _lock(program: AidProgram) -> AidProgram:
    """One writer at a time for a program's year: the second waits, then replaces what the first saved."""
    return AidProgram.objects.select_for_update().get(pk=program.pk)


def _tier_label(tier: str) -> str:
    return str(Tier(tier).label) if tier else _("all tiers")


@transaction.atomic
def program_standards_set(*, actor, program: AidProgram, school_year: SchoolYear, rows: list[dict]) -> None:
    """Make the year's standards exactly `rows` ({tier, boarding, amount_per_year}): changed rows are
    updated, new ones created, missing ones removed, each with its audit event; all or nothing."""
    _lock(program)
    wanted: dict[tuple[str, str], Decimal] = {}
    for row in rows:
        key = (row.get("tier") or "", row.get("boarding") or Boarding.ANY)
        if key in wanted:
            raise ValidationError(
                _("The standard for {tier}, {boarding} is given twice.").format(
                    tier=_tier_label(key[0]), boarding=Boarding(key[1]).label
                ),
                code="duplicate_standard",
            )
        wanted[key] = row["amount_per_year"]
    stored = {
        (standard.tier, standard.boarding): standard
        for standard in ProgramStandard.objects.select_for_update().filter(program=program, school_year=school_year)
    }
    for key, standard in stored.items():
        if key not in wanted:
            instance_delete(actor=actor, instance=standard)
    for (tier, boarding), amount in wanted.items():
        standard = stored.get((tier, boarding))
        if standard is None:
            instance_create(
                actor=actor,
                instance=ProgramStandard(
                    program=program, school_year=school_year, tier=tier, boarding=boarding, amount_per_year=amount
                ),
            )
        else:
            instance_update(actor=actor, instance=standard, data={"amount_per_year": amount})


@transaction.atomic
def funding_shares_set(*, actor, program: AidProgram, school_year: SchoolYear, rows: list[dict]) -> None:
    """Make the year's funding split exactly `rows` ({source, percent}); they must add up to exactly 100%."""
    _lock(program)
    wanted: dict[str, Decimal] = {}
    for row in rows:
        if row["source"] in wanted:
            raise ValidationError(
                _("The funding source {source} is given twice.").format(source=FundingSource(row["source"]).label),
                code="duplicate_source",
            )
        wanted[row["source"]] = row["percent"]
    total = sum(wanted.values(), Decimal("0"))
    if total != HUNDRED:
        raise ValidationError(
            _(
                "The funding shares of {program} for {school_year} add up to {total}%; they must add up to "
                "exactly 100%. Nothing has been saved."
            ).format(program=program, school_year=school_year, total=f"{total.normalize():f}"),
            code="not_hundred",
        )
    stored = {
        share.source: share
        for share in FundingShare.objects.select_for_update().filter(program=program, school_year=school_year)
    }
    for source, share in stored.items():
        if source not in wanted:
            instance_delete(actor=actor, instance=share)
    for source, percent in wanted.items():
        share = stored.get(source)
        if share is None:
            instance_create(
                actor=actor,
                instance=FundingShare(program=program, school_year=school_year, source=source, percent=percent),
            )
        else:
            instance_update(actor=actor, instance=share, data={"percent": percent})


@transaction.atomic
def application_window_set(*, actor, program: AidProgram, term: Term, opens, closes) -> ApplicationWindow:
    stored = ApplicationWindow.objects.select_for_update().filter(program=program, term=term).first()
    if stored is None:
        return instance_create(
            actor=actor, instance=ApplicationWindow(program=program, term=term, opens=opens, closes=closes)
        )
    instance_update(actor=actor, instance=stored, data={"opens": opens, "closes": closes})
    return stored


@transaction.atomic
def application_window_clear(*, actor, program: AidProgram, term: Term) -> None:
    """Back to the default window, the term's first month."""
    stored = ApplicationWindow.objects.select_for_update().filter(program=program, term=term).first()
    if stored is not None:
        instance_delete(actor=actor, instance=stored, reason=_("Back to the default: the term's first month."))


# ---------------------------------------------------------------------------------------------
# The national programs (DESIGN.md §4)


@dataclass(frozen=True)
class NationalProgram:
    code: str
    name: str
    stages: tuple[str, ...]
    # (tier, boarding, yuan per student and year)
    standards: tuple[tuple[str, str, str], ...]
    # (source, percent): a plausible split for a western county; the county edits it to its own.
    funding: tuple[tuple[str, str], ...]
    payment_methods: tuple[str, ...] = (PaymentMethod.AID_CARD, PaymentMethod.BANK_CARD)
    # How often a student applies, and how the money is paid (the program records both).
    apply_period: str = ApplyPeriod.TERM
    pay_period: str = PayPeriod.TERM


# 义务教育生活补助 is two programs, one per stage, rather than one with a stage on each standard:
# its standard differs by stage, and so does everything counted in money. A school's quota in
# yuan and a roster's total are only meaningful when every award of the program has one
# standard per tier and boarding status; a 九年一贯制 school simply gets a quota of each.
_COMPULSORY_FUNDING = ((FundingSource.CENTRAL, "50"), (FundingSource.PROVINCE, "30"), (FundingSource.COUNTY, "20"))
_GRANT_FUNDING = ((FundingSource.CENTRAL, "80"), (FundingSource.PROVINCE, "10"), (FundingSource.COUNTY, "10"))
_MEAL = (PaymentMethod.AID_CARD, PaymentMethod.BANK_CARD, PaymentMethod.MEAL_CARD)

NATIONAL_PROGRAMS = (
    NationalProgram(
        code="YWSB-XX",
        name="义务教育家庭经济困难学生生活补助（小学）",
        stages=(Stage.PRIMARY,),
        standards=(("", Boarding.BOARDER, "1250"), ("", Boarding.DAY, "625")),
        funding=_COMPULSORY_FUNDING,
        payment_methods=_MEAL,
    ),
    NationalProgram(
        code="YWSB-CZ",
        name="义务教育家庭经济困难学生生活补助（初中）",
        stages=(Stage.JUNIOR,),
        standards=(("", Boarding.BOARDER, "1500"), ("", Boarding.DAY, "750")),
        funding=_COMPULSORY_FUNDING,
        payment_methods=_MEAL,
    ),
    NationalProgram(
        code="GZ-ZXJ",
        name="普通高中国家助学金",
        stages=(Stage.SENIOR,),
        # An average of 2300 within 1200–3500, in three tiers (财教〔2021〕310号 and the 2024 update).
        standards=(
            (Tier.ESPECIALLY_DIFFICULT, Boarding.ANY, "3500"),
            (Tier.DIFFICULT, Boarding.ANY, "2300"),
            (Tier.GENERALLY_DIFFICULT, Boarding.ANY, "1200"),
        ),
        funding=_GRANT_FUNDING,
        # 按学年申请和评定，按学期发放.
        apply_period=ApplyPeriod.YEAR,
    ),
    NationalProgram(
        code="ZZ-ZXJ",
        name="中职国家助学金",
        stages=(Stage.VOCATIONAL,),
        standards=(("", Boarding.ANY, "2300"),),
        funding=_GRANT_FUNDING,
        # 按学年申请，按月发放 onto the student's card.
        apply_period=ApplyPeriod.YEAR,
        pay_period=PayPeriod.MONTH,
    ),
)


@dataclass
class SeedOutcome:
    programs_created: int = 0
    standards_created: int = 0
    shares_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.programs_created or self.standards_created or self.shares_created)


@transaction.atomic
def national_programs_seed(*, actor, county: County, school_year: SchoolYear) -> SeedOutcome:
    """The national programs with their standards and funding split for a school year, where missing.

    Idempotent: a program found by its code is left as the county keeps it, and a year that has
    standards (or a funding split) keeps them, so running it again never undoes a county's edits.
    The 生活补助 are applied for and paid per term; 普通高中国家助学金 is applied for per school year
    and paid per term; 中职国家助学金 is applied for per school year and paid monthly.
    """
    outcome = SeedOutcome()
    # The county row orders two seeds of one county: the second finds what the first made.
    County.objects.select_for_update().get(pk=county.pk)
    for national in NATIONAL_PROGRAMS:
        program = AidProgram.objects.filter(county=county, code=national.code).first()
        if program is None:
            program = program_create(
                actor=actor,
                county=county,
                code=national.code,
                name=national.name,
                stages=list(national.stages),
                apply_period=national.apply_period,
                pay_period=national.pay_period,
                payment_methods=list(national.payment_methods),
                notice_shows_amount=False,
                active=True,
            )
            outcome.programs_created += 1
        if not ProgramStandard.objects.filter(program=program, school_year=school_year).exists():
            rows = [
                {"tier": tier, "boarding": boarding, "amount_per_year": Decimal(amount)}
                for tier, boarding, amount in national.standards
            ]
            program_standards_set(actor=actor, program=program, school_year=school_year, rows=rows)
            outcome.standards_created += len(rows)
        if not FundingShare.objects.filter(program=program, school_year=school_year).exists():
            rows = [{"source": source, "percent": Decimal(percent)} for source, percent in national.funding]
            funding_shares_set(actor=actor, program=program, school_year=school_year, rows=rows)
            outcome.shares_created += len(rows)
    return outcome
