import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from PIL import Image

from aidsys.models import AuditEvent, Role
from applications.models import Application, Attachment, Status
from applications.services.attachments import attachment_add, attachment_remove
from tests.applications.filing import (
    PDF_BYTES,
    jpeg_bytes,
    make_ming,
    make_program,
    png_bytes,
    png_claiming,
    upload,
)
from tests.factories import ApplicationFactory, MembershipFactory, StudentFactory, UserFactory

Action = AuditEvent.Action
MB = 1024 * 1024


@pytest.fixture
def application(cast):
    return ApplicationFactory(student=make_ming(cast), program=make_program(cast), term=cast.term, filed_by=cast.wang)


def add(cast, application, name="scan.pdf", content=PDF_BYTES, kind="household_register", actor=None):
    return attachment_add(actor=actor or cast.wang, application=application, kind=kind, upload=upload(name, content))


def file_codes(error: ValidationError) -> list[str]:
    return [e.code for e in error.error_dict["file"]]


class TestWhatIsAccepted:
    def test_a_pdf_is_kept_under_private_media_with_a_name_of_its_hash(self, cast, application):
        attachment = add(cast, application, name="王小明身份证110101201510081234.pdf")
        assert (attachment.content_type, attachment.extension, attachment.size) == (
            "application/pdf",
            "pdf",
            len(PDF_BYTES),
        )
        assert attachment.file.name.startswith(f"private/applications/{application.pk}/{attachment.sha256[:32]}")
        assert "王小明" not in attachment.file.name and "1234" not in attachment.file.name
        stored = Path(attachment.file.path)
        assert stored.is_relative_to(Path(settings.MEDIA_ROOT) / "private")
        assert not stored.is_relative_to(Path(settings.STATIC_ROOT))
        assert stored.read_bytes() == PDF_BYTES

    def test_a_png_named_pdf_is_kept_as_a_png(self, cast, application):
        attachment = add(cast, application, name="certificate.pdf", content=png_bytes())
        assert (attachment.content_type, attachment.extension) == ("image/png", "png")
        assert attachment.file.name.endswith(".png")
        assert Image.open(attachment.file.path).format == "PNG"

    def test_a_jpeg_without_an_extension_is_kept_as_a_jpeg(self, cast, application):
        attachment = add(cast, application, name="IMG_2041", content=jpeg_bytes())
        assert (attachment.content_type, attachment.extension) == ("image/jpeg", "jpg")

    def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright(self, cast, application):
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (28.0, 12.0, 0.0)}  # GPSInfo: where the family lives
        exif[0x0112] = 6  # taken with the phone turned: rotate 90°
        original = jpeg_bytes(size=(60, 40), exif=exif.tobytes())
        assert Image.open(io.BytesIO(original)).getexif()
        attachment = add(cast, application, name="hukou.jpg", content=original)
        kept = Image.open(attachment.file.path)
        assert dict(kept.getexif()) == {}
        assert kept.size == (40, 60)
        assert b"Exif" not in Path(attachment.file.path).read_bytes()

    def test_a_file_at_the_limit_is_accepted(self, cast, application):
        content = PDF_BYTES + b"0" * (10 * MB - len(PDF_BYTES))
        assert add(cast, application, content=content).size == 10 * MB


