"""The 操作记录 of an object: every change is named and valued in the interface's language."""

import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from aidsys.audit_display import change_rows
from aidsys.models import AuditEvent, User
from applications.models import Application
from publicity.models import NoticeEntry, PublicNotice
from students.models import OfficialList

PROJECT_APPS = ("aidsys", "students", "applications", "reviews", "publicity", "disbursements")
# The trail itself is not audited.
NOT_AUDITED = {"AuditEvent", "AuditChainHead", "AuditAnchor", "AuditCheckpoint"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def audited_fields():
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            if model.__name__ in NOT_AUDITED:
                continue
            excluded = set(getattr(model, "audit_excluded_fields", ()))
            for field in model._meta.get_fields():
                if (field.auto_created and not field.concrete) or field.primary_key or field.name in excluded:
                    continue
                yield pytest.param(field, id=f"{model.__name__}.{field.name}")


@pytest.mark.parametrize("field", list(audited_fields()))
def test_every_field_the_trail_may_name_has_a_chinese_label(field):
    with translation.override("zh-hans"):
        assert CHINESE.search(str(field.verbose_name)), field.verbose_name


@pytest.mark.parametrize("model", [OfficialList, User, PublicNotice])
def test_facts_recorded_beside_the_fields_have_chinese_labels(model):
    with translation.override("zh-hans"):
        for label in model.audit_labels.values():
            assert CHINESE.search(str(label)), label


def rows_of(model, changes):
    event = AuditEvent(content_type=ContentType.objects.get_for_model(model), changes=changes)
    with translation.override("zh-hans"):
        return [(str(row["label"]), str(row["before"]), str(row["after"])) for row in change_rows(event)]


@pytest.mark.django_db
class TestChangeRows:
    def test_the_reviewers_are_named_in_chinese(self):
        rows = rows_of(Application, {"first_reviewed_by": [None, "王老师"], "decided_by": [None, "李老师"]})
        assert rows == [("初审人", "", "王老师"), ("复审人", "", "李老师")]

    def test_a_moment_is_shown_in_local_time_to_the_minute(self):
        rows = rows_of(Application, {"decided_at": [None, "2026-11-23T17:09:23.128Z"]})
        assert rows == [("决定时间", "", "2026-11-24 01:09")]

    def test_a_notice_lines_tier_and_the_notices_places_show_their_labels(self):
        assert rows_of(NoticeEntry, {"tier": [None, "generally_difficult"]}) == [("档次", "", "一般困难")]
        assert rows_of(PublicNotice, {"places": [None, ["school_board", "website"]]}) == [
            ("张贴地点", "", "学校公示栏、学校网站")
        ]

    def test_an_uploads_outcome_is_named_and_a_rejected_row_shows_its_values_without_keys(self):
        rejected = {
            "row": 22,
            "column": "C",
            "header": "身份证号",
            "value": "4399**********001X",
            "reason": "校验位错误",
        }
        rows = rows_of(OfficialList, {"rows": [None, 20], "rejected_rows": [None, [rejected]]})
        assert rows == [
            ("行数", "", "20"),
            ("未通过校验的行", "", "22 · C · 身份证号 · 4399**********001X · 校验位错误"),
        ]
