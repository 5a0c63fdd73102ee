from django.core.management.base import BaseCommand

from aidsys.services.audit_chain import audit_seal


class Command(BaseCommand):
    help = "Seal each audit chain's head into an anchor signed with AIDSYS_AUDIT_KEY (Celery beat does it hourly)."

    def handle(self, *args, **options):
        anchors = audit_seal()
        for anchor in anchors:
            self.stdout.write(f"sealed {anchor.partition} #{anchor.seq} {anchor.head_hash}")
        self.stdout.write(self.style.SUCCESS(f"{len(anchors)} chains sealed"))