class TestWhatIsRefused:
    def test_a_program_named_pdf_is_refused(self, cast, application):
        with pytest.raises(ValidationError) as refused:
            add(cast, application, name="scan.pdf", content=b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200)
        assert file_codes(refused.value) == ["unsupported_format"]
        assert not Attachment.objects.exists()

    def test_one_byte_over_ten_megabytes_is_refused(self, cast, application):
        with pytest.raises(ValidationError) as refused:
            add(cast, application, content=PDF_BYTES + b"0" * (10 * MB + 1 - len(PDF_BYTES)))
        assert file_codes(refused.value) == ["too_large"]

    def test_the_limit_is_a_setting(self, cast, application, settings):
        settings.AIDSYS_ATTACHMENT_MAX_MB = 1
        with pytest.raises(ValidationError):
            add(cast, application, content=PDF_BYTES + b"0" * MB)

    def test_something_that_only_starts_like_a_jpeg_is_refused(self, cast, application):
        with pytest.raises(ValidationError) as refused:
            add(cast, application, name="photo.jpg", content=b"\xff\xd8\xff\xe0" + b"not really an image" * 10)
        assert file_codes(refused.value) == ["unreadable_image"]

    @pytest.mark.parametrize(("width", "height"), [(15000, 15000), (10000, 10000), (7000, 6000)])
    def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(self, cast, application, width, height):
        with pytest.raises(ValidationError) as refused:
            add(cast, application, name="scan.png", content=png_claiming(width, height))
        assert file_codes(refused.value) == ["image_too_large"]
        assert "“scan.png”" in refused.value.messages[0] and "40 百万像素" in refused.value.messages[0]
        assert not Attachment.objects.exists()

    def test_a_truncated_png_is_refused(self, cast, application):
        with pytest.raises(ValidationError) as refused:
            add(cast, application, name="scan.png", content=png_bytes(size=(300, 300))[:200])
        assert file_codes(refused.value) == ["unreadable_image"]

    def test_the_same_file_twice_is_refused(self, cast, application):
        add(cast, application)
        with pytest.raises(ValidationError) as refused:
            add(cast, application, kind="other")
        assert file_codes(refused.value) == ["duplicate"]

    def test_nothing_is_attached_once_the_application_is_submitted(self, cast, application):
        Application.objects.filter(pk=application.pk).update(status=Status.SUBMITTED)
        with pytest.raises(ValidationError):
            add(cast, application)
        assert not Attachment.objects.exists()

    def test_the_principal_attaches_nothing(self, cast, application):
        with pytest.raises(PermissionDenied):
            add(cast, application, actor=cast.zhang)


class TestAuditAndRemoval:
    def test_attaching_is_recorded_without_the_uploaders_file_name(self, cast, application):
        attachment = add(cast, application, name="王小明户口本.pdf")
        (event,) = AuditEvent.objects.for_object(attachment).filter(action=Action.CREATE)
        assert event.actor == cast.wang and event.school_id == cast.school.pk
        assert event.changes["kind"] == [None, "household_register"]
        assert "original_name" not in event.changes and "王小明户口本" not in str(event.changes)

    def test_removing_is_recorded_and_the_file_goes_after_the_commit(
        self, cast, application, django_capture_on_commit_callbacks
    ):
        attachment = add(cast, application)
        path, pk = Path(attachment.file.path), attachment.pk
        with django_capture_on_commit_callbacks(execute=True):
            attachment_remove(actor=cast.li, attachment=attachment, reason="传错了文件")
        assert not Attachment.objects.exists() and not path.exists()
        (event,) = AuditEvent.objects.filter(action=Action.DELETE)
        assert (event.actor, event.reason, event.object_id) == (cast.li, "传错了文件", str(pk))

    def test_an_attachment_of_a_submitted_application_stays(self, cast, application):
        attachment = add(cast, application)
        Application.objects.filter(pk=application.pk).update(status=Status.SUBMITTED)
        with pytest.raises(ValidationError):
            attachment_remove(actor=cast.wang, attachment=attachment)
        assert Attachment.objects.filter(pk=attachment.pk).exists()

    def test_the_application_page_keeps_the_history_of_removed_attachments(self, cast, application, client_for):
        attachment = add(cast, application)
        pk = attachment.pk
        attachment_remove(actor=cast.wang, attachment=attachment)
        history = client_for(cast.wang).get(application.get_absolute_url()).context["history"]
        assert [(e.action, e.object_id) for e in history] == [(Action.DELETE, str(pk)), (Action.CREATE, str(pk))]


def another_class_teacher(cast):
    teacher = UserFactory(username="zhou", full_name="周老师")
    MembershipFactory(user=teacher, role=Role.CLASS_TEACHER, school=cast.school)
    cast.class_2.class_teacher = teacher
    cast.class_2.save()
    return teacher


