"""Files on shared storage (AIDSYS_STORAGE_URL) and a storage that refuses a file.

The `s3` tests run against the S3-compatible server that scripts/test.sh starts (moto's), each with a
bucket of its own: what the app servers of a county or a province share. The refusal tests need no
server: a bucket whose server is not there (a closed port) and a local folder that cannot be made.
"""

import io
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from aidsys.models import AuditEvent, Job
from aidsys.storage import LOCAL_BACKEND, S3_BACKEND, kept_files, storage_from_url
from applications.models import Attachment
from reports.models import ReportExport
from students.models import HomeVisit, HomeVisitPhoto, Student
from tests.applications.filing import PDF_BYTES, make_ming, make_program, png_bytes
from tests.factories import ApplicationFactory, StudentFactory
from tests.reports.aided_data import awards
from tests.students.test_import import roster_xlsx, student_row
from tests.students.test_registry import jpeg

REFUSED = "文件未能保存"
ROOT = Path(__file__).resolve().parents[2]


def nothing_under(folder) -> bool:
    return not any(Path(folder).rglob("*"))


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def application(cast):
    return ApplicationFactory(student=make_ming(cast), program=make_program(cast), term=cast.term, filed_by=cast.wang)


def attach(client, application, name="证明.png", content=None):
    return client.post(
        reverse("applications:attachment_upload", args=[application.pk]),
        {"kind": "household_register", "file": upload(name, content or png_bytes())},
        follow=True,
    )


def visit(client, student, photos):
    return client.post(
        f"/students/{student.pk}/visits/new/",
        {
            "visited_on": "2026-10-12",
            "method": "in_person",
            "people_met": "王大山（父亲）",
            "housing": "poor",
            "income_sources": ["wages"],
            "big_expenses": ["medical"],
            "notes": "房屋漏雨",
            "suggested_tier": "difficult",
            "photos": photos,
        },
    )


def roster_url(school) -> str:
    return f"/schools/{school.pk}/students/import/"


def start_export(client, cast, given, capture):
    data = {"county": cast.county.pk, "program": given.program.pk, "term": cast.term.pk}
    with capture(execute=True):
        return client.post("/reports/aided_students/export/", data)


