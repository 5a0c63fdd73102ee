"""The load test's two looks at the database (bench/load_county.py runs them in processes of their own).

    python bench/load_county_db.py plan FILE   who signs in, and where: the journeys' accounts and ids, as JSON
    python bench/load_county_db.py check       after the run: no quota exceeded, no payment made twice

Run with the environment of the app servers (DATABASE_URL ...). The checks count in SQL of their own,
not through the services they check.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidsys.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import translation  # noqa: E402

from aidsys.models import County, School, SchoolClass, User  # noqa: E402
from publicity.models import PublicNotice  # noqa: E402
from students.models import Student  # noqa: E402

STUDENTS_PER_CLASS = 12


def plan(county_code: str) -> dict:
    """Accounts of each role spread over the schools, with the ids their journeys start from."""
    county = County.objects.get(code=county_code)
    schools = list(School.objects.filter(county=county).order_by("code"))
    usernames = set(User.objects.filter(is_active=True).values_list("username", flat=True))
    classes = list(
        SchoolClass.objects.filter(school__in=schools, class_teacher__isnull=False)
        .select_related("class_teacher", "school")
        .order_by("school__code", "pk")
    )
    students: dict[int, list[int]] = {}
    for class_id, student_id in (
        Student.objects.filter(school_class__in=classes).order_by("pk").values_list("school_class_id", "pk")
    ):
        students.setdefault(class_id, [])
        if len(students[class_id]) < STUDENTS_PER_CLASS:
            students[class_id].append(student_id)
    # Teachers in school order, interleaved, so that the first N are spread over the schools.
    by_school: dict[int, list[dict]] = {}
    for school_class in classes:
        username = school_class.class_teacher.username
        if username in usernames and students.get(school_class.pk):
            by_school.setdefault(school_class.school_id, []).append(
                {"username": username, "class": school_class.pk, "students": students[school_class.pk]}
            )
    teachers = [row for group in _interleave(list(by_school.values())) for row in group]
    tokens = list(PublicNotice.objects.filter(school__in=schools, status="published").values_list("token", flat=True))
    return {
        "county": county.pk,
        "county_staff": sorted(name for name in usernames if name.startswith(f"{county.code}_county")),
        "teachers": teachers,
        "aid_offices": [
            {"username": f"{school.code}_aid", "school": school.pk, "import_into": import_class(school, classes)}
            for school in schools
            if f"{school.code}_aid" in usernames
        ],
        "principals": [
            {"username": f"{school.code}_principal", "school": school.pk}
            for school in schools
            if f"{school.code}_principal" in usernames
        ],
        "notices": tokens,
    }


def import_class(school, classes) -> dict | None:
    """A class the aid office's small roster adds students to: its words in a roster, and a birth date
    of its pupils (a new pupil's 身份证号 is made from it)."""
    for school_class in classes:
        if school_class.school_id == school.pk:
            birth = Student.objects.filter(school_class=school_class).values_list("birth_date", flat=True).first()
            if birth:
                with translation.override("zh-hans"):
                    grade = str(school_class.get_grade_display())
                return {"grade": grade, "number": str(school_class.number), "birth": birth.isoformat()}
    return None


def _interleave(groups: list[list[dict]]) -> list[list[dict]]:
    rounds = []
    for index in range(max((len(group) for group in groups), default=0)):
        rounds.append([group[index] for group in groups if index < len(group)])
    return rounds


QUOTA_EXCEEDED = """
SELECT q.id, q.awards, q.amount, count(a.id), coalesce(sum(a.amount), 0)
FROM applications_quota q
JOIN applications_application a
  ON a.program_id = q.program_id AND a.term_id = q.term_id AND a.school_id = q.school_id
 AND a.status = 'approved' AND (q.tier = '' OR a.approved_tier = q.tier)
GROUP BY q.id
HAVING (q.awards IS NOT NULL AND count(a.id) > q.awards) OR (q.amount IS NOT NULL AND sum(a.amount) > q.amount)
"""
CLASS_QUOTA_EXCEEDED = """
SELECT c.id, c.awards, c.amount, count(a.id), coalesce(sum(a.amount), 0)
FROM applications_classquota c
JOIN applications_quota q ON q.id = c.quota_id
JOIN applications_application a
  ON a.program_id = q.program_id AND a.term_id = q.term_id AND a.school_id = q.school_id
 AND a.school_class_id = c.school_class_id
 AND a.status = 'approved' AND (q.tier = '' OR a.approved_tier = q.tier)
GROUP BY c.id
HAVING (c.awards IS NOT NULL AND count(a.id) > c.awards) OR (c.amount IS NOT NULL AND sum(a.amount) > c.amount)
"""
# A period is the term, or the month of a program paid monthly: one paid line per student and period.
PAID_TWICE = """
SELECT l.student_id, b.program_id, b.term_id, l.period, count(*)
FROM disbursements_paymentline l JOIN disbursements_paymentbatch b ON b.id = l.batch_id
WHERE l.status = 'paid'
GROUP BY l.student_id, b.program_id, b.term_id, l.period
HAVING count(*) > 1
"""


def check() -> list[str]:
    """What is wrong in the database after the run, one line each; empty if nothing."""
    from applications.models import Application

    problems = []
    with connection.cursor() as cursor:
        for label, sql in (("quota", QUOTA_EXCEEDED), ("class quota", CLASS_QUOTA_EXCEEDED)):
            cursor.execute(sql)
            for pk, awards, amount, used, used_amount in cursor.fetchall():
                problems.append(f"{label} {pk}: {used} awards ({used_amount} yuan) of {awards} ({amount} yuan)")
        cursor.execute(PAID_TWICE)
        for student, program, term, period, count in cursor.fetchall():
            problems.append(f"student {student}: {count} paid lines for program {program}, term {term}, {period}")
    approved = Application.objects.filter(status="approved").aggregate(n=Count("pk"))["n"]
    print(f"checked: {approved} approved applications against their quotas; paid lines per student and period")
    return problems


if __name__ == "__main__":
    if sys.argv[1:2] == ["plan"]:
        Path(sys.argv[2]).write_text(json.dumps(plan(sys.argv[3])), encoding="utf-8")
    elif sys.argv[1:2] == ["check"]:
        found = check()
        for line in found:
            print(f"  FAULT {line}")
        sys.exit(1 if found else 0)
    else:
        sys.exit(__doc__)
