import re
import subprocess
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from aidsys.models import AuditEvent
from reviews.models import ReviewPanel
from reviews.services import panel_member_add, panel_member_remove, panel_save


def text_of(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, without white space (a line may break anywhere)."""
    return re.sub(
        r"\s+", "", subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    )


def panel_url(cast):
    return f"/reviews/schools/{cast.school.pk}/panels/{cast.term.pk}/"


class TestPanel:
    def test_the_aid_office_records_the_panel_and_its_members(self, cast):
        panel = panel_save(actor=cast.li, school=cast.school, term=cast.term, formed_on=date(2026, 9, 25))
        member = panel_member_add(actor=cast.li, panel=panel, name="张校长", role="leader", title="校长")
        assert list(panel.members.values_list("name", "role", "title")) == [("张校长", "leader", "校长")]
        assert AuditEvent.objects.for_object(member).get().action == AuditEvent.Action.CREATE
        again = panel_save(actor=cast.li, school=cast.school, term=cast.term, formed_on=date(2026, 9, 26), note="补")
        assert again.pk == panel.pk and ReviewPanel.objects.get().formed_on == date(2026, 9, 26)
        panel_member_remove(actor=cast.li, member=member)
        assert not panel.members.exists()
        assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE).count() == 1

    @pytest.mark.parametrize("who", ["wang", "zhang", "zhao"])
    def test_only_the_aid_office_records_it(self, cast, who):
        with pytest.raises(PermissionDenied):
            panel_save(actor=getattr(cast, who), school=cast.school, term=cast.term, formed_on=date(2026, 9, 25))

    def test_the_pages_record_show_and_print_it_and_printing_is_audited(self, cast, client_for):
        client = client_for(cast.li)
        assert client.post(panel_url(cast), {"formed_on": ""}).status_code == 400
        assert client.post(panel_url(cast), {"formed_on": "2026-09-25", "note": ""}).status_code == 302
        panel = ReviewPanel.objects.get()
        members = f"/reviews/panels/{panel.pk}/members/"
        assert client.post(members, {"name": "", "role": "leader"}).status_code == 400
        client.post(members, {"name": "李老师", "role": "aid_office", "title": "资助专干"})
        client.post(members, {"name": "王家长", "role": "parent"})
        html = client_for(cast.zhang).get(panel_url(cast)).content.decode()
        assert "李老师" in html and "王家长" in html and "/members/" not in html
        response = client_for(cast.zhang).post(f"/reviews/panels/{panel.pk}/print/")
        assert response["Content-Type"] == "application/pdf"
        printed = text_of(response.content)
        assert "资助专干" in printed and "王家长" in printed and "青山县实验小学" in printed
        event = AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).get()
        assert event.actor == cast.zhang and event.object_id == str(panel.pk)

    def test_a_class_teacher_may_not_and_an_outsider_finds_nothing(self, cast, client_for):
        panel = panel_save(actor=cast.li, school=cast.school, term=cast.term, formed_on=date(2026, 9, 25))
        assert client_for(cast.wang).get(panel_url(cast)).status_code == 403
        assert client_for(cast.outsider).get(panel_url(cast)).status_code == 404
        assert client_for(cast.outsider).post(f"/reviews/panels/{panel.pk}/print/").status_code == 404
        assert client_for(cast.wang).post(f"/reviews/panels/{panel.pk}/print/").status_code == 403
        assert client_for(cast.zhang).post(f"/reviews/panels/{panel.pk}/members/", {"name": "x"}).status_code == 403
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).exists()