class TestStorageUrl:
    def test_unset_keeps_the_local_folder(self):
        assert storage_from_url("") == {"BACKEND": LOCAL_BACKEND}

    def test_a_bucket_url_gives_a_private_s3_storage_that_never_overwrites(self):
        entry = storage_from_url(
            "s3://AKID:s%2Fcr%2Bt@minio.internal:9000/aidsys/county-4399?region=cn-north-1&secure=0"
        )
        options = entry["OPTIONS"]
        assert entry["BACKEND"] == S3_BACKEND
        assert (options["bucket_name"], options["location"], options["region_name"]) == (
            "aidsys",
            "county-4399",
            "cn-north-1",
        )
        assert (options["endpoint_url"], options["use_ssl"]) == ("http://minio.internal:9000", False)
        assert (options["access_key"], options["secret_key"]) == ("AKID", "s/cr+t")
        assert options["default_acl"] is None and options["querystring_auth"] is True
        assert options["file_overwrite"] is False

    def test_https_is_the_default_and_credentials_may_come_from_the_machine(self):
        options = storage_from_url("s3://s3.cn-north-1.amazonaws.com.cn/aidsys-files")["OPTIONS"]
        assert (options["endpoint_url"], options["use_ssl"]) == ("https://s3.cn-north-1.amazonaws.com.cn", True)
        assert options["access_key"] is None and options["secret_key"] is None

    @pytest.mark.parametrize(
        ("url", "says"),
        [
            ("https://KEY:hunter2@host/bucket", "scheme"),
            ("s3://KEY:hunter2@/bucket", "no host"),
            ("s3://KEY:hunter2@host:port/bucket", "port"),
            ("s3://KEY:hunter2@host", "bucket"),
            ("s3://KEY:hunter2@host/No_Such_Bucket", "bucket"),
            ("s3://KEY@host/bucket", "secret key"),
            ("s3://KEY:hunter2@host/bucket?secure=maybe", "secure="),
            ("s3://KEY:hunter2@host/bucket?acl=public-read", "unknown parameters acl"),
            ("s3://KEY:hunter2@host/bucket?addressing=dns", "addressing="),
        ],
    )
    def test_a_malformed_url_is_refused_without_echoing_the_secret(self, url, says):
        with pytest.raises(ImproperlyConfigured) as refused:
            storage_from_url(url)
        assert "AIDSYS_STORAGE_URL" in str(refused.value) and says in str(refused.value)
        assert "hunter2" not in str(refused.value)

    def test_a_malformed_url_stops_start_up(self):
        environment = {**os.environ, "AIDSYS_STORAGE_URL": "ftp://files.example/aidsys"}
        environment.pop("DATABASE_URL", None)
        finished = subprocess.run(
            [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True
        )
        assert finished.returncode != 0
        assert "AIDSYS_STORAGE_URL has the scheme 'ftp', not s3" in finished.stderr


@pytest.mark.s3
class TestFilesInABucket:
    """Every kind of file the project keeps lives in the bucket, is read back through the scoped views, and
    nothing is written into the local folder."""

    def test_an_attachment_is_kept_in_the_bucket_privately_and_downloaded_through_its_view(
        self, cast, application, client_for, s3_bucket, settings
    ):
        content = png_bytes()
        client = client_for(cast.wang)
        page = attach(client, application, content=content)
        attachment = Attachment.objects.get()
        assert s3_bucket.names() == [attachment.file.name]
        assert s3_bucket.body(attachment.file.name) == content
        acl = s3_bucket.client.get_object_acl(Bucket=s3_bucket.name, Key=attachment.file.name)
        assert not [grant for grant in acl["Grants"] if "URI" in grant["Grantee"]]  # no AllUsers, no AuthenticatedUsers
        response = client.get(reverse("applications:attachment_download", args=[attachment.pk]))
        assert response.status_code == 200 and b"".join(response.streaming_content) == content
        assert s3_bucket.name not in page.content.decode()
        assert (
            client_for(cast.outsider).get(reverse("applications:attachment_download", args=[attachment.pk])).status_code
            == 404
        )
        assert nothing_under(settings.MEDIA_ROOT)

    def test_removing_an_attachment_removes_its_object_once_committed(
        self, cast, application, client_for, s3_bucket, django_capture_on_commit_callbacks
    ):
        client = client_for(cast.wang)
        attach(client, application, name="scan.pdf", content=PDF_BYTES)
        attachment = Attachment.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("applications:attachment_remove", args=[attachment.pk]), {"reason": "传错"})
        assert response.status_code == 302 and not Attachment.objects.exists()
        assert s3_bucket.names() == []

    def test_home_visit_photos_are_kept_in_the_bucket_and_shown_through_their_view(
        self, cast, client_for, s3_bucket, settings
    ):
        student = StudentFactory(school_class=cast.class_1, name="王小明")
        client = client_for(cast.wang)
        assert visit(client, student, [jpeg(800, 600), jpeg(640, 480)]).status_code == 302
        photos = list(HomeVisitPhoto.objects.order_by("pk"))
        assert s3_bucket.names() == sorted(photo.image.name for photo in photos)
        shown = client.get(f"/visits/photos/{photos[0].pk}/")
        assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
        assert b"".join(shown.streaming_content) == s3_bucket.body(photos[0].image.name)
        assert client_for(cast.outsider).get(f"/visits/photos/{photos[0].pk}/").status_code == 404
        assert nothing_under(settings.MEDIA_ROOT)

    def test_a_roster_is_kept_in_the_bucket_between_preview_and_confirmation_then_removed(
        self, cast, client_for, s3_bucket, settings
    ):
        client = client_for(cast.li)
        content = roster_xlsx([student_row("王小明"), student_row("李小红", male=False)])
        response = client.post(roster_url(cast.school), {"file": upload("花名册.xlsx", content)})
        assert response.status_code == 302
        location = response.headers["Location"]
        (kept,) = s3_bucket.names()
        assert kept.startswith("imports/") and s3_bucket.body(kept) == content
        preview = client.get(location)
        assert 'data-testid="count-new">2<' in preview.content.decode()
        assert any(key.endswith("/read/sheet.json") for key in s3_bucket.names())
        confirmed = client.post(location, {"digest": preview.context["digest"]})
        assert confirmed.status_code == 302
        assert Student.objects.filter(school=cast.school).count() == 2
        assert s3_bucket.names() == []
        assert nothing_under(settings.MEDIA_ROOT)

    def test_an_export_is_written_to_the_bucket_and_downloaded_by_its_owner(
        self, cast, client_for, s3_bucket, settings, django_capture_on_commit_callbacks
    ):
        given = awards(cast)
        client = client_for(cast.zhao)
        assert start_export(client, cast, given, django_capture_on_commit_callbacks).status_code == 302
        export = ReportExport.objects.get()
        assert export.job.status == Job.Status.DONE
        assert s3_bucket.names() == [export.file_path]
        response = client.get(f"/exports/{export.pk}/download/")
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
        assert content == s3_bucket.body(export.file_path)
        sheet = load_workbook(io.BytesIO(content)).active
        assert "王小明" in {cell.value for row in sheet.iter_rows() for cell in row}
        assert client_for(cast.li).get(f"/exports/{export.pk}/download/").status_code == 404
        assert nothing_under(settings.MEDIA_ROOT)


