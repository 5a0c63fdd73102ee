from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aidsys.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump, custom format) and every stored file into FOLDER, with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a new or empty folder")

    def handle(self, *args, folder, **options):
        try:
            manifest = backup_create(Path(folder))
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["database"]["tables"].values())
        tables, files = len(manifest["database"]["tables"]), len(manifest["files"])
        done = f"backed up {rows} rows of {tables} tables and {files} files into {folder}"
        self.stdout.write(self.style.SUCCESS(done))
