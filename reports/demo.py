"""Demo reports: what 赵科长 of the county keeps in the reports pages.

- the national system's upload layout (全国学生资助管理信息系统上报格式), saved as the county's own;
- one county-wide 受助学生名单 of the junior school's program, exported for the term, so that 我的导出
  lists a finished file to download (in the embedded set-up the export is written once the demo
  commits; with a worker, by the worker).

The other reports and the dashboards read the work the earlier stages' demos left (rosters, payments,
funds, the leftover). Idempotent: a county with the layout, or an export by 赵科长, is left as it is.
"""

from aidsys.models import User
from reports.layouts import NationalLayout
from reports.models import ReportExport
from reports.services.exports import export_start
from reports.services.layouts import national_layout_save
from reviews.demo import _program_for

LAYOUT_NAME = "全国学生资助管理信息系统上报格式"
LAYOUT_COLUMNS = [
    {"field": "school", "heading": "学校名称"},
    {"field": "class", "heading": "班级名称"},
    {"field": "name", "heading": "学生姓名"},
    {"field": "gender", "heading": "性别"},
    {"field": "ethnicity", "heading": "民族"},
    {"field": "id_number", "heading": "身份证件号"},
    {"field": "tier", "heading": "资助档次"},
    {"field": "amount", "heading": "资助金额（元）"},
    {"field": "sources", "heading": "其中："},
    {"field": "method", "heading": "发放方式"},
]
# The junior school's program: its roster is approved and paid, so the list has rows.
SCHOOL_CODE = "4399010002"
EXPORTED_REPORT = "aided_students"


def seed(context) -> None:
    county_user = User.objects.get(username="county")
    new = 0
    if not NationalLayout.objects.filter(county=context.county, name=LAYOUT_NAME).exists():
        national_layout_save(actor=county_user, county=context.county, name=LAYOUT_NAME, columns=LAYOUT_COLUMNS)
        new += 1
    school = next(school for school in context.schools if school.code == SCHOOL_CODE)
    program = _program_for(school, context.county)
    if program is not None and not ReportExport.objects.filter(owner=county_user).exists():
        export_start(
            user=county_user,
            report_key=EXPORTED_REPORT,
            request_params={"county_id": context.county.pk, "program_id": program.pk, "term_id": context.term.pk},
        )
        new += 1
    context.lines.append(
        f"reports: upload layout {LAYOUT_NAME}, a county-wide 受助学生名单 in 我的导出 (county) ({new} new this run)"
    )
