from django.core.management.base import BaseCommand, CommandError

from aidsys.services.audit import audit_chain_verify

PROBLEMS = {
    "link": "its previous-hash does not match the event before it (an event was removed or reordered)",
    "content": "its content does not match its hash (the event was altered)",
    "tail": "no event reaches the chain head (events were removed from the end)",
    "head": "the chain head row is missing",
}


class Command(BaseCommand):
    help = "Walk the audit trail's hash chain and name the first broken link."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} events verified"))
            return
        where = f"event {report.broken_event_id}" if report.broken_event_id else "the chain head"
        problem = PROBLEMS[report.problem]
        checked = f"{report.checked} events before it verified"
        raise CommandError(f"audit chain broken at {where}: {problem}; {checked}")
