"""Demo reports: what 赵科长 of the county keeps in the reports pages.

- the national system's upload layout (全国学生资助管理信息系统上报格式), saved as the county's own;
- one county-wide 受助学生名单 of the junior school's program, exported for the term, so that 我的导出
  lists a finished file to download (in the embedded set-up the export is written once the demo
  commits; with a worker, by the worker).

The list is written in the county's upload layout. The other reports and the dashboards read the
work the earlier stages' demos left (rosters, payments, funds, the leftover), and one thing the
county's checks (重复资助、双重学籍) are there to find: a transfer (转出) the class teacher recorded
late, dated a week before the cash the student was paid. Idempotent: a county with the layout, an
export by 赵科长 or a student already transferred is left as it is.
"""

from datetime import timedelta

from aidsys.models import User
from disbursements.models import LineStatus, PaymentLine
from reports.layouts import NationalLayout
from reports.models import ReportExport
from reports.services.exports import export_start
from reports.services.layouts import national_layout_save
from reviews.demo import _program_for
from students.models import EnrolmentStatus
from students.services import student_status_change

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


def _late_transfer(school, program) -> int:
    """A student paid in cash whose transfer to another school is recorded after the payment, dated a
    week before it: the checks report lists the payment made after the student left the roll."""
    line = (
        PaymentLine.objects.filter(
            batch__school=school, batch__program=program, method="cash", status=LineStatus.PAID, paid_on__isnull=False
        )
        .select_related("student")
        .order_by("pk")
        .first()
    )
    if line is None or line.student.status != EnrolmentStatus.ENROLLED:
        return 0
    teacher = line.student.school_class.class_teacher
    student_status_change(
        actor=teacher,
        student=line.student,
        status=EnrolmentStatus.TRANSFERRED_OUT,
        since=line.paid_on - timedelta(days=7),
        reason="家长外出务工，学生随迁转学；转学手续办完后补录",
    )
    return 1


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
            request_params={
                "county_id": context.county.pk,
                "program_id": program.pk,
                "term_id": context.term.pk,
                "layout_id": NationalLayout.objects.get(county=context.county, name=LAYOUT_NAME).pk,
            },
        )
        new += 1
    new += _late_transfer(school, program)
    context.lines.append(
        f"reports: upload layout {LAYOUT_NAME}, a county-wide 受助学生名单 in 我的导出 (county) ({new} new this run)"
    )
