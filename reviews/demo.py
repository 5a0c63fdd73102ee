"""Demo reviews: applications at every stage in each demo school's class with a class teacher, in
the demo term, made through the services so that the audit trail is real; and review panels, each
with one recorded meeting (评议记录表).

青山县实验小学 (xx) is in the middle of its review: a draft, applications awaiting 王老师's first
review, one the aid office sent back to him, one he returned to the aid office that filed it,
recommended ones awaiting 李老师, awards within the quota and one not approved with its reason.
青山县第一初级中学 (cz) has decided its roster and submitted it: it waits for 周校长's signature.
青山县第一高级中学 (gz) has applications at first and second review in the grant's three tiers.
So every school role finds something in its 待办.

The poorest families of the class apply (special groups first, then the lowest income per
person); a family the class teacher visited and found not in difficulty is the one not approved.
Every application that has passed first review has a home visit of the school year, or (one of
them) the reason why there is none.

Idempotent: a school with any application in the demo term is left as it is, and a panel with a
meeting gets no other.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from aidsys.demo import school_prefix
from aidsys.models import SchoolClass, User
from applications.models import AidProgram, Application, Status
from applications.services.applications import application_file, application_submit
from applications.services.programs import NATIONAL_PROGRAMS
from reviews.models import PanelRole, ReviewMeeting, ReviewPanel, RosterSignoff, SignoffStatus
from reviews.services import (
    application_approve,
    application_recommend,
    application_reject,
    application_return,
    application_send_back,
    meeting_record,
    panel_member_add,
    panel_save,
    roster_submit,
)
from students.models import BigExpense, EnrolmentStatus, HomeVisit, Housing, IncomeSource, Student, Tier, VisitMethod
from students.services import home_visit_record

DRAFT = "draft"
SUBMIT = "submit"
SUBMIT_UNVISITED = "submit_unvisited"  # awaits first review with no home visit yet: the rule shows
RETURN = "return"  # filed by the aid office, returned to it by the class teacher
SEND_BACK = "send_back"
RECOMMEND = "recommend"
RECOMMEND_NO_VISIT = "recommend_no_visit"
APPROVE = "approve"
REJECT = "reject"

ESPECIALLY = Tier.ESPECIALLY_DIFFICULT
DIFFICULT = Tier.DIFFICULT
GENERALLY = Tier.GENERALLY_DIFFICULT

# Per school: (stage, tier), the poorest family first; REJECT goes to a family found not in difficulty.
PLANS = {
    "xx": [
        (APPROVE, ESPECIALLY),
        (APPROVE, DIFFICULT),
        (RECOMMEND, DIFFICULT),
        (RECOMMEND, GENERALLY),
        (SEND_BACK, DIFFICULT),
        (SUBMIT, DIFFICULT),
        (SUBMIT_UNVISITED, GENERALLY),
        (RETURN, DIFFICULT),
        (DRAFT, GENERALLY),
        (REJECT, GENERALLY),
    ],
    "cz": [
        (APPROVE, ESPECIALLY),
        (APPROVE, DIFFICULT),
        (APPROVE, DIFFICULT),
        (APPROVE, GENERALLY),
        (REJECT, GENERALLY),
    ],
    "gz": [
        (RECOMMEND, ESPECIALLY),
        (RECOMMEND, DIFFICULT),
        (RECOMMEND_NO_VISIT, GENERALLY),
        (SUBMIT, DIFFICULT),
        (SUBMIT_UNVISITED, GENERALLY),
        (DRAFT, GENERALLY),
    ],
}
# The schools whose roster is submitted for the principal's sign-off once decided.
SUBMITTED_FOR_SIGNOFF = {"cz"}
# (name or the staff role whose user it is, role on the panel, position)
PANEL = [
    ("principal", PanelRole.LEADER, "校长"),
    ("aid", PanelRole.AID_OFFICE, "资助专干"),
    ("teacher", PanelRole.CLASS_TEACHER, "班主任"),
    ("陈晓燕", PanelRole.TEACHER, "教师代表"),
    ("刘建华", PanelRole.PARENT, "家长委员会委员"),
]
PANEL_SCHOOLS = {"xx", "cz"}

STATEMENTS = [
    "父亲常年在外打零工，收入不稳定；母亲在家务农并照顾两位老人，家庭开支大。",
    "母亲长期患病需要服药，父亲打零工维持生活，家里还有一个弟弟在上学。",
    "家里靠种几亩水稻和玉米为生，今年夏天干旱，收成比往年少了一半。",
    "父亲去年在工地受伤，至今不能干重活，家庭失去了主要收入来源。",
    "爷爷奶奶年纪大、常年看病吃药，父母务农的收入难以维持一家开支。",
    "父母离异，孩子随父亲生活，父亲在镇上打零工，收入微薄。",
]
LATE_REASONS = [
    "家长在外务工，开学初未能回来签署承诺书，返乡后补办申请。",
    "开学初材料不全，补齐村（居）委会证明后申请。",
    "家庭在开学后遭遇变故，情况变化后申请。",
]
SEND_BACK_COMMENT = "请再核实一下家庭成员的务工收入，家访记录里与户口簿上的人数不一致。"
RETURN_COMMENT = "请补充村委会出具的家庭情况证明，并请家长在承诺书上签字。"
NO_VISIT_REASON = "家住外县山区，家长长期在外务工；已电话联系家长并查验村委会证明，寒假期间入户补访。"


def _program_for(school, county) -> AidProgram | None:
    codes = [national.code for national in NATIONAL_PROGRAMS]
    programs = AidProgram.objects.filter(county=county, code__in=codes, active=True).order_by("code")
    return next((program for program in programs if set(program.stages) & set(school.stages)), None)


def _hardship_order(students: list[Student]) -> list[Student]:
    """Special groups first, then the lowest income per person: the families most likely to apply."""

    def key(student):
        income = student.household.per_capita_income()
        return (-len(student.household.special_groups.all()), income is None, income or 0, student.pk)

    return sorted(students, key=key)


def _visits(students: list[Student], school_year) -> dict[int, HomeVisit]:
    visits = HomeVisit.objects.filter(student__in=students, school_year=school_year).order_by("visited_on", "pk")
    return {visit.student_id: visit for visit in visits}


def _assign(plan, students, visits) -> list[tuple[str, str, Student]]:
    """Each planned stage with its student: a family the teacher found not in difficulty is the one
    not approved, and never recommended for aid."""
    not_difficult = [s for s in students if s.pk in visits and visits[s.pk].suggested_tier == Tier.NOT_DIFFICULT]
    others = [student for student in students if student not in not_difficult]
    rejected = [stage for stage in plan if stage[0] == REJECT]
    # The richest of the visited, not-difficult families; else the richest of all.
    for_rejection = (not_difficult or others)[-len(rejected) :] if rejected else []
    poor = [student for student in others if student not in for_rejection]
    assigned = []
    for stage, tier in plan:
        student = for_rejection.pop() if stage == REJECT else poor.pop(0)
        assigned.append((stage, tier, student))
    return assigned


def _visit(*, teacher, student, school_year, tier, visited_on) -> HomeVisit:
    hard = tier in (ESPECIALLY, DIFFICULT)
    return home_visit_record(
        actor=teacher,
        student=student,
        school_year=school_year,
        visited_on=visited_on,
        method=VisitMethod.IN_PERSON,
        people_met=f"{student.guardian_name}（{student.get_guardian_relation_display()}）"
        if student.guardian_name
        else "家长",
        housing=Housing.POOR if hard else Housing.ORDINARY,
        income_sources=[IncomeSource.WAGES, IncomeSource.FARMING],
        big_expenses=[BigExpense.MEDICAL] if tier == ESPECIALLY else [],
        notes="家中住房简陋，家长务工收入不稳定，孩子懂事、学习认真。" if hard else "家庭收入偏低，日常开支较紧。",
        suggested_tier=tier,
    )


def _reject_reason(student) -> str:
    income = student.household.per_capita_income()
    if income is None:
        return "经家访核实，家庭无特殊困难情形，不符合认定条件，本学期未予通过。"
    return (
        f"经家访核实，家庭人均年收入约{income:.0f}元，家访结论为不困难，且无特殊困难情形，"
        "不符合认定条件，本学期未予通过。"
    )


def _seed_school(context, school, program, school_class) -> int:
    prefix = school_prefix(school)
    teacher = school_class.class_teacher
    aid_office = User.objects.get(username=f"{prefix}_aid")
    term = context.term
    today = timezone.localdate()
    opens, closes = program.window_for(term)
    late = not (opens <= today <= closes)
    students = list(
        Student.objects.filter(school_class=school_class, status=EnrolmentStatus.ENROLLED)
        .select_related("household", "school", "school_class")
        .prefetch_related("household__members", "household__special_groups")
        .order_by("pk")
    )
    students = _hardship_order(students)
    visits = _visits(students, context.school_year)
    visit_day = date(term.start.year, 9, 12)
    filed = []
    for index, (stage, tier, student) in enumerate(_assign(PLANS[prefix], students, visits)):
        needs_visit = stage in (APPROVE, RECOMMEND, SEND_BACK, SUBMIT, REJECT)
        if needs_visit and student.pk not in visits:
            visits[student.pk] = _visit(
                teacher=teacher,
                student=student,
                school_year=context.school_year,
                tier=Tier.NOT_DIFFICULT if stage == REJECT else tier,
                visited_on=min(visit_day + timedelta(days=index), today),
            )
        filer = aid_office if stage == RETURN else teacher
        application = application_file(
            actor=filer,
            student=student,
            program=program,
            term=term,
            requested_tier=tier,
            statement=STATEMENTS[index % len(STATEMENTS)],
            pledge_signed=stage != DRAFT,
            late_reason=LATE_REASONS[index % len(LATE_REASONS)] if late else "",
            home_visits=[visits[student.pk]] if student.pk in visits else [],
        )
        filed.append(application)
        if stage == DRAFT:
            continue
        application_submit(actor=filer, application=application)
        if stage in (SUBMIT, SUBMIT_UNVISITED):
            continue
        if stage == RETURN:
            application_return(actor=teacher, application=application, comment=RETURN_COMMENT)
            continue
        application_recommend(
            actor=teacher,
            application=application,
            # The teacher forwards the family's request; the visit found it not in difficulty.
            tier=tier,
            note="家长反映今年务工收入减少，请复审时核实。" if stage == REJECT else "",
            no_visit_reason=NO_VISIT_REASON if stage == RECOMMEND_NO_VISIT else "",
        )
        if stage == APPROVE:
            application_approve(actor=aid_office, application=application, tier=tier)
        elif stage == REJECT:
            application_reject(actor=aid_office, application=application, reason=_reject_reason(student))
        elif stage == SEND_BACK:
            application_send_back(actor=aid_office, application=application, comment=SEND_BACK_COMMENT)
    if prefix in PANEL_SCHOOLS:
        _panel(school=school, term=term, aid_office=aid_office, school_class=school_class, today=today)
    if prefix in SUBMITTED_FOR_SIGNOFF:
        roster_submit(actor=aid_office, school=school, program=program, term=term)
    return len(filed)


def _panel(*, school, term, aid_office, school_class, today) -> None:
    panel = panel_save(
        actor=aid_office,
        school=school,
        term=term,
        formed_on=min(date(term.start.year, 9, 25), today),
        note="评议小组按班级逐一评议，评议过程不公开学生家庭困难情况。",
    )
    for who, role, title in PANEL:
        user = User.objects.filter(username=f"{school_prefix(school)}_{who}").first()
        name = user.full_name if user else who
        if role == PanelRole.CLASS_TEACHER:
            title = f"{school_class.name}{title}"
        panel_member_add(actor=aid_office, panel=panel, name=name, role=role, title=title)


MEETING_PLACE = "学校三楼会议室"
MEETING_DECISIONS = (
    "评议小组逐班审阅了班主任初审推荐的申请及家访记录，对照资助标准和名额，按困难程度排序，"
    "一致同意将复审通过的学生名单报校长审定；未获资助的申请由资助办逐一向家长说明理由。"
)


def _meetings(schools, term) -> None:
    """One meeting for each demo panel that has none yet, attended by all but its last member."""
    today = timezone.localdate()
    panels = ReviewPanel.objects.filter(school__in=schools, term=term).select_related("school", "term__school_year")
    for panel in panels:
        members = list(panel.members.all())
        aid_office = User.objects.filter(username=f"{school_prefix(panel.school)}_aid").first()
        if panel.meetings.exists() or not members or aid_office is None:
            continue
        meeting_record(
            actor=aid_office,
            panel=panel,
            date=min(panel.formed_on + timedelta(days=2), today),
            place=MEETING_PLACE,
            members_present=members[:-1] if len(members) > 1 else members,
            decisions=MEETING_DECISIONS,
            dissent="家长代表建议对突发变故家庭在下学期评议时优先考虑，已记录在案。",
        )


def seed(context) -> None:
    created = 0
    for school in context.schools:
        program = _program_for(school, context.county)
        school_class = (
            SchoolClass.objects.filter(school=school, school_year=context.school_year, class_teacher__isnull=False)
            .select_related("class_teacher", "school")
            .order_by("grade", "number")
            .first()
        )
        if program is None or school_class is None or school_prefix(school) not in PLANS:
            continue
        if Application.objects.filter(school=school, term=context.term).exists():
            continue
        created += _seed_school(context, school, program, school_class)
    _meetings(context.schools, context.term)
    applications = Application.objects.filter(school__in=context.schools, term=context.term)
    awarded = applications.filter(status=Status.APPROVED)
    total = sum((application.amount for application in awarded), Decimal("0.00"))
    panels = ReviewPanel.objects.filter(school__in=context.schools, term=context.term)
    meetings = ReviewMeeting.objects.filter(panel__in=panels).count()
    panels = panels.count()
    classes = applications.values("school_class").distinct().count()
    pending = RosterSignoff.objects.filter(school__in=context.schools, status=SignoffStatus.PENDING)
    signers = ", ".join(f"{school_prefix(signoff.school)}_principal" for signoff in pending.select_related("school"))
    context.lines.append(
        f"reviews: {applications.count()} applications in {classes} classes "
        f"({created} new this run), {awarded.count()} approved ({total} yuan), "
        f"{panels} review panels ({meetings} meetings), "
        f"rosters awaiting the principal's sign-off: {pending.count()} ({signers or '-'})"
    )
