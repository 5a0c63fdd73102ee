"""Opening uploaded images (home-visit photos, attachments) without letting one exhaust the memory.

A small file can claim a huge picture (a decompression bomb: 15000×15000 pixels take 900 MB once
decoded). Every upload is opened here: the size in the header is checked against
AIDSYS_IMAGE_MAX_MEGAPIXELS before a single pixel is decoded, and Pillow's own bomb check, which
comes first on opening (from twice 89 million pixels), is turned into the same refusal.
"""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image


def max_pixels() -> int:
    return settings.AIDSYS_IMAGE_MAX_MEGAPIXELS * 1_000_000


def _too_large(name: str, size: tuple[int, int] | None) -> ValidationError:
    limit = settings.AIDSYS_IMAGE_MAX_MEGAPIXELS
    if size is None:
        message = _("“{name}” has too many pixels; an image may have at most {limit} million.").format(
            name=name, limit=limit
        )
    else:
        message = _(
            "“{name}” is {width} × {height} pixels; an image may have at most {limit} million pixels. "
            "Take or scan it again at a lower resolution."
        ).format(name=name, width=size[0], height=size[1], limit=limit)
    return ValidationError(message, code="image_too_large")


def open_image(upload) -> Image.Image:
    """The upload opened as a lazy Pillow image, refused with a ValidationError when it has too many pixels.

    Raises what Image.open raises for a file that is no image (UnidentifiedImageError, OSError).
    """
    upload.seek(0)
    name = getattr(upload, "name", "") or ""
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 million pixels; the lower limit below refuses such an image anyway, naming its size.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)
    except Image.DecompressionBombError:
        raise _too_large(name, None) from None
    width, height = image.size
    if width * height > max_pixels():
        image.close()
        raise _too_large(name, (width, height))
    return image
