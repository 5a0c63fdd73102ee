"""Demo disbursement: 青山县第一初级中学 (cz) carries its roster from the principal's signature to the money.

周校长 signs the roster the reviews demo left waiting for him; 刘老师 notices it (the notice stands for
one posted the week before: its period is the one row moved into the past, as a notice cannot be
created backdated), closes it and reports it; 赵科长 of the county approves it and records the funds
received (central, provincial and county shares). Then, through the services as on the pages:

- a cash batch (现金签领) for two of the awards, approved by 周校长 and both lines recorded paid with
  the student's and the guardian's signatures (the other two lines taken out: paid by bank card);
- a bank-card batch for those two, approved; the bank's return file (built in memory) pays one and
  fails the other (账户已销户); the student's account is corrected and the follow-up batch (补发) is
  made, approved and paid by a second return file;
- every line settled, the term's leftover (结余, the 750 yuan received beyond the roster) is reported:
  it waits in 赵科长's 待办 for the county's decision (carry it to the next term, or return it).

The county's own grant (青山县励志助学金, county funds only) is paid to three of the same families and is
still under way, so the other roles' 待办 show the money's work too: its first bank-card batch is
approved and waits for the bank's return file (刘老师), and a second batch, for the family whose card
was only just opened, waits for 周校长's approval.
Idempotent: a school with any payment batch of a program and term is left as it is.
"""

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aidsys import cn
from aidsys.demo import school_prefix
from aidsys.models import User
from aidsys.services.writes import instance_update
from applications.models import AidProgram, Application, Boarding, FundingSource, PaymentMethod, Quota, Status
from applications.services.applications import application_file, application_submit
from applications.services.programs import funding_shares_set, program_create, program_standards_set, program_update
from applications.services.quotas import quota_allocate
from disbursements.models import BankFileLayout, FundAllocation, LineStatus, PaymentBatch
from disbursements.services import bank, batches, cash, leftovers
from disbursements.services.funds import fund_allocation_record
from publicity.models import NoticeKind, NoticeStatus, PublicNotice
from publicity.services import notices, reports
from reviews.demo import LATE_REASONS, STATEMENTS, _program_for
from reviews.models import RosterSignoff, SignoffStatus
from reviews.services import application_approve, application_recommend, roster_sign, roster_submit
from students.services import student_update

SCHOOL_CODE = "4399010002"
BANK = "中国农业银行青山县支行"
FAILURE = "账户已销户"
DOCUMENT_NUMBER = "青财教〔2026〕45号"
LEFTOVER = Decimal("750.00")
GRANT_CODE = "QS-LZ"
GRANT_NAME = "青山县励志助学金"
GRANT_PER_YEAR = Decimal("1000")
GRANT_DOCUMENT_NUMBER = "青教资〔2026〕12号"


def _card(n: int) -> str:
    """A Luhn-valid 19-digit card number of the demo, different for each n."""
    first = f"622848043{n:09d}"
    return first + next(str(digit) for digit in range(10) if cn.luhn_valid(first + str(digit)))


