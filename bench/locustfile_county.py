"""The journeys of bench/load_county.py: each role of a county at work, as Locust users.

Each user signs in with a seeded account (spread over the schools by the plan, LOAD_PLAN), pauses
3-10 s between actions, reaches pages by the links on the pages before them, and posts the forms it
finds there with their CSRF tokens. Requests are named by page kind, not by URL. Every request is
kept (journey, page kind, milliseconds, error, when) and written to LOAD_SAMPLES when Locust stops, with
the moment every user had signed in (the end of the morning's sign-in rush).

The client stands in for a browser behind the TLS proxy: it sends X-Forwarded-Proto: https and an
address of its own (X-Forwarded-For), and returns the session's Secure cookies over the loopback.
"""

import itertools
import json
import os
import random
import re
import time
from datetime import date
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from locust import HttpUser, between, events, task

PASSWORD = "Demo@2026"  # noqa: S105 (the generated county's, published) (README: A generated county)
PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8")) if "LOAD_PLAN" in os.environ else {}
SAMPLES: list[dict] = []
SIGNED_IN: list[float] = []  # when each user's on_start ended (signed in, or the public: arrived)
STARTED = time.monotonic()
COUNTERS: dict[str, itertools.count] = {}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@events.request.add_listener
def _kept(request_type, name, response_time, response_length, exception, context, **kwargs):
    SAMPLES.append(
        {
            "journey": context.get("journey", "?"),
            "kind": name,
            "method": request_type,
            "ms": response_time,
            "ok": exception is None,
            "error": str(exception)[:200] if exception else "",
            "at": round(time.monotonic() - STARTED - response_time / 1000, 3),  # when it was sent
        }
    )


@events.quitting.add_listener
def _write(environment, **kwargs):
    if "LOAD_SAMPLES" in os.environ:
        with open(os.environ["LOAD_SAMPLES"], "w", encoding="utf-8") as file:
            users = environment.runner.target_user_count if environment.runner else len(SIGNED_IN)
            everyone = sorted(SIGNED_IN)[users - 1] if users and len(SIGNED_IN) >= users else None
            json.dump({"samples": SAMPLES, "all_signed_in_at": everyone}, file)


def _secure_ok(policy, cookie, request):
    return True


# The browser talks HTTPS to the proxy: its Secure cookies go with every request. requests makes a
# fresh cookie jar (default policy) for each request, so the policy is changed in this process.
DefaultCookiePolicy.return_ok_secure = _secure_ok


