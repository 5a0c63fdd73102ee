"""受助学生名单: the aided students of a program and term, for the county (every school, or those chosen)
or for one school.

One row per approved award the term's batches may pay (a school year's award filed in this term or
an earlier one of its year; a term's own award): school, class, name, gender, 民族, 身份证号 (masked
unless the export is for full data), special groups, tier, amount, the amount's split by funding
source (one column per source of the program's FundingShare for the year), payment method and
whether the term's payment is made (the PaymentLine of a batch of this term).

Rows stream from `.values().iterator()`; special groups and payments come from two more queries, kept
as small dicts of ids: a fixed number of queries whatever the size of the county.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from aidsys.cn import mask_id_number
from aidsys.models import County, School, Term
from aidsys.models.org import class_name
from applications.models import AidProgram, Application, FundingShare, FundingSource, PaymentMethod
from applications.models import Status as ApplicationStatus
from disbursements.models import LineStatus, PaymentLine
from disbursements.selectors.funds import split_by_shares
from disbursements.services.schedule import awards_in_reach
from reports.definitions import INTEGER, MONEY, Column, ReportData, ReportRequest, register
from students.models import SpecialGroup, SpecialGroupFlag, Tier
from students.models.choices import ETHNIC_GROUPS, Gender

CHUNK = 2000
FEN = Decimal("0.01")
# Which of a term's lines speaks for an award: a paid one, else one still to pay, else a failed one.
_LINE_PRECEDENCE = {LineStatus.PAID: 3, LineStatus.PENDING: 2, LineStatus.FAILED: 1, LineStatus.CANCELLED: 0}


class AidedStudentList:
    key = "aided_students"
    title = gettext_lazy("List of aided students")
    parameters = ("program", "term", "layout")

    def awards(self, request: ReportRequest, *, program: AidProgram, term: Term):
        awards = Application.objects.visible_to(request.user).filter(program=program, status=ApplicationStatus.APPROVED)
        awards = awards_in_reach(awards, program=program, term=term)
        if request.school_id is not None:
            return awards.filter(school_id=request.school_id)
        awards = awards.filter(school__county_id=request.county_id)
        if request.school_ids:
            awards = awards.filter(school_id__in=request.school_ids)
        return awards

    def columns(self, shares: list[tuple[str, Decimal]]) -> list[Column]:
        sources = dict(FundingSource.choices)
        return [
            Column("number", pgettext("row number", "No."), INTEGER),
            Column("school", _("School")),
            Column("class", _("Class")),
            Column("name", pgettext("person", "Name")),
            Column("gender", _("Gender")),
            Column("ethnicity", _("Ethnicity")),
            Column("id_number", _("ID number"), mask=mask_id_number),
            Column("special_groups", _("Special groups")),
            Column("tier", _("Tier")),
            Column("amount", _("Amount (yuan)"), MONEY, total=True),
            *(
                Column(f"source_{source}", _("of which {source}").format(source=sources[source]), MONEY, total=True)
                for source, _percent in shares
            ),
            Column("method", _("Payment method")),
            Column("paid", _("Paid or not")),
        ]

    def build(self, request: ReportRequest) -> ReportData:
        program = AidProgram.objects.visible_to(request.user).get(pk=request.program_id)
        term = Term.objects.select_related("school_year").get(pk=request.term_id)
        if request.school_id is not None:
            unit = School.objects.get(pk=request.school_id).name
        else:
            unit = County.objects.get(pk=request.county_id).name
        # The sources in their official order (中央, 省级, 市级, 区县, 学校, 社会).
        order = list(FundingSource.values)
        shares = sorted(
            FundingShare.objects.filter(program=program, school_year_id=term.school_year_id).values_list(
                "source", "percent"
            ),
            key=lambda share: order.index(share[0]) if share[0] in order else len(order),
        )
        awards = self.awards(request, program=program, term=term)
        return ReportData(
            title=str(self.title),
            unit=unit,
            period=_("{year} school year, {term}").format(year=term.school_year, term=term.get_kind_display()),
            columns=self.columns(shares),
            rows=self.rows(awards, term=term, shares=shares),
            count=awards.count(),
            notes=[program.name],
        )

    def rows(self, awards, *, term: Term, shares):
        split = dict(shares)
        groups = self.special_groups(awards)
        lines = self.payments(awards, term=term)
        labels = {
            "gender": dict(Gender.choices),
            "ethnicity": dict(ETHNIC_GROUPS),
            "tier": dict(Tier.choices),
            "method": dict(PaymentMethod.choices),
        }
        paid, unpaid = _("Paid"), _("Not paid")
        failed, pending = _("Payment failed"), _("Awaiting payment")
        status_text = {LineStatus.PAID: paid, LineStatus.FAILED: failed, LineStatus.PENDING: pending}
        language = get_language()
        values = awards.order_by(
            "school__code", "school_class__grade", "school_class__number", "student__name_pinyin", "pk"
        ).values(
            "pk",
            "amount",
            "approved_tier",
            "school_class__grade",
            "school_class__number",
            school_name=F("school__name"),
            name=F("student__name"),
            gender=F("student__gender"),
            ethnicity=F("student__ethnicity"),
            id_number=F("student__id_number"),
            household_id=F("student__household_id"),
        )
        for number, award in enumerate(values.iterator(chunk_size=CHUNK), start=1):
            amount = award["amount"] or Decimal(0)
            line = lines.get(award["pk"])
            grade = award["school_class__grade"]
            row = {
                "number": number,
                "school": award["school_name"],
                "class": class_name(language, grade, award["school_class__number"]) if grade else "",
                "name": award["name"],
                "gender": str(labels["gender"].get(award["gender"], "")),
                "ethnicity": str(labels["ethnicity"].get(award["ethnicity"], "")),
                "id_number": award["id_number"],
                "special_groups": "、".join(groups.get(award["household_id"], ())),
                "tier": str(labels["tier"].get(award["approved_tier"], "")),
                "amount": amount,
                "method": str(labels["method"].get(line[1], "")) if line else "",
                "paid": str(status_text.get(line[0], unpaid)) if line else str(unpaid),
            }
            # Split as the funds pages split a paid yuan (分账核算), so the figures agree everywhere.
            for source, part in split_by_shares(amount, split).items():
                row[f"source_{source}"] = part
            yield row

    def special_groups(self, awards) -> dict[int, list[str]]:
        labels = dict(SpecialGroup.choices)
        groups: dict[int, list[str]] = defaultdict(list)
        flags = (
            SpecialGroupFlag.objects.filter(household__in=awards.values("student__household_id"))
            .order_by("household_id", "group")
            .values_list("household_id", "group")
            .distinct()
        )
        for household_id, group in flags.iterator(chunk_size=CHUNK):
            groups[household_id].append(str(labels.get(group, group)))
        return groups

    def payments(self, awards, *, term: Term) -> dict[int, tuple[str, str]]:
        """(status, method) of the line that speaks for each award in this term's batches."""
        found: dict[int, tuple[str, str]] = {}
        lines = PaymentLine.objects.filter(batch__term=term, application__in=awards.values("pk")).values_list(
            "application_id", "status", "method"
        )
        for application_id, status, method in lines.iterator(chunk_size=CHUNK):
            known = found.get(application_id)
            if known is None or _LINE_PRECEDENCE[status] > _LINE_PRECEDENCE[known[0]]:
                found[application_id] = (status, method)
        return found


register(AidedStudentList())