def _return_file(batch: PaymentBatch, failed_pk: int | None) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["农业银行代发回盘"])
    sheet.append(["业务参考号", "金额", "处理结果", "交易日期", "失败原因"])
    day = timezone.localdate().isoformat()
    for line in batch.lines.filter(status=LineStatus.PENDING).order_by("pk"):
        failed = line.pk == failed_pk
        sheet.append([line.reference, str(line.amount), "失败" if failed else "成功", day, FAILURE if failed else ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("回盘.xlsx", buffer.getvalue())


def _approved_by_county(*, signoff, aid, principal, county_user) -> None:
    if signoff.status == SignoffStatus.PENDING:
        signoff = roster_sign(actor=principal, signoff=signoff)
    notice = PublicNotice.objects.filter(signoff=signoff, kind=NoticeKind.ORIGINAL).order_by("pk").last()
    if notice is None:
        notice = notices.notice_create(
            actor=aid,
            signoff=signoff,
            start_date=timezone.localdate(),
            working_days=5,
            places=["school_board", "class"],
            contact_office="学校资助管理办公室",
            contact_phone="0731-84210002",
        )
    if notice.status == NoticeStatus.DRAFT:
        notice = notices.notice_publish(actor=aid, notice=notice)
    if notice.status == NoticeStatus.PUBLISHED:
        # Posted the week before: the period is moved into the past (no service backdates a notice).
        end = timezone.localdate() - timedelta(days=1)
        PublicNotice.objects.filter(pk=notice.pk).update(start_date=end - timedelta(days=6), end_date=end)
        notice.refresh_from_db()
        report = notices.notice_close(actor=aid, notice=notice)
        reports.report_approve(actor=county_user, report=report)


def _funds(*, school, program, term, county_user, total: Decimal, shares=None, document_number=DOCUMENT_NUMBER) -> None:
    if FundAllocation.objects.filter(school=school, program=program, term=term).exists():
        return
    shares = shares or [(source, Decimal(percent)) for source, percent in _funding_shares(program)]
    for source, percent in shares:
        fund_allocation_record(
            actor=county_user,
            school=school,
            program=program,
            term=term,
            source=source,
            amount=(total * percent / 100).quantize(Decimal("0.01")),
            document_number=document_number,
            document_date=timezone.localdate() - timedelta(days=10),
        )


def _funding_shares(program):
    from applications.services.programs import NATIONAL_PROGRAMS

    national = next(national for national in NATIONAL_PROGRAMS if national.code == program.code)
    return national.funding


# The Agricultural Bank's 代发 template: its headings, in its order.
BANK_LAYOUT = [
    {"field": "reference", "heading": "业务参考号"},
    {"field": "name", "heading": "户名"},
    {"field": "account", "heading": "账号"},
    {"field": "amount", "heading": "金额"},
    {"field": "remark", "heading": "摘要"},
]
COUNTY_COMPLAINT_PHONE = "0731-84210000"
SCHOOL_COMPLAINT_PHONE = "0731-84210002"


def _county_setup(context, school) -> None:
    """What the county sets once: the bank's file layout, and the complaint telephones the families'
    notices print (the county's and the paying school's)."""
    county_user = User.objects.get(username="county")
    if not BankFileLayout.objects.filter(county=context.county, bank=BANK).exists():
        bank.bank_layout_save(actor=county_user, county=context.county, bank=BANK, columns=BANK_LAYOUT)
    if not context.county.complaint_phone:
        instance_update(actor=county_user, instance=context.county, data={"complaint_phone": COUNTY_COMPLAINT_PHONE})
    if not school.complaint_phone:
        instance_update(actor=county_user, instance=school, data={"complaint_phone": SCHOOL_COMPLAINT_PHONE})


def seed(context) -> None:
    school = next(school for school in context.schools if school.code == SCHOOL_CODE)
    _county_setup(context, school)
    _national_allowance(context, school)
    _county_grant(context, school)


def _national_allowance(context, school) -> None:
    program = _program_for(school, context.county)
    term = context.term
    if program is None or PaymentBatch.objects.filter(school=school, program=program, term=term).exists():
        context.lines.append(f"{school.name}: payment batches (0 new this run)")
        return
    signoff = RosterSignoff.objects.filter(school=school, program=program, term=term).first()
    if signoff is None:
        context.lines.append(f"{school.name}: no roster to pay (0 new this run)")
        return
    prefix = school_prefix(school)
    aid, principal = (User.objects.get(username=f"{prefix}_{role}") for role in ("aid", "principal"))
    county_user = User.objects.get(username="county")
    _approved_by_county(signoff=signoff, aid=aid, principal=principal, county_user=county_user)

    # The county lets this school pay the junior-school allowance in cash against signatures too.
    if PaymentMethod.CASH not in program.payment_methods:
        program_update(actor=county_user, program=program, data={"payment_methods": [*program.payment_methods, "cash"]})
        program.refresh_from_db()
    awards = list(
        Application.objects.filter(school_class__school=school, program=program, term=term, status=Status.APPROVED)
        .select_related("student")
        .order_by("pk")
    )
    # The funds received cover the roster and one more day student's year (750 yuan): the leftover.
    total = sum(a.amount for a in awards) + LEFTOVER
    _funds(school=school, program=program, term=term, county_user=county_user, total=total)

    # Cash for the first two awards; the other two are taken out of it, to be paid by bank card.
    by_card = {award.student_id for award in awards[2:]}
    cash_batch = batches.batch_create(actor=aid, school=school, program=program, term=term, method="cash")
    for line in cash_batch.lines.order_by("pk"):
        if line.student_id in by_card:
            batches.line_cancel(actor=aid, line=line, reason="家长要求打卡发放，改由银行卡代发")
    cash_batch = batches.batch_approve(actor=principal, batch=batches.batch_submit(actor=aid, batch=cash_batch))
    today = timezone.localdate()
    receipts = [cash.Receipt(line, True, True, today) for line in cash_batch.lines.filter(status=LineStatus.PENDING)]
    cash.lines_record_paid(actor=aid, batch=cash_batch, receipts=receipts)

    # Bank cards for the other two: their accounts recorded, the batch approved, the return file read.
    for n, award in enumerate(awards[2:], start=1):
        student = award.student
        if not student.account_number:
            student_update(
                actor=aid,
                student=student,
                data={
                    "account_kind": "bank_card",
                    "account_number": _card(n),
                    "account_holder": student.name,
                    "account_bank": BANK,
                },
            )
    card_batch = batches.batch_create(actor=aid, school=school, program=program, term=term, method="bank_card")
    card_batch = batches.batch_approve(actor=principal, batch=batches.batch_submit(actor=aid, batch=card_batch))
    failed = card_batch.lines.order_by("pk").last()
    bank.return_file_import(actor=aid, batch=card_batch, upload=_return_file(card_batch, failed.pk))

    # The family brings the new card: the account corrected, the follow-up batch approved and paid.
    student_update(
        actor=aid,
        student=failed.student,
        data={"account_number": _card(9), "account_holder": failed.student_name, "account_bank": BANK},
        reason="原银行卡已销户，家长提供新卡",
    )
    follow_up = bank.follow_up_batch_create(actor=aid, batch=card_batch)
    follow_up = batches.batch_approve(actor=principal, batch=batches.batch_submit(actor=aid, batch=follow_up))
    bank.return_file_import(actor=aid, batch=follow_up, upload=_return_file(follow_up, None))

    # Every line settled: the term's leftover is reported; it waits for the county's decision.
    report = leftovers.leftover_report(actor=aid, school=school, program=program, term=term)
    made = PaymentBatch.objects.filter(school=school, program=program, term=term).count()
    context.lines.append(
        f"{school.name}: roster approved by the county, {made} payment batches paid (cash; bank with one failed "
        f"line and its follow-up), leftover {report.remainder} yuan reported to the county ({made} new this run)"
    )


def _grant_program(*, county_user, county, school_year, school, term):
    """The county's own grant: one standard, paid by the county alone, a quota of three for the school."""
    program = AidProgram.objects.filter(county=county, code=GRANT_CODE).first()
    if program is None:
        program = program_create(
            actor=county_user,
            county=county,
            code=GRANT_CODE,
            name=GRANT_NAME,
            stages=list(school.stages),
            pay_period="term",
            payment_methods=["bank_card"],
            notice_shows_amount=False,
            active=True,
        )
        program_standards_set(
            actor=county_user,
            program=program,
            school_year=school_year,
            rows=[{"tier": "", "boarding": Boarding.ANY, "amount_per_year": GRANT_PER_YEAR}],
        )
        funding_shares_set(
            actor=county_user,
            program=program,
            school_year=school_year,
            rows=[{"source": FundingSource.COUNTY, "percent": Decimal("100")}],
        )
    if not Quota.objects.filter(program=program, term=term, school=school).exists():
        quota_allocate(actor=county_user, program=program, term=term, school=school, tier="", awards=3, amount=None)
    return program


def _county_grant(context, school) -> None:
    """Three families of the allowance's roster also get the county's grant; its payment is under way."""
    term = context.term
    national = _program_for(school, context.county)
    if national is None:
        return
    prefix = school_prefix(school)
    teacher, aid, principal = (
        User.objects.get(username=f"{prefix}_{role}") for role in ("teacher", "aid", "principal")
    )
    county_user = User.objects.get(username="county")
    program = _grant_program(
        county_user=county_user, county=context.county, school_year=context.school_year, school=school, term=term
    )
    if PaymentBatch.objects.filter(school=school, program=program, term=term).exists():
        context.lines.append(f"{school.name}: {GRANT_NAME} batches (0 new this run)")
        return
    awards = list(
        Application.objects.filter(school=school, program=national, term=term, status=Status.APPROVED)
        .select_related("student")
        .prefetch_related("home_visits")
        .order_by("pk")
    )[1:4]
    if len(awards) < 3 or Application.objects.filter(program=program, term=term, school=school).exists():
        context.lines.append(f"{school.name}: {GRANT_NAME} (0 new this run)")
        return
    opens, closes = program.window_for(term)
    late = not (opens <= timezone.localdate() <= closes)
    for index, award in enumerate(awards):
        application = application_file(
            actor=teacher,
            student=award.student,
            program=program,
            term=term,
            requested_tier=award.approved_tier,
            statement=STATEMENTS[(index + 2) % len(STATEMENTS)],
            pledge_signed=True,
            late_reason=LATE_REASONS[index % len(LATE_REASONS)] if late else "",
            home_visits=list(award.home_visits.all()),
        )
        application_submit(actor=teacher, application=application)
        application_recommend(actor=teacher, application=application, tier=award.approved_tier)
        application_approve(actor=aid, application=application, tier=award.approved_tier)
    signoff = roster_submit(actor=aid, school=school, program=program, term=term)
    _approved_by_county(signoff=signoff, aid=aid, principal=principal, county_user=county_user)
    granted = list(
        Application.objects.filter(school=school, program=program, term=term, status=Status.APPROVED)
        .select_related("student")
        .order_by("pk")
    )
    _funds(
        school=school,
        program=program,
        term=term,
        county_user=county_user,
        total=sum(a.amount for a in granted),
        shares=[(FundingSource.COUNTY, Decimal("100"))],
        document_number=GRANT_DOCUMENT_NUMBER,
    )
    # The first family had no card yet: its line waits for the next batch; the other two are paid by card.
    waiting = granted[0].student
    first = batches.batch_create(actor=aid, school=school, program=program, term=term, method="bank_card")
    for line in first.lines.filter(student=waiting):
        batches.line_cancel(actor=aid, line=line, reason="学生尚未办理银行卡，办卡激活后另批发放")
    batches.batch_approve(actor=principal, batch=batches.batch_submit(actor=aid, batch=first))
    if not waiting.account_number:
        student_update(
            actor=aid,
            student=waiting,
            data={
                "account_kind": "bank_card",
                "account_number": _card(5),
                "account_holder": waiting.name,
                "account_bank": BANK,
            },
            reason="学生本人办理银行卡并激活",
        )
    second = batches.batch_create(actor=aid, school=school, program=program, term=term, method="bank_card")
    batches.batch_submit(actor=aid, batch=second)
    context.lines.append(
        f"{school.name}: {GRANT_NAME} for {len(granted)} students approved by the county; a card batch awaits "
        f"the bank's return file (cz_aid), another awaits the principal's approval (cz_principal) (2 new this run)"
    )