class Forms(HTMLParser):
    """The forms of a page: action, method and the values a browser would send as the page stands."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(), "fields": [],
                 "choices": {}}
            )  # fmt: skip
            return
        if not self.forms:
            return
        form, name = self.forms[-1], attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"radio", "checkbox"}:
                form["choices"].setdefault(name, []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    form["fields"].append((name, attrs.get("value", "on")))
            elif kind not in {"submit", "button", "file", "reset", "image"}:
                form["fields"].append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select:
            form["choices"].setdefault(self.select, []).append(attrs.get("value", ""))
            if "selected" in attrs:
                form["fields"].append((self.select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea = name
            form["fields"].append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select" and self.select and self.forms:
            form = self.forms[-1]
            if not any(name == self.select for name, _ in form["fields"]) and form["choices"].get(self.select):
                form["fields"].append((self.select, form["choices"][self.select][0]))
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea and self.forms:
            fields = self.forms[-1]["fields"]
            fields[-1] = (fields[-1][0], fields[-1][1] + data)

    @classmethod
    def of(cls, html: str) -> list[dict]:
        parser = cls()
        parser.feed(html)
        return parser.forms


def id_number(birth: date, male: bool) -> str:
    """A valid 身份证号 of the generated county (its code, the birth date, a random sequence)."""
    first17 = f"439902{birth:%Y%m%d}{random.randrange(50, 99):02d}{random.choice('13579' if male else '02468')}"
    check = "10X98765432"[sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True)) % 11]
    return first17 + check


class Journey(HttpUser):
    abstract = True
    wait_time = between(3, 10)
    role = ""
    journey = ""

    def context(self):
        return {"journey": self.journey}

    def on_start(self):
        self.address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        self.client.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"})
        self.account = None
        if self.role:
            accounts = PLAN[self.role]
            counter = COUNTERS.setdefault(self.role, itertools.count())
            self.account = accounts[next(counter) % len(accounts)]
            self.sign_in(self.account if isinstance(self.account, str) else self.account["username"])
        SIGNED_IN.append(time.monotonic() - STARTED)

    # --- requests, named by page kind ---

    def headers(self, referer: str | None = None) -> dict:
        headers = {"X-Forwarded-For": self.address}
        if referer:
            parts = urlsplit(referer)
            headers["Referer"] = f"https://{parts.netloc}{parts.path}"
        return headers

    def page(self, path: str, kind: str):
        with self.client.get(path, name=kind, headers=self.headers(), catch_response=True) as response:
            self._judge(response)
        return response

    def _judge(self, response):
        if response.status_code >= 400 or response.status_code == 0:
            response.failure(f"HTTP {response.status_code} at {urlsplit(response.url or '').path}")
        elif (
            "/accounts/login/" in (response.url or "")
            and self.role
            and (response.history or response.request.method == "POST")
        ):
            response.failure("sent to the sign-in page")  # redirected there, or the password refused
        else:
            response.success()

    def submit(self, response, action: str, kind: str, fill=None, files=None):
        """Post the form of `response` whose action matches `action`, as the page fills it and `fill` adds."""
        for form in Forms.of(response.text or ""):
            target = urljoin(response.url, form["action"])
            if form["method"] == "post" and re.search(action, urlsplit(target).path):
                data = list(form["fields"])
                if fill:
                    data = fill(form, data)
                with self.client.post(
                    target, data=data, files=files, name=kind, headers=self.headers(response.url), catch_response=True
                ) as posted:
                    self._judge(posted)
                return posted
        return None

    def follow(self, response, pattern: str, kind: str):
        links = sorted(set(re.findall(rf'href="({pattern})"', response.text or "")))
        return self.page(random.choice(links), kind) if links else None

    def sign_in(self, username: str):
        form = self.page("/accounts/login/", "sign in")

        def fill(_form, data):
            return [(name, value) for name, value in data if name not in {"username", "password"}] + [
                ("username", username),
                ("password", PASSWORD),
            ]

        self.submit(form, r"^/accounts/login/$", "sign in", fill)


def radios_first(form, data):
    """A person answers each radio group the page leaves open with its first choice."""
    chosen = {name for name, _ in data}
    return data + [
        (name, values[0])
        for name, values in form["choices"].items()
        if name not in chosen and values and not name.startswith(("income_sources", "big_expenses"))
    ]


class ClassTeacher(Journey):
    weight = 50
    role = journey = "teachers"

    def student(self):
        return random.choice(self.account["students"])

    @task(3)
    def roster(self):
        self.page(f"/classes/{self.account['class']}/roster/", "class roster")

    @task(3)
    def student_page(self):
        self.page(f"/students/{self.student()}/", "student page")

    @task(1)
    def home_visit(self):
        form = self.page(f"/students/{self.student()}/visits/new/", "home visit: form")

        def fill(form_, data):
            data = [(n, v) for n, v in radios_first(form_, data) if n not in {"people_met", "notes"}]
            return [*data, ("people_met", "母亲、学生本人"), ("notes", "住房简陋，母亲务农，收入不稳定。")]

        self.submit(form, r"/visits/new/$", "home visit: save", fill)

    @task(1)
    def applications(self):
        self.page(f"/classes/{self.account['class']}/applications/", "class applications")

    @task(1)
    def home(self):
        self.page("/", "home")


class AidOffice(Journey):
    weight = 15
    role = journey = "aid_offices"

    @task(3)
    def review_class(self):
        school = self.page(f"/reviews/schools/{self.account['school']}/", "reviews: school")
        roster = self.follow(school, r"/reviews/schools/\d+/\d+/\d+/", "reviews: roster")
        if roster is None:
            return
        review = self.follow(roster, r"/reviews/schools/\d+/\d+/\d+/classes/\d+/", "reviews: class")
        if review is None:
            return

        def fill(form, data):
            chosen = form["choices"].get("applications", [])[:3]
            return [(n, v) for n, v in data if n != "applications"] + [("applications", v) for v in chosen]

        forms = [f for f in Forms.of(review.text or "") if f["choices"].get("applications")]
        if forms:
            self.submit(review, r"/classes/\d+/approve/$", "reviews: approve class", fill)

    @task(2)
    def students(self):
        self.page(f"/schools/{self.account['school']}/students/", "school students")

    @task(1)
    def gaps(self):
        lists = self.page("/official-lists/", "official lists")
        self.follow(lists, r"/official-lists/\d+/", "official list with 应助尽助 gaps")

    @task(1)
    def import_roster(self):
        into = self.account.get("import_into")
        form = self.page(f"/schools/{self.account['school']}/students/import/", "roster import: form")
        if not into:
            return
        birth = date.fromisoformat(into["birth"])
        rows = ["姓名,性别,身份证号,年级,班级,户籍性质,是否寄宿,监护人姓名,监护人关系,监护人电话"]
        for index in range(3):
            male = index % 2 == 0
            name = random.choice("王李张刘陈杨") + random.choice(["小明", "小红", "子涵", "浩然", "欣怡"])
            rows.append(
                f"{name},{'男' if male else '女'},{id_number(birth, male)},{into['grade']},{into['number']},"
                f"农村,否,{name[0]}大山,父亲,138{random.randrange(10**8):08d}"
            )
        content = ("\n".join(rows) + "\n").encode("utf-8-sig")
        preview = self.submit(
            form, r"/students/import/$", "roster import: upload", files={"file": ("花名册.csv", content, "text/csv")}
        )
        if preview is not None and "/import/" in (preview.url or ""):
            self.submit(preview, r"/students/import/[^/]+/$", "roster import: confirm")

    @task(1)
    def home(self):
        self.page("/", "home")


class Principal(Journey):
    weight = 10
    role = journey = "principals"

    @task(2)
    def summaries(self):
        index = self.page(f"/reviews/schools/{self.account['school']}/", "reviews: school")
        summary = self.follow(index, r"/reviews/schools/\d+/\d+/\d+/signoff/", "signoff: summary")
        if summary is None:
            roster = self.follow(index, r"/reviews/schools/\d+/\d+/\d+/", "reviews: roster")
            summary = roster and self.follow(roster, r"/reviews/schools/\d+/\d+/\d+/signoff/", "signoff: summary")
        if summary is not None:

            def tick(form, data):
                chosen = {name for name, _ in data}
                return data + [(n, v[0]) for n, v in form["choices"].items() if n not in chosen and v]

            self.submit(summary, r"/reviews/signoffs/\d+/sign/$", "signoff: sign", tick)

    @task(2)
    def school_dashboard(self):
        self.page(f"/reports/dashboard/school/{self.account['school']}/", "dashboard: school")

    @task(1)
    def notices(self):
        self.page("/notices/", "notices: school")

    @task(2)
    def home(self):
        self.page("/", "home")


class CountyStaff(Journey):
    weight = 5
    role = journey = "county_staff"

    @task(2)
    def home(self):
        self.page("/", "home")

    @task(2)
    def county_dashboard(self):
        self.page(f"/reports/dashboard/county/{PLAN['county']}/", "dashboard: county")

    @task(1)
    def schools(self):
        self.page("/schools/", "school list")

    @task(1)
    def notices(self):
        self.page("/county/notices/", "county notices")

    @task(1)
    def reports(self):
        self.page("/county/reports/", "county reports")

    @task(1)
    def export(self):
        index = self.page("/reports/", "reports: index")
        keys = sorted(set(re.findall(r'action="(/reports/[\w-]+/export/)"', index.text or "")))
        if keys:
            self.submit(index, "^" + re.escape(random.choice(keys)) + "$", "export: start")
            self.page("/exports/", "exports: list")


class Public(Journey):
    weight = 20
    journey = "public"

    def token(self):
        return random.choice(PLAN["notices"])

    @task(3)
    def notice(self):
        self.page(f"/n/{self.token()}/", "public notice")

    @task(1)
    def objection(self):
        # Each objection comes from another member of the public (the limits count per address).
        self.address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        form = self.page(f"/n/{self.token()}/objection/", "objection: form")

        def fill(_form, data):
            data = [(n, v) for n, v in data if n not in {"text", "contact"}]
            text = "名单上有一名学生家里新盖了楼房，家庭条件较好，请核实。"
            return [*data, ("text", text), ("contact", "13900001111")]

        self.submit(form, r"/objection/$", "objection: lodge", fill)
