"""评议小组: who reviewed a school's applications in a term, and the printed record of it."""

from __future__ import annotations

from django.db import transaction

from aidsys.pdf import render_pdf
from aidsys.scope import can_manage_school
from aidsys.services.audit import Action, audit_record
from aidsys.services.writes import instance_create, instance_delete, instance_update
from aidsys.transitions import require
from reviews.models import ReviewPanel, ReviewPanelMember


@transaction.atomic
def panel_save(*, actor, school, term, formed_on, note: str = "") -> ReviewPanel:
    """Record the term's panel, or change its date and note."""
    require(can_manage_school(actor, school.pk))
    panel = ReviewPanel.objects.select_for_update().filter(school=school, term=term).first()
    if panel is None:
        return instance_create(
            actor=actor, instance=ReviewPanel(school=school, term=term, formed_on=formed_on, note=note)
        )
    instance_update(actor=actor, instance=panel, data={"formed_on": formed_on, "note": note})
    return panel


def panel_member_add(*, actor, panel: ReviewPanel, name: str, role: str, title: str = "") -> ReviewPanelMember:
    require(can_manage_school(actor, panel.school_id))
    return instance_create(
        actor=actor, instance=ReviewPanelMember(panel=panel, name=name.strip(), role=role, title=title.strip())
    )


def panel_member_remove(*, actor, member: ReviewPanelMember) -> None:
    require(can_manage_school(actor, member.panel.school_id))
    instance_delete(actor=actor, instance=member)


def panel_print(*, actor, panel: ReviewPanel) -> bytes:
    """The panel's record as an A4 PDF to sign; printing is an audit event (DESIGN.md §5)."""
    content = render_pdf("reviews/pdf/panel.html", {"panel": panel, "members": list(panel.members.all())})
    audit_record(actor=actor, action=Action.PRINT, target=panel)
    return content
