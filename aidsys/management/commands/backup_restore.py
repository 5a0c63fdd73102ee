from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aidsys.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup of backup_create into the empty database and the storage the settings name, "
        "and check every table's row count and every file's hash against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder written by backup_create (scripts/backup.sh)")

    def handle(self, *args, folder, **options):
        try:
            manifest = backup_restore(Path(folder))
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["database"]["tables"].values())
        tables, files = len(manifest["database"]["tables"]), len(manifest["files"])
        self.stdout.write(self.style.SUCCESS(f"restored and checked {rows} rows of {tables} tables and {files} files"))
