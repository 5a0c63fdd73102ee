"""Demo programs and quotas: the national programs of the demo county and a quota for each demo school.

Idempotent: the seed adds only what is missing, and a quota that exists is left as it is.
"""

from aidsys.models import User
from applications.models import AidProgram, Quota
from applications.selectors import schools_served
from applications.services.programs import NATIONAL_PROGRAMS, national_programs_seed
from applications.services.quotas import quota_allocate

# Awards per school and term: about one student in five of the demo schools' 168 gets one.
DEMO_AWARDS = 30


def seed(context) -> None:
    county_user = User.objects.get(username="county")
    outcome = national_programs_seed(actor=county_user, county=context.county, school_year=context.school_year)
    programs = AidProgram.objects.filter(county=context.county, code__in=[p.code for p in NATIONAL_PROGRAMS])
    created = 0
    for program in programs:
        for school in schools_served(program=program):
            if school not in context.schools:
                continue
            if Quota.objects.filter(program=program, term=context.term, school=school).exists():
                continue
            quota_allocate(
                actor=county_user,
                program=program,
                term=context.term,
                school=school,
                tier="",
                awards=DEMO_AWARDS,
                amount=None,
            )
            created += 1
    context.lines.append(
        f"aid programs: {programs.count()} national programs ({outcome.programs_created} new this run), "
        f"{created} school quotas added for {context.term}"
    )