class TestDownload:
    def test_the_class_teacher_downloads_it_with_safe_headers_and_it_is_recorded(self, cast, application, client_for):
        attachment = add(cast, application, name="王小明.png", content=png_bytes())
        response = client_for(cast.wang).get(reverse("applications:attachment_download", args=[attachment.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == Path(attachment.file.path).read_bytes()
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith(f'inline; filename="household_register-{attachment.pk}.png"')
        assert "王小明" not in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
        (event,) = AuditEvent.objects.for_object(attachment).filter(action=Action.EXPORT)
        assert event.actor == cast.wang

    def test_a_pdf_is_downloaded_not_shown_inside_the_site(self, cast, application, client_for):
        attachment = add(cast, application)
        response = client_for(cast.li).get(reverse("applications:attachment_download", args=[attachment.pk]))
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")

    @pytest.mark.parametrize("who", ["another class teacher", "outsider"])
    def test_nobody_outside_the_scope_gets_it_and_nothing_is_recorded(self, cast, application, client_for, who):
        attachment = add(cast, application)
        user = another_class_teacher(cast) if who == "another class teacher" else cast.outsider
        response = client_for(user).get(reverse("applications:attachment_download", args=[attachment.pk]))
        assert response.status_code == 404
        assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()

    def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(self, cast, application, client):
        attachment = add(cast, application)
        response = client.get(reverse("applications:attachment_download", args=[attachment.pk]))
        assert response.status_code == 302 and "login" in response["Location"]


class TestScreens:
    def test_uploading_from_the_application_page(self, cast, application, client_for):
        response = client_for(cast.wang).post(
            reverse("applications:attachment_upload", args=[application.pk]),
            {"kind": "village", "file": upload("证明.jpg", jpeg_bytes(), "image/jpeg")},
        )
        assert response.status_code == 302
        attachment = Attachment.objects.get()
        assert (attachment.kind, attachment.uploaded_by, attachment.extension) == ("village", cast.wang, "jpg")
        page = client_for(cast.wang).get(application.get_absolute_url()).content.decode()
        assert reverse("applications:attachment_download", args=[attachment.pk]) in page

    def test_a_refused_upload_says_why(self, cast, application, client_for):
        response = client_for(cast.wang).post(
            reverse("applications:attachment_upload", args=[application.pk]),
            {"kind": "other", "file": upload("setup.pdf", b"MZ\x90\x00" + b"\x00" * 100)},
            follow=True,
        )
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
        assert not Attachment.objects.exists()

    def test_uploading_answers_only_post_and_only_to_editors(self, cast, application, client_for):
        target = reverse("applications:attachment_upload", args=[application.pk])
        assert client_for(cast.wang).get(target).status_code == 405
        data = {"kind": "other", "file": upload("a.pdf", PDF_BYTES)}
        assert client_for(cast.zhang).post(target, data).status_code == 403
        assert client_for(cast.outsider).post(target, data).status_code == 404
        assert not Attachment.objects.exists()

    def test_removing_from_the_page(self, cast, application, client_for):
        attachment = add(cast, application)
        target = reverse("applications:attachment_remove", args=[attachment.pk])
        assert client_for(cast.wang).get(target).status_code == 405
        assert client_for(another_class_teacher(cast)).post(target).status_code == 404
        assert client_for(cast.zhang).post(target).status_code == 403
        assert client_for(cast.wang).post(target).status_code == 302
        assert not Attachment.objects.exists()

    def test_a_student_of_another_class_is_out_of_reach_for_uploads(self, cast, client_for):
        other = ApplicationFactory(student=StudentFactory(school_class=cast.class_2), program=make_program(cast))
        response = client_for(cast.wang).post(
            reverse("applications:attachment_upload", args=[other.pk]),
            {"kind": "other", "file": upload("a.pdf", PDF_BYTES)},
        )
        assert response.status_code == 404
