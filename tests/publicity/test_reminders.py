"""The daily reminder of objections due or overdue (Celery beat), and the dashboards' objection items."""

from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from aidsys.models import AuditEvent, Role, User
from aidsys.todo import todo_for
from publicity.models import ObjectionReminder
from publicity.services.objections import objection_decide
from publicity.tasks import objection_reminders_send_task
from tests.factories import MembershipFactory, UserFactory
from tests.publicity.objection_data import aid_office_of, lodge, running_notice, set_deadline


def reminded() -> dict[str, int]:
    return {reminder.user.username: reminder.objection_count for reminder in ObjectionReminder.objects.all()}


def send():
    return objection_reminders_send_task.delay().get()


OPEN = reverse_lazy("publicity:objection_list")
TO_ANSWER = f"{OPEN}?status=open"
PAST_DEADLINE = f"{OPEN}?status=overdue"
REMINDERS = reverse_lazy("publicity:objection_reminders")


def todo(user) -> dict[str, object]:
    """The user's to-do items by where they lead (the titles are in whatever language the catalogue has)."""
    return {item.url: item for item in todo_for(User.objects.get(pk=user.pk))}


class TestDailyReminder:
    def test_it_reminds_the_aid_office_and_the_principal_of_objections_due_today_or_overdue(self, cast):
        notice = running_notice(cast)
        due_today = set_deadline(lodge(notice, address="198.51.100.1"), 0)
        overdue = set_deadline(lodge(notice, address="198.51.100.2"), -2)
        set_deadline(lodge(notice, address="198.51.100.3"), 1)
        decided = set_deadline(lodge(notice, address="198.51.100.4"), -1)
        objection_decide(actor=cast.li, objection=decided, outcome="dismissed", decision="不属实。", reply="不属实。")
        result = send()
        assert result["sent"] == 2
        assert reminded() == {"li": 2, "zhang": 2}
        reminder = ObjectionReminder.objects.get(user=cast.li)
        assert (reminder.school, reminder.day, reminder.read_at) == (cast.school, timezone.localdate(), None)
        for number in (due_today.tracking_number, overdue.tracking_number):
            assert number in reminder.text
        assert decided.tracking_number not in reminder.text
        event = AuditEvent.objects.for_object(reminder).get()
        assert (event.action, event.actor, event.school_id) == ("create", None, cast.school.pk)

    def test_running_twice_the_same_day_reminds_once_and_the_next_day_again(self, cast):
        notice = running_notice(cast)
        set_deadline(lodge(notice), 0)
        assert send()["sent"] == 2
        assert send()["sent"] == 0
        assert ObjectionReminder.objects.count() == 2
        ObjectionReminder.objects.update(day=timezone.localdate() - timedelta(days=1))
        assert send()["sent"] == 2
        assert ObjectionReminder.objects.count() == 4

    def test_nothing_due_nobody_reminded_and_other_schools_staff_never(self, cast):
        notice = running_notice(cast)
        set_deadline(lodge(notice), 2)
        aid_office_of(cast.sibling_school)
        assert send()["sent"] == 0
        set_deadline(notice.objections.get(), -1)
        send()
        assert set(reminded()) == {"li", "zhang"}

    def test_it_mails_where_mail_is_configured_and_the_user_has_an_address(self, cast, settings):
        settings.AIDSYS_MAIL_ENABLED = True
        User.objects.filter(pk=cast.li.pk).update(email="li@school.example")
        notice = running_notice(cast)
        set_deadline(lodge(notice), -1)
        send()
        send()
        assert [message.to for message in mail.outbox] == [["li@school.example"]]
        assert notice.objections.get().tracking_number in mail.outbox[0].body
        assert ObjectionReminder.objects.get(user=cast.li).emailed_at is not None
        assert ObjectionReminder.objects.get(user=cast.zhang).emailed_at is None

    def test_without_mail_configured_nothing_is_mailed(self, cast):
        User.objects.filter(pk=cast.li.pk).update(email="li@school.example")
        notice = running_notice(cast)
        set_deadline(lodge(notice), -1)
        send()
        assert mail.outbox == []
        assert ObjectionReminder.objects.filter(emailed_at__isnull=True).count() == 2

    def test_it_is_on_the_beat_schedule(self):
        entry = settings.CELERY_BEAT_SCHEDULE["remind-objections-daily"]
        assert entry["task"] == objection_reminders_send_task.name == "publicity.tasks.objection_reminders_send"

    def test_an_inactive_membership_is_not_reminded(self, cast):
        deputy = UserFactory(username="zhou", full_name="周老师")
        MembershipFactory(
            user=deputy, role=Role.AID_OFFICE, school=cast.school, end=timezone.localdate() - timedelta(days=1)
        )
        set_deadline(lodge(running_notice(cast)), -1)
        send()
        assert "zhou" not in reminded()


class TestDashboards:
    def test_the_aid_office_sees_open_objections_marked_late_by_their_own_deadline(self, cast):
        notice = running_notice(cast)
        objection = set_deadline(lodge(notice), 1)
        item = todo(cast.li)[TO_ANSWER]
        assert (item.count, item.overdue, item.oldest) == (1, False, objection.lodged_at)
        set_deadline(objection, -1)
        assert todo(cast.li)[TO_ANSWER].overdue is True

    def test_the_principal_sees_only_overdue_objections(self, cast):
        notice = running_notice(cast)
        objection = set_deadline(lodge(notice), 0)
        assert PAST_DEADLINE not in todo(cast.zhang)
        set_deadline(objection, -1)
        item = todo(cast.zhang)[PAST_DEADLINE]
        assert (item.count, item.overdue) == (1, True)
        assert TO_ANSWER not in todo(cast.zhang)
        assert not any("objection" in url for url in todo(cast.wang))

    def test_unread_reminders_show_until_read(self, cast, client_for):
        set_deadline(lodge(running_notice(cast)), -1)
        send()
        assert todo(cast.li)[str(REMINDERS)].count == 1
        page = client_for(cast.li).get(reverse("publicity:objection_reminders")).content.decode()
        assert ObjectionReminder.objects.get(user=cast.li).text in page
        assert client_for(cast.li).post(reverse("publicity:objection_reminders_read")).status_code == 302
        assert str(REMINDERS) not in todo(cast.li)
        assert ObjectionReminder.objects.get(user=cast.zhang).read_at is None
        dashboard = client_for(cast.zhang).get(reverse("aidsys:dashboard")).content.decode()
        assert str(REMINDERS) in dashboard

    def test_other_todo_items_keep_their_seven_day_rule(self, cast):
        from aidsys.todo import TodoItem

        old = timezone.now() - timedelta(days=8)
        assert TodoItem(role="aid_office", title="t", count=1, url="/", oldest=old).overdue is True
        assert TodoItem(role="aid_office", title="t", count=1, url="/", oldest=old, late=False).overdue is False
        assert TodoItem(role="aid_office", title="t", count=1, url="/", oldest=timezone.now(), late=True).overdue
