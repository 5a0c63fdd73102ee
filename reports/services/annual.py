"""年度学生资助工作统计: a school year's figures written as the sentences of a year-end summary, with the
table of the 年度统计, on one printable A4 page; printing is recorded."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.cn import amount_in_words
from aidsys.services.audit import Action, audit_record
from reports.selectors.annual import ZERO, annual_figures, gap_count, objection_figures, stage_label
from reports.selectors.units import Units, ratio, source_label


def percent(rate: Decimal | None) -> str:
    """26.0%, or — where there was nothing to divide by."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def annual_context(*, user, units: Units, school_year) -> dict:
    figures = annual_figures(units, school_year)
    programs: dict[int, dict] = {}
    for line in figures.lines:
        entry = programs.setdefault(
            line.program.pk, {"name": line.program.name, "aided": 0, "paid": ZERO, "sources": {}}
        )
        entry["aided"] += line.aided
        entry["paid"] += line.paid
        for source, amount in line.paid_by_source.items():
            entry["sources"][source] = entry["sources"].get(source, ZERO) + amount
    program_rows = [
        {
            "name": entry["name"],
            "aided": entry["aided"],
            "paid": yuan(entry["paid"]),
            "sources": "、".join(
                _("{source} {amount} yuan").format(source=source_label(source), amount=yuan(amount))
                for source, amount in entry["sources"].items()
                if amount
            ),
        }
        for entry in programs.values()
    ]
    paid, received, needed = figures.total("paid"), figures.total("received"), figures.total("needed")
    return {
        "unit": units.name,
        "is_county": units.school is None,
        "school_year": school_year,
        "year_label": school_year.label,
        "schools": figures.schools,
        "on_roll": figures.on_roll,
        "aided": figures.aided,
        "coverage": percent(figures.coverage),
        "programs": program_rows,
        "paid": yuan(paid),
        "paid_in_words": amount_in_words(paid),
        "received": yuan(received),
        "needed": yuan(needed),
        "arrival_rate": percent(ratio(received, needed)),
        "payout_rate": percent(ratio(paid, received)),
        "gaps": gap_count(user=user, units=units, school_year=school_year),
        "objections": objection_figures(units, school_year),
        "table": [
            {
                "stage": stage_label(line.stage),
                "program": line.program.name,
                "schools": line.schools,
                "on_roll": line.on_roll,
                "aided": line.aided,
                "coverage": percent(line.coverage),
                "paid": yuan(line.paid),
                "received": yuan(line.received),
                "arrival_rate": percent(line.arrival_rate),
                "payout_rate": percent(line.payout_rate),
            }
            for line in figures.lines
        ],
        "printed_on": timezone.localdate(),
    }


def annual_statistics_print(*, actor, units: Units, school_year) -> bytes:
    """The PDF; the unit came through reports.selectors.units.units_for, so it is in the actor's scope."""
    from aidsys.pdf import render_pdf

    context = annual_context(user=actor, units=units, school_year=school_year)
    content = render_pdf("reports/annual_pdf.html", context)
    audit_record(
        actor=actor,
        action=Action.PRINT,
        target=units.school or units.county,
        changes={
            "document": [None, "annual_statistics"],
            "school_year": [None, str(school_year)],
            "paid": [None, context["paid"]],
        },
    )
    return content
