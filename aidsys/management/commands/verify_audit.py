import json

from django.core.management.base import BaseCommand, CommandError

from aidsys.services.audit_chain import PROBLEMS, audit_chain_verify, exported_anchors_verify


class Command(BaseCommand):
    help = (
        "Walk each audit chain from its last verified anchor (--full: from its first event) and name "
        "the first broken link."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="walk every event and check every anchor")
        parser.add_argument(
            "--anchors", metavar="FILE", help="also check anchors exported earlier (audit_anchors) against the chains"
        )

    def handle(self, *args, full=False, anchors=None, **options):
        report = audit_chain_verify(full=full)
        if not report.ok:
            if report.broken_event_id is not None:
                where = f"event {report.broken_event_id} (chain {report.partition}, number {report.seq})"
            elif report.seq is not None:
                where = f"chain {report.partition}, number {report.seq} (no such event)"
            else:
                where = f"chain {report.partition}"
            checked = f"{report.checked} events before it verified"
            raise CommandError(f"audit chain broken at {where}: {PROBLEMS[report.problem]}; {checked}")
        walked = "every event" if full else "from the last verified anchors"
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain intact: {report.checked} events verified ({walked}), {report.anchors} anchors"
            )
        )
        if anchors:
            with open(anchors, encoding="utf-8") as file:
                exported = json.load(file)["anchors"]
            outside = exported_anchors_verify(exported)
            if not outside.ok:
                anchor = outside.anchor
                where = f"chain {anchor['partition']}, number {anchor['seq']}"
                raise CommandError(f"exported anchor of {where} does not hold: {PROBLEMS[outside.problem]}")
            self.stdout.write(self.style.SUCCESS(f"exported anchors hold: {outside.checked}"))
