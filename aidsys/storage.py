"""Where uploads, photos, imports and exports are kept: Django's default storage, named by the environment.

`AIDSYS_STORAGE_URL` unset keeps them in the local folder MEDIA_ROOT (the embedded set-up). In a county
or a province it names an S3-compatible bucket, shared by every app server and worker:

    s3://ACCESS_KEY:SECRET_KEY@HOST[:PORT]/BUCKET[/PREFIX][?region=REGION&secure=0&addressing=virtual]

The objects stay private (no ACL is set, so the bucket's own, private, applies; no public URL is ever
handed out): the project's scoped views read them and stream them to whoever may see them. Code reads
and writes files only through the storage API, never by a local path.

A storage that refuses a file (a full disk, an object store that is down or says no) refuses the upload:
`kept_files()` turns the refusal into a form error and removes what the same write had already saved,
so that no row points at a missing file and no file is left without its row.
"""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

S3_BACKEND = "storages.backends.s3.S3Storage"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
_S3_QUERY = {"region", "secure", "addressing"}
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _bad(reason: str) -> ImproperlyConfigured:
    # The URL holds a secret: the message says what is wrong, never the value.
    return ImproperlyConfigured(
        f"AIDSYS_STORAGE_URL {reason}; expected s3://ACCESS_KEY:SECRET_KEY@HOST[:PORT]/BUCKET[/PREFIX]"
        "[?region=REGION&secure=0|1&addressing=path|virtual] (see README.md)"
    )


def storage_from_url(url: str) -> dict:
    """The STORAGES["default"] entry that AIDSYS_STORAGE_URL names; the local folder when it is empty."""
    url = url.strip()
    if not url:
        return {"BACKEND": LOCAL_BACKEND}
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise _bad(f"has the scheme {parts.scheme or '(none)'!r}, not s3")
    try:
        port = parts.port
    except ValueError:
        raise _bad("has a port that is not a number") from None
    if not parts.hostname:
        raise _bad("names no host")
    bucket, _slash, prefix = parts.path.lstrip("/").partition("/")
    if not _BUCKET.fullmatch(bucket):
        raise _bad("names no valid bucket (3 to 63 lower-case letters, digits, dots and hyphens)")
    access_key, secret_key = unquote(parts.username or ""), unquote(parts.password or "")
    if bool(access_key) != bool(secret_key):
        raise _bad("gives an access key without its secret key, or the reverse")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = sorted(set(query) - _S3_QUERY)
    if unknown:
        raise _bad(f"has unknown parameters {', '.join(unknown)}")
    if any(len(values) > 1 for values in query.values()):
        raise _bad("gives a parameter twice")
    secure_text = query.get("secure", ["1"])[0].lower()
    if secure_text not in _TRUE | _FALSE:
        raise _bad("has secure= that is not 0 or 1")
    secure = secure_text in _TRUE
    addressing = query.get("addressing", ["path"])[0]
    if addressing not in {"path", "virtual"}:
        raise _bad("has addressing= that is not path or virtual")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    endpoint = f"{'https' if secure else 'http'}://{host}" + (f":{port}" if port else "")

    from botocore.config import Config  # only an S3 set-up needs botocore

    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": bucket,
            "location": prefix.strip("/"),
            "endpoint_url": endpoint,
            "use_ssl": secure,
            "region_name": query.get("region", ["us-east-1"])[0] or "us-east-1",
            # Empty: boto3 finds the credentials itself (its environment variables, an instance role).
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            # Never a public object: no ACL of our own (the bucket's private default holds), and a URL,
            # were one ever asked for, is signed and short-lived. Files are served by the scoped views.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            # Two uploads under one name both stay, as in the local folder (the second gets another name).
            "file_overwrite": False,
            # A read spills to a temporary file past this size rather than holding it all in memory.
            "max_memory_size": 8 * 1024 * 1024,
            # A store that is down is said within seconds, not after minutes of retrying.
            "client_config": Config(
                s3={"addressing_style": addressing},
                signature_version="s3v4",
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (OSError,)
    try:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is in requirements.lock; the local folder needs none of it
        return errors
    return (*errors, Boto3Error, BotoCoreError, ClientError)


def refusal(form_field: str | None = "file") -> ValidationError:
    message = _(
        "The file could not be saved: the file store did not take it. Nothing was saved; please try again later."
    )
    error = ValidationError(message, code="storage_refused")
    return ValidationError({form_field: error}) if form_field else error


class KeptFiles:
    """The files one write has saved so far, each refused with a form error if the storage says no."""

    def __init__(self):
        self.saved: list[tuple[object, str]] = []

    def store(self, storage, name: str, content, *, form_field: str | None = "file", max_length=None) -> str:
        """Save `content` under (a free name like) `name`; returns the name it was saved under."""
        try:
            stored = storage.save(name, content, max_length=max_length)
        except _storage_errors() as error:
            # Not an audit event (nothing changed); the operator's log says which store refused and why.
            logger.warning("storage refused %s (%s): %r", name, type(storage).__name__, error)
            raise refusal(form_field) from error
        self.saved.append((storage, stored))
        return stored

    def save(self, field_file, name: str, content, *, form_field: str | None = "file") -> str:
        """FieldFile.save(name, content, save=False), refused like `store`; the row is saved by the caller."""
        field = field_file.field
        generated = field.generate_filename(field_file.instance, name)
        stored = self.store(field_file.storage, generated, content, form_field=form_field, max_length=field.max_length)
        field_file.name = stored
        setattr(field_file.instance, field.attname, stored)
        field_file._committed = True
        return stored

    def discard(self) -> None:
        for storage, name in self.saved:
            try:
                storage.delete(name)
            except _storage_errors() as error:
                logger.warning("could not remove %s after a failed write: %r", name, error)
        self.saved.clear()


@contextmanager
def kept_files() -> Iterator[KeptFiles]:
    """Files saved inside are removed again if the block fails (a refused file, a refused row):
    no row points at a missing file, and no file is left behind without its row."""
    kept = KeptFiles()
    try:
        yield kept
    except BaseException:
        kept.discard()
        raise


def open_stream(storage, name: str):
    """The stored file, opened for reading as a stream (for a FileResponse): an object in a bucket is read
    from the store as it is sent, not fetched whole first; FileNotFoundError when there is none."""
    handle = storage.open(name, "rb")
    stored_object = getattr(handle, "obj", None)  # django-storages' S3File: the bucket's object
    if stored_object is None:
        return handle
    return stored_object.get()["Body"]
