import json

from django.core.management.base import BaseCommand

from aidsys.models import AuditAnchor
from aidsys.services.audit_chain import anchors_export


class Command(BaseCommand):
    help = "Print the audit chains' signed anchors as JSON, to be kept outside the system (verify_audit --anchors)."

    def add_arguments(self, parser):
        parser.add_argument("--partition", action="append", help="only this chain (c<county id>, accounts, system)")

    def handle(self, *args, partition=None, **options):
        anchors = AuditAnchor.objects.all()
        if partition:
            anchors = anchors.filter(partition__in=partition)
        self.stdout.write(json.dumps(anchors_export(anchors), ensure_ascii=False, indent=1))
