"""Shared set-up for the tests of applications, attachments and their PDFs."""

import io
import struct
import zlib
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from aidsys.models import Stage
from applications.models import ApplicationWindow
from students.models import HouseholdMember
from tests.factories import AidProgramFactory, StudentFactory

STATEMENT = "父亲在外务工收入不稳定，母亲长期患病，家里还有一个弟弟上学。"


def make_program(cast, **fields):
    fields.setdefault("name", "义务教育家庭经济困难学生生活补助")
    fields.setdefault("stages", [Stage.PRIMARY, Stage.JUNIOR])
    return AidProgramFactory(county=cast.county, **fields)


def open_window(program, term, *, days_ago: int = 3, days_left: int = 10) -> ApplicationWindow:
    """An application window around today, whatever day the tests run."""
    today = timezone.localdate()
    return ApplicationWindow.objects.create(
        program=program, term=term, opens=today - timedelta(days=days_ago), closes=today + timedelta(days=days_left)
    )


def closed_window(program, term) -> ApplicationWindow:
    today = timezone.localdate()
    return ApplicationWindow.objects.create(
        program=program, term=term, opens=today - timedelta(days=40), closes=today - timedelta(days=10)
    )


def make_ming(cast):
    """王小明 of 一年级(1)班, with his parents, a phone number and a full address on file."""
    student = StudentFactory(
        school_class=cast.class_1,
        name="王小明",
        guardian_name="王大山",
        guardian_relation="father",
        guardian_phone="13812345678",
        birth_date=date(2019, 10, 8),
    )
    student.household.village = "枫树村"
    student.household.address_detail = "三组十七号"
    student.household.save()
    HouseholdMember.objects.create(
        household=student.household, name="王大山", relation="father", annual_income=12000, age=41, occupation="务工"
    )
    HouseholdMember.objects.create(
        household=student.household, name="李秀英", relation="mother", annual_income=0, age=38, health="serious_illness"
    )
    return student


def png_bytes(size=(60, 40), colour="blue") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims a picture of width × height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"\x00" * (width * 3 + 1) * 8)  # a few real rows: Pillow reads only the header first
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def jpeg_bytes(size=(60, 40), exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, format="JPEG", **({"exif": exif} if exif else {}))
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
