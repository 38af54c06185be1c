"""Reading an image's format and size from its first bytes (JPEG, PNG, GIF, WebP), without Pillow.

Used to check images against a platform's declared limits before anything is sent, and by the
sandbox to apply Instagram's checks as Instagram does.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from outreach.platforms.base import ErrorKind, Limits, PublishError

HEAD_BYTES = 256 * 1024  # a JPEG's size marker may follow large EXIF blocks


@dataclass(frozen=True, slots=True)
class ImageInfo:
    content_type: str  # "image/jpeg", ...
    width: int
    height: int

    @property
    def aspect(self) -> float:
        return self.width / self.height if self.height else 0.0


def image_info(data: bytes) -> ImageInfo | None:
    """Format and size of an image from its leading bytes; None when it is not one we know."""
    if data[:3] == b"\xff\xd8\xff":
        return _jpeg(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("image/png", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("image/gif", width, height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        return _webp(data)
    return None


def _jpeg(data: bytes) -> ImageInfo | None:
    # Walk the markers to the first start-of-frame (SOF0..SOF15 but DHT, JPG, DAC).
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return ImageInfo("image/jpeg", width, height)
        i += 2 + length
    return None


def _webp(data: bytes) -> ImageInfo | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return ImageInfo("image/webp", width, height)
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo("image/webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return ImageInfo("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return None


def read_image(path: str, label: str) -> tuple[bytes, ImageInfo]:
    """The file's bytes and what it is; PublishError(rejected) when it cannot be used."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError:
        raise PublishError(
            ErrorKind.rejected,
            f"The image {file.name} cannot be read (was it moved or deleted?): add it again.",
            code="media_missing",
        ) from None
    info = image_info(data[:HEAD_BYTES])
    if info is None:
        raise PublishError(ErrorKind.rejected,
                           f"{file.name} is not an image {label} accepts (JPEG or PNG).",
                           code="media_invalid")
    return data, info


def check_image(name: str, size: int, info: ImageInfo, limits: Limits, label: str) -> None:
    """Refuse, in plain words, an image the platform would refuse."""
    problems = []
    if info.content_type not in limits.media_formats:
        kinds = ", ".join(f.split("/")[1].upper() for f in limits.media_formats)
        problems.append(f"it is {info.content_type.split('/')[1].upper()}, {label} takes {kinds}")
    if limits.max_image_bytes and size > limits.max_image_bytes:
        problems.append(f"it is {size / 1048576:.1f} MB, {label} takes at most "
                        f"{limits.max_image_bytes / 1048576:.0f} MB")
    if limits.min_aspect and info.aspect < limits.min_aspect - 0.005 or \
            limits.max_aspect and info.aspect > limits.max_aspect + 0.005:
        problems.append(f"its shape ({info.width}×{info.height}) is outside what {label} takes "
                        "(from 4:5 upright to 1.91:1 wide)")
    if limits.min_width and info.width < limits.min_width:
        problems.append(f"it is {info.width} pixels wide, {label} needs at least "
                        f"{limits.min_width}")
    if problems:
        raise PublishError(ErrorKind.rejected, f"The image {name} cannot go to {label}: "
                           + "; ".join(problems) + ".", code="media_invalid")
