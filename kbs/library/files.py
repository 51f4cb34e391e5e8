"""Checking and keeping the library's files.

A file's type is read from its first bytes, never from its name or from the content type the
browser sent, and the name must agree with what the bytes say: a Word document renamed
"guidance.pdf" is refused. Accepted files are stored under KBS_UPLOAD_ROOT by their SHA-256 digest
(so no part of the stored path comes from the person uploading), written to a temporary name and
moved into place, so a half-written file is never visible.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Protocol

from django.conf import settings

from kbs.library.models import ContentType

# The first bytes of each accepted type.
SIGNATURES: list[tuple[bytes, ContentType]] = [
    (b"%PDF-", ContentType.PDF),
    (b"\x89PNG\r\n\x1a\n", ContentType.PNG),
    (b"\xff\xd8\xff", ContentType.JPEG),
]
EXTENSIONS: dict[str, ContentType] = {
    ".pdf": ContentType.PDF, ".png": ContentType.PNG, ".jpg": ContentType.JPEG, ".jpeg": ContentType.JPEG,
}
PREFERRED_EXTENSION = {ContentType.PDF: ".pdf", ContentType.PNG: ".png", ContentType.JPEG: ".jpg"}
WRONG_TYPE = "The file must be a PDF, PNG or JPEG"
CHUNK = 64 * 1024


class Upload(Protocol):
    """What the checks need from an upload: Django's UploadedFile has all of it."""

    name: str | None
    size: int | None

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def read(self, size: int = -1, /) -> bytes: ...


class UploadRefused(ValueError):
    """The file cannot go in the library; the message says why, for the person who chose it."""


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check. Actions take only this, so no unchecked file is kept."""

    content: bytes
    original_name: str
    content_type: ContentType
    size: int
    sha256: str


def max_upload_mb() -> int:
    return int(getattr(settings, "KBS_LIBRARY_MAX_UPLOAD_MB", 10))


def detect(head: bytes) -> ContentType | None:
    """The type the first bytes show, or None for anything the library does not accept."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_upload(upload: Upload) -> CheckedFile:
    """Read and check an upload, or raise UploadRefused with one clear reason."""
    name = PurePath(str(upload.name or "")).name.strip()
    limit = max_upload_mb() * 1024 * 1024
    upload.seek(0)
    head = upload.read(16)
    if not head:
        raise UploadRefused("The file is empty")
    detected = detect(head)
    extension = PurePath(name).suffix.lower()
    named_as = EXTENSIONS.get(extension)
    if named_as is not None and detected != named_as:
        raise UploadRefused(f"The file is called {extension} but is not a {named_as.label}")
    if detected is None:
        raise UploadRefused(WRONG_TYPE)
    if named_as is None:
        raise UploadRefused(
            f"The file is a {detected.label}, so its name must end {PREFERRED_EXTENSION[detected]}"
        )
    if upload.size is not None and upload.size > limit:
        raise UploadRefused(f"The file must be {max_upload_mb()} MB or smaller")
    chunks = [head]
    size = len(head)
    while chunk := upload.read(CHUNK):
        size += len(chunk)
        if size > limit:  # the size the browser declared is not trusted either
            raise UploadRefused(f"The file must be {max_upload_mb()} MB or smaller")
        chunks.append(chunk)
    content = b"".join(chunks)
    return CheckedFile(
        content=content, original_name=name[:255], content_type=detected, size=size,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def upload_root() -> Path:
    return Path(settings.KBS_UPLOAD_ROOT)


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 digest")
    return upload_root() / "library" / sha256[:2] / sha256


def store(checked: CheckedFile) -> bool:
    """Write the file if it is not already there. True when this call wrote it (so that a failed
    transaction knows to remove it again)."""
    target = path_for(checked.sha256)
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(checked.content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def discard(sha256: str) -> None:
    path_for(sha256).unlink(missing_ok=True)


def open_stored(sha256: str) -> IO[bytes]:
    return path_for(sha256).open("rb")


def download_name(original_name: str, content_type: str) -> str:
    """The name a download is saved under: the uploaded name, ending in the right extension."""
    extension = PREFERRED_EXTENSION.get(ContentType(content_type), "")
    stem = PurePath(original_name).name or "document"
    if EXTENSIONS.get(PurePath(stem).suffix.lower()) != ContentType(content_type):
        stem += extension
    return stem
