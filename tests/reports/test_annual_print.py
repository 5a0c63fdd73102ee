"""年度学生资助工作统计: the year's figures as a summary's sentences, on screen and printed (audited)."""

from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from aidsys.models import AuditEvent
from publicity.models import Objection, PublicNotice
from reports.definitions import ReportRequest
from reports.selectors.units import units_for
from reports.services.annual import annual_context
from tests.reports.data import build_year


def html_for(cast, user, **unit):
    units = units_for(ReportRequest(user=user, **unit))
    context = annual_context(user=user, units=units, school_year=cast.school_year)
    return render_to_string("reports/annual_pdf.html", {**context, "page_counter_css": '""'})


def objection(notice, n, status="open", **fields):
    return Objection.objects.create(
        notice=notice,
        tracking_number=f"YY{n:06d}",
        channel="phone",
        text="家庭情况与公示不符",
        lodged_at=timezone.now(),
        deadline=timezone.localdate() - timedelta(days=1) if status == "open" else timezone.localdate(),
        status=status,
        **fields,
    )


def test_the_county_s_summary_states_its_figures_in_sentences(cast):
    build_year(cast)
    notice = PublicNotice.objects.get(school=cast.school)
    objection(notice, 1, status="dismissed", decision="核实无误", decided_at=timezone.now(), decided_by=cast.li)
    objection(notice, 2)
    html = html_for(cast, cast.zhao, county_id=cast.county.pk)
    assert "年度学生资助工作统计" in html
    assert "2026–2027学年，青山县共有学校2所" in html
    assert "受助学生5人" in html
    assert "义务教育生活补助：资助5人，发放1,875.00元（中央1,500.00元、省级375.00元）。" in html
    assert "共发放资助资金1,875.00元（人民币壹仟捌佰柒拾伍元整）。" in html
    assert "到位资金11,000.00元，已批准资助所需3,000.00元，资金到位率366.7%，发放率17.0%。" in html
    assert "部门认定名单中的学生本学年均已获批准资助" in html
    assert "公示期间共收到异议2件：成立0件，不成立1件，正在核查1件；未按期答复1件。" in html


def test_a_school_s_summary_is_its_own(cast):
    build_year(cast)
    html = html_for(cast, cast.li, school_id=cast.school.pk)
    assert "青山县实验小学共有在校生" in html
    assert "受助学生4人" in html
    assert "共发放资助资金1,250.00元（人民币壹仟贰佰伍拾元整）。" in html
    assert "公示期间未收到异议。" in html


def test_the_page_shows_the_summary_and_the_print_is_a_pdf_recorded(cast, client_for):
    build_year(cast)
    client = client_for(cast.zhang)
    page = client.get("/reports/annual/", {"year": cast.school_year.pk})
    assert page.status_code == 200
    assert "受助学生4人" in page.content.decode()
    response = client.post("/reports/annual/print/", {"unit": f"school-{cast.school.pk}", "year": cast.school_year.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditEvent.Action.PRINT, actor=cast.zhang)
    assert event.changes["document"] == [None, "annual_statistics"]
    assert event.changes["paid"] == [None, "1,250.00"]


def test_a_unit_out_of_scope_is_not_found(cast, client_for):
    build_year(cast)
    client = client_for(cast.li)
    assert client.get("/reports/annual/", {"unit": f"county-{cast.county.pk}"}).status_code == 404
    assert client.get("/reports/annual/", {"unit": f"school-{cast.sibling_school.pk}"}).status_code == 404
    zhao = client_for(cast.zhao)
    assert zhao.get("/reports/annual/", {"unit": f"school-{cast.other_school.pk}"}).status_code == 404
    assert zhao.post("/reports/annual/print/", {"unit": f"county-{cast.other_county.pk}"}).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).exists()
    assert client_for(cast.wang).get("/reports/annual/").status_code == 403