@pytest.fixture
def bucket_without_a_server(settings):
    """A bucket whose server is down: the port is held by a socket that does not listen, so it refuses."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        entry = storage_from_url(f"s3://KEY:hunter2@127.0.0.1:{port}/aidsys?secure=0")
        settings.STORAGES = {**settings.STORAGES, "default": entry}
        yield


@pytest.fixture
def folder_that_cannot_be_made(settings, tmp_path):
    """A local folder under a regular file: no one, not even root, can make it (a full or broken disk)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    settings.MEDIA_ROOT = blocker / "media"
    return blocker


class TestARefusedFile:
    """The store refuses: the upload is refused with a message, nothing is saved, the refusal is logged."""

    def test_an_attachment_the_bucket_refuses_is_not_attached(
        self, cast, application, client_for, bucket_without_a_server, caplog
    ):
        with caplog.at_level(logging.WARNING, logger="aidsys.storage"):
            page = attach(client_for(cast.wang), application)
        assert [m.level_tag for m in page.context["messages"]] == ["error"]
        assert REFUSED in page.content.decode()
        assert not Attachment.objects.exists()
        assert not AuditEvent.objects.filter(content_type__model="attachment").exists()
        assert any("storage refused private/applications/" in record.getMessage() for record in caplog.records)

    def test_a_home_visit_whose_photos_the_store_refuses_is_not_recorded(
        self, cast, client_for, folder_that_cannot_be_made
    ):
        student = StudentFactory(school_class=cast.class_1, name="王小明")
        response = visit(client_for(cast.wang), student, [jpeg(800, 600)])
        assert response.status_code == 200
        assert any(REFUSED in str(error) for error in response.context["form"].errors["photos"])
        assert not HomeVisit.objects.exists() and not HomeVisitPhoto.objects.exists()

    def test_a_roster_the_store_refuses_stays_on_the_upload_form(self, cast, client_for, bucket_without_a_server):
        content = roster_xlsx([student_row("王小明")])
        response = client_for(cast.li).post(roster_url(cast.school), {"file": upload("花名册.xlsx", content)})
        assert response.status_code == 200
        assert any(REFUSED in str(error) for error in response.context["form"].errors["file"])
        assert not Student.objects.filter(school=cast.school).exists()

    def test_an_export_the_store_refuses_ends_failed_saying_so(
        self, cast, client_for, bucket_without_a_server, django_capture_on_commit_callbacks
    ):
        given = awards(cast)
        start_export(client_for(cast.zhao), cast, given, django_capture_on_commit_callbacks)
        export = ReportExport.objects.get()
        assert export.job.status == Job.Status.FAILED and REFUSED in export.job.message
        assert export.file_path == "" and not export.downloadable

    def test_files_saved_before_a_failure_in_the_same_write_are_removed(self, tmp_path):
        storage = FileSystemStorage(location=tmp_path / "kept")
        with pytest.raises(RuntimeError), kept_files() as kept:
            first = kept.store(storage, "photos/1.jpg", ContentFile(b"first"))
            assert storage.exists(first)
            raise RuntimeError("the row was refused")
        assert not storage.exists(first)
