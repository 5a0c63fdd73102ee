import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.module_loading import import_string, module_has_submodule

from aidsys import county_seed
from aidsys.demo import DEMO_PASSWORD
from aidsys.models import AuditEvent, School, SchoolClass, User
from applications.models import Application
from disbursements.models import PaymentBatch, PaymentLine
from publicity.models import Objection, PublicNotice
from students.models import HomeVisit, Household, HouseholdMember, SpecialGroupFlag, Student


class Command(BaseCommand):
    help = (
        "Generate a county for benchmarks and the load test: schools of each stage, classes, users of each role, "
        "students with households, home visits, special groups from official lists, applications at every stage, "
        "notices with objections, reports, funds and payments. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=100)
        parser.add_argument("--students", type=int, default=50000)
        parser.add_argument("--seed", type=int, default=1, help="the random seed: the same seed, the same county")
        parser.add_argument("--county-code", default="439902", help="six-digit division code (several may coexist)")
        parser.add_argument("--county-name", default="", help="default: 青山县 with the code's last two digits")

    def handle(self, *args, **options):
        if not settings.AIDSYS_DEMO_ALLOWED:
            raise CommandError("seed_county makes accounts with a published password: only with AIDSYS_DEBUG on")
        code = options["county_code"]
        if len(code) != 6 or not code.isdigit():
            raise CommandError("--county-code must be six digits")
        if options["schools"] < 1 or options["students"] < options["schools"] * 10:
            raise CommandError("give at least one school and ten students per school")
        name = options["county_name"] or f"青山{code[-2:]}县"
        started, cpu = time.monotonic(), time.process_time()

        def progress(line):
            # CPU seconds beside the wall clock's: on a shared machine the wall clock tells of the others too.
            self.stdout.write(f"[{time.monotonic() - started:7.1f}s, CPU {time.process_time() - cpu:6.1f}s] {line}")

        with translation.override("zh-hans"):
            progress(f"{name} ({code}): {options['schools']} schools, {options['students']} students")
            context = county_seed.seed(
                code=code,
                name=name,
                schools=options["schools"],
                students=options["students"],
                seed=options["seed"],
                progress=progress,
            )
            # Each later stage adds its own part, in INSTALLED_APPS order (the workflow's order).
            for config in apps.get_app_configs():
                if config.name != "aidsys" and module_has_submodule(config.module, "county_seed"):
                    progress(f"{config.name} ...")
                    import_string(f"{config.name}.county_seed.seed")(context)
        self._counts(context, time.monotonic() - started, time.process_time() - cpu)

    def _counts(self, context, elapsed: float, cpu: float) -> None:
        county = context.county
        in_county = {"household__students__school__county": county}
        rows = [
            ("schools", School.objects.filter(county=county)),
            ("classes", SchoolClass.objects.filter(school__county=county)),
            ("users", User.objects.filter(username__startswith=f"{county.code}")),
            ("students", Student.objects.filter(school__county=county)),
            ("households", Household.objects.filter(students__school__county=county).distinct()),
            (
                "household members",
                HouseholdMember.objects.filter(**in_county).distinct(),
            ),
            (
                "special-group flags",
                SpecialGroupFlag.objects.filter(**in_county).distinct(),
            ),
            ("home visits", HomeVisit.objects.filter(student__school__county=county)),
            ("applications", Application.objects.filter(school__county=county)),
            ("public notices", PublicNotice.objects.filter(school__county=county)),
            ("objections", Objection.objects.filter(notice__school__county=county)),
            ("payment batches", PaymentBatch.objects.filter(school__county=county)),
            ("payment lines", PaymentLine.objects.filter(batch__school__county=county)),
            ("audit events", AuditEvent.objects.filter(county=county)),
        ]
        self.stdout.write("")
        for label, queryset in rows:
            self.stdout.write(f"  {label:<20} {queryset.count():>9}")
        self.stdout.write(f"Done in {elapsed:.1f} s ({cpu:.1f} s of CPU in this process).")
        self.stdout.write(
            f"Accounts (password for all: {DEMO_PASSWORD}): {county.code}_county1..3 (county staff); per school "
            f"<school code>_aid, <school code>_principal, and <school code>_t<grade><class, two digits> "
            f"(class teacher, e.g. {county.code}0001_t2101)."
        )
