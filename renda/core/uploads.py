"""One check for every uploaded file: its name, its type by suffix *and* by its first bytes, and its size.

A file whose suffix says ``.jpg`` but whose content is not a JPEG is refused,
so a script renamed to a photo never reaches the media folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile

from renda.core.errors import InvalidInput

# Suffix → the leading bytes its content must start with (any of them); an empty tuple means no signature check.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".ofd": (b"PK\x03\x04",),
    ".csv": (),
    ".txt": (),
}

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
DOCUMENT_SUFFIXES = (".pdf", ".docx", ".doc", ".xlsx", ".xls", ".ofd")

_DESCRIPTIONS = {
    IMAGE_SUFFIXES: "图片（JPG、PNG、GIF、WEBP）",
    (*IMAGE_SUFFIXES, ".pdf"): "图片或 PDF 文件",
    IMAGE_SUFFIXES + DOCUMENT_SUFFIXES: "图片、PDF、Word、Excel 或 OFD 文件",
    DOCUMENT_SUFFIXES: "PDF、Word、Excel 或 OFD 文件",
}


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    suffix: str
    size: int
    content_type: str
    sha256: str


def _describe(allowed: tuple[str, ...]) -> str:
    return _DESCRIPTIONS.get(allowed) or "、".join(suffix.lstrip(".").upper() for suffix in allowed) + " 文件"


def check_upload(
    upload: UploadedFile[bytes],
    *,
    allowed: Iterable[str],
    max_bytes: int,
    field: str = "file",
    label: str = "文件",
) -> CheckedUpload:
    """Validate ``upload`` or raise ``InvalidInput`` naming ``field``; the file is rewound for saving."""
    allowed = tuple(allowed)
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if not name or suffix not in allowed:
        raise InvalidInput(f"{label}须为{_describe(allowed)}", code="invalid_type", field=field)
    size = upload.size or 0
    if size == 0:
        raise InvalidInput(f"{label}是空文件", code="empty", field=field)
    if size > max_bytes:
        raise InvalidInput(f"{label}不能超过 {max_bytes // (1024 * 1024)} MB", code="too_large", field=field)
    upload.seek(0)
    head = upload.read(16)
    signatures = SIGNATURES.get(suffix, ())
    if signatures and not any(head.startswith(signature) for signature in signatures):
        raise InvalidInput(f"{label}的内容与扩展名 {suffix} 不符", code="invalid_type", field=field)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        name=name[:120],
        suffix=suffix,
        size=size,
        content_type=(upload.content_type or "application/octet-stream")[:100],
        sha256=digest.hexdigest(),
    )
