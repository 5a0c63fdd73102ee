"""Attachments (证明材料): PDF, JPEG or PNG, recognised by their content, never by their name.

A file is kept in the default storage under private/ with a name made of its hash (applications.models.
attachment_path) and served only through a scoped view. An image is opened to prove it is one
and saved again without its EXIF data (a phone photo of a 户口簿 carries the GPS position of
the family's home), turned upright first. Students' home-visit photos are also made small and
JPEG; a scanned certificate keeps its size and format, so that it stays legible.
"""

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import ImageOps, UnidentifiedImageError

from aidsys.images import open_image
from aidsys.scope import can_keep_records
from aidsys.services.audit import Action, audit_record
from aidsys.services.writes import instance_create, instance_delete
from aidsys.storage import kept_files
from applications.models import EDITABLE_STATUSES, Application, Attachment, AttachmentKind

JPEG_QUALITY = 90


@dataclass(frozen=True)
class Format:
    magic: bytes
    content_type: str
    extension: str
    pillow_format: str | None  # None: not an image


FORMATS = (
    Format(b"%PDF-", "application/pdf", "pdf", None),
    Format(b"\xff\xd8\xff", "image/jpeg", "jpg", "JPEG"),
    Format(b"\x89PNG\r\n\x1a\n", "image/png", "png", "PNG"),
)


def max_bytes() -> int:
    return settings.AIDSYS_ATTACHMENT_MAX_MB * 1024 * 1024


def _file_error(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def sniff(upload) -> Format:
    """The file's format from its first bytes; its name and the browser's content type say nothing."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for candidate in FORMATS:
        if head.startswith(candidate.magic):
            return candidate
    raise _file_error(_("“{name}” is not a PDF, JPEG or PNG file.").format(name=upload.name), code="unsupported_format")


def _image_without_metadata(upload, found: Format) -> bytes:
    """The image re-encoded in its own format, upright and without EXIF; refused if Pillow cannot read it whole."""
    unreadable = _file_error(
        _("“{name}” looks like a {format} image but cannot be read.").format(name=upload.name, format=found.extension),
        code="unreadable_image",
    )
    try:
        with open_image(upload) as probe:
            if probe.format != found.pillow_format:
                raise unreadable
            probe.verify()
        with open_image(upload) as image:
            image.load()
            icc_profile = image.info.get("icc_profile")
            upright = ImageOps.exif_transpose(image)
    except ValidationError as error:
        if hasattr(error, "error_dict"):  # already about the file field
            raise
        raise _file_error(error.message, code=error.code) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise unreadable from None
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if found.pillow_format == "JPEG":
        options["quality"] = JPEG_QUALITY
    buffer = io.BytesIO()
    upright.save(buffer, format=found.pillow_format, **options)
    return buffer.getvalue()


def checked_content(upload) -> tuple[Format, bytes]:
    """The upload's format and the bytes to keep, under the attachment rules (size, PDF/JPEG/PNG by content,
    an image read whole and kept without EXIF); refused with a ValidationError on the "file" field.
    Every scanned document the project keeps goes through here (the disbursements' 委托书 and signed rosters)."""
    if upload.size > max_bytes():
        raise _file_error(
            _("“{name}” is {size:.1f} MB; an attachment may be at most {limit} MB.").format(
                name=upload.name, size=upload.size / 1024 / 1024, limit=settings.AIDSYS_ATTACHMENT_MAX_MB
            ),
            code="too_large",
        )
    found = sniff(upload)
    if found.pillow_format is None:
        upload.seek(0)
        return found, upload.read()
    return found, _image_without_metadata(upload, found)


def _lock_editable(application: Application) -> Application:
    stored = Application.objects.select_for_update().get(pk=application.pk)
    if stored.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("The application is “{status}”; its attachments can no longer be changed.").format(
                status=stored.get_status_display()
            ),
            code="not_editable",
        )
    return stored


@transaction.atomic
def attachment_add(*, actor, application: Application, kind: str, upload) -> Attachment:
    """Attach a file to a draft or returned application."""
    if not can_keep_records(actor, application.school_id, application.school_class_id):
        raise PermissionDenied
    _lock_editable(application)
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": ValidationError(_("Choose what the file is."), code="invalid_kind")})
    found, content = checked_content(upload)
    sha256 = hashlib.sha256(content).hexdigest()
    same = application.attachments.filter(sha256=sha256).first()
    if same is not None:
        raise _file_error(
            _("This file is already attached as “{kind}”.").format(kind=same.get_kind_display()), code="duplicate"
        )
    attachment = Attachment(
        application=application,
        kind=kind,
        content_type=found.content_type,
        extension=found.extension,
        size=len(content),
        sha256=sha256,
        original_name=(upload.name or "")[:200],
        uploaded_by=actor,
    )
    with kept_files() as kept:
        kept.save(attachment.file, f"upload.{found.extension}", ContentFile(content))
        instance_create(actor=actor, instance=attachment)
    return attachment


@transaction.atomic
def attachment_remove(*, actor, attachment: Attachment, reason: str = "") -> None:
    """Remove an attachment while its application is still editable; the file goes once the removal is committed."""
    application = attachment.application
    if not can_keep_records(actor, application.school_id, application.school_class_id):
        raise PermissionDenied
    _lock_editable(application)
    storage, name = attachment.file.storage, attachment.file.name
    instance_delete(actor=actor, instance=attachment, reason=reason)
    transaction.on_commit(lambda: storage.delete(name))


def attachment_download_record(*, actor, attachment: Attachment) -> None:
    """Opening a family's documents is recorded like an export (DESIGN.md §5)."""
    audit_record(actor=actor, action=Action.EXPORT, target=attachment, changes={"file": [None, attachment.file.name]})
