"""The generated county's notices, objections, reports, funds and payments (`manage.py seed_county`).

Each school whose roster the reviews part submitted goes on through the services, as far as its
state (`reviews.county_seed.SCHOOL_STATES`) says: the principal signs, the aid office publishes the
notice and the public lodges two objections (one answered; in a school whose notice still runs the
other stays open). Further on, the notice stands for one posted the week before (its period moved
into the past, as the demo does: no service backdates a notice), is closed and reported; the county
approves it, records the funds (central, provincial and county shares) and the school pays: the
awards with a card on file by a bank batch whose return file pays every line, the others in cash
against both signatures. Programs paid monthly (中职国家助学金) stop at the funds.

Idempotent: a school with a notice in the term is left as it is.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from applications.models import Application, Status
from disbursements.demo import BANK_LAYOUT, _funds, _return_file
from disbursements.models import BankFileLayout, LineStatus
from disbursements.services import bank, batches, cash
from publicity.models import NoticeKind, ObjectionStatus, PublicNotice
from publicity.services import notices, reports
from publicity.services.objections import RosterAction, address_hash, objection_decide, objection_lodge
from reviews.county_seed import NOTICED, PAID, REPORTED, school_state
from reviews.models import RosterSignoff, SignoffStatus
from reviews.services import roster_sign
from students.county_seed import BANK, card_number
from students.services import student_update

OBJECTIONS = [
    ("张先生", "13807310001", "该生家里去年新盖了楼房，父母都在外地开店，请学校核实家庭经济情况。"),
    ("李女士", "", "名单上这位同学的档次是否合适？我们村里的情况我比较了解，希望再核实一下。"),
    ("王先生", "0731-84216688", "该生父母在县城有门面出租，家里还买了小轿车，不应享受资助。"),
]
DISMISSAL = "经资助办再次入户核实并查验村委会证明，该生家庭经济困难情况属实，评定档次符合标准，维持原评定结果。"
REPLY = "您好，经学校核实，该生家庭情况与申请材料一致，维持原评定。感谢您对学生资助工作的监督。"
UPHOLDING = "经资助办入户核实并查询车辆、房产登记，反映情况属实，家庭经济状况不符合认定标准，撤销该生本学期资助。"
UPHELD_REPLY = "您好，经学校核实，您反映的情况属实，已撤销该生本学期资助，并将发布补充公示。感谢您的监督。"
PAYING = {NOTICED: False, REPORTED: False, PAID: True}


def _notice(context, school, signoff, state) -> None:
    aid, principal = context.staff(school, "aid"), context.staff(school, "principal")
    signoff = roster_sign(actor=principal, signoff=signoff)
    notice = notices.notice_create(
        actor=aid,
        signoff=signoff,
        start_date=timezone.localdate(),
        working_days=5,
        places=["school_board", "class"],
        contact_office="学校资助管理办公室",
        contact_phone="0731-84210002",
    )
    notice = notices.notice_publish(actor=aid, notice=notice)
    # In a school whose notice still runs, a third objection is upheld: the award is revoked and a
    # supplementary notice drafted, for the principal to sign.
    entries = list(notice.entries.order_by("pk")[: 3 if state == NOTICED else 2])
    lodged = [
        objection_lodge(
            notice=notice,
            entry_id=entry.pk,
            name=name,
            contact=contact,
            text=text,
            address=address_hash(f"10.{context.schools.index(school) % 250}.0.{number}"),
        )
        for number, (entry, (name, contact, text)) in enumerate(zip(entries, OBJECTIONS, strict=False), start=1)
    ]
    answered = lodged if state != NOTICED else lodged[:1]
    for objection in answered:
        objection_decide(
            actor=aid, objection=objection, outcome=ObjectionStatus.DISMISSED, decision=DISMISSAL, reply=REPLY
        )
    if state == NOTICED:
        for objection in lodged[2:]:
            objection_decide(
                actor=aid,
                objection=objection,
                outcome=ObjectionStatus.UPHELD,
                decision=UPHOLDING,
                reply=UPHELD_REPLY,
                action=RosterAction.REMOVE,
            )
        return
    end = timezone.localdate() - timedelta(days=1)
    PublicNotice.objects.filter(pk=notice.pk).update(start_date=end - timedelta(days=6), end_date=end)
    notice.refresh_from_db()
    report = notices.notice_close(actor=aid, notice=notice)
    if state == PAID:
        reports.report_approve(actor=context.county_staff[0], report=report)
        _pay(context, school, signoff.program)


def _pay(context, school, program) -> None:
    term = context.term
    county_user = context.county_staff[0]
    awards = Application.objects.filter(school=school, program=program, term=term, status=Status.APPROVED)
    _funds(school=school, program=program, term=term, county_user=county_user, total=sum(a.amount for a in awards))
    if program.pay_period == "month":
        return
    aid, principal = context.staff(school, "aid"), context.staff(school, "principal")
    by_card = batches.batch_create(actor=aid, school=school, program=program, term=term, method="bank_card")
    for line in by_card.lines.filter(account_number="").order_by("pk"):
        batches.line_cancel(actor=aid, line=line, reason="学生尚未办理银行卡，改为现金签领")
    if not by_card.lines.filter(status=LineStatus.CANCELLED).exists():
        # A family whose card is being replaced is paid in cash (so every paying school has both).
        line = by_card.lines.order_by("pk").first()
        batches.line_cancel(actor=aid, line=line, reason="学生银行卡挂失补办中，改为现金签领")
    if by_card.lines.filter(status=LineStatus.PENDING).exists():
        by_card = batches.batch_approve(actor=principal, batch=batches.batch_submit(actor=aid, batch=by_card))
        _failed_and_repaid(context, school, by_card, aid, principal)
    if by_card.lines.filter(status=LineStatus.CANCELLED).exists():
        in_cash = batches.batch_create(actor=aid, school=school, program=program, term=term, method="cash")
        in_cash = batches.batch_approve(actor=principal, batch=batches.batch_submit(actor=aid, batch=in_cash))
        today = timezone.localdate()
        receipts = [cash.Receipt(line, True, True, today) for line in in_cash.lines.filter(status=LineStatus.PENDING)]
        cash.lines_record_paid(actor=aid, batch=in_cash, receipts=receipts)


def _failed_and_repaid(context, school, batch, aid, principal) -> None:
    """The bank pays every line but one, whose card was closed (账户已销户); the family brings a new
    card, the account is corrected and a follow-up batch (补发) repays the line."""
    failed = batch.lines.filter(status=LineStatus.PENDING).order_by("pk").last()
    bank.return_file_import(actor=aid, batch=batch, upload=_return_file(batch, failed.pk))
    student_update(
        actor=aid,
        student=failed.student,
        data={
            "account_number": card_number(context.rng("new card", school.code)),
            "account_holder": failed.student_name,
        },
        reason="原银行卡已销户，家长提供新卡",
    )
    follow_up = bank.follow_up_batch_create(actor=aid, batch=batch)
    follow_up = batches.batch_approve(actor=principal, batch=batches.batch_submit(actor=aid, batch=follow_up))
    bank.return_file_import(actor=aid, batch=follow_up, upload=_return_file(follow_up, None))


def seed(context) -> None:
    if not BankFileLayout.objects.filter(county=context.county, bank=BANK).exists():
        bank.bank_layout_save(actor=context.county_staff[0], county=context.county, bank=BANK, columns=BANK_LAYOUT)
    done = 0
    for index, school in enumerate(context.schools, start=1):
        done += _school(context, school)
        if index % 10 == 0 or index == len(context.schools):
            context.progress(f"  notices and payments: {index}/{len(context.schools)} schools ({done} new)")


def _school(context, school) -> int:
    """1 if the school's roster went on (its notice, and further as its state says), else 0."""
    state = school_state(school, context)
    if state not in PAYING:
        return 0
    if PublicNotice.objects.filter(school=school, term=context.term, kind=NoticeKind.ORIGINAL).exists():
        return 0
    signoff = RosterSignoff.objects.filter(school=school, term=context.term, status=SignoffStatus.PENDING).first()
    if signoff is None:
        return 0
    with transaction.atomic():
        _notice(context, school, signoff, state)
    return 1
