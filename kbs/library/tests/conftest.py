"""Fixtures for the library tests: a private upload folder per test, sample files of each type and
of none, a training lead, and documents added through the real actions. (The cast comes from
kbs/conftest.py.)"""

import struct
import zlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.library import actions
from kbs.library.demo import simple_pdf
from kbs.library.files import CheckedFile, check_upload
from kbs.library.models import Audience, Document, Kind, Topic


@pytest.fixture(autouse=True)
def upload_root(settings: Any, tmp_path: Path) -> Path:
    """Every test keeps its files in its own folder, never in the project's var/."""
    root = tmp_path / "uploads"
    settings.KBS_UPLOAD_ROOT = root
    settings.KBS_LIBRARY_MAX_UPLOAD_MB = 10
    return root


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def png_bytes() -> bytes:
    """A valid 1×1 white PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    """The start of a JFIF file: enough for the type check, which reads only the first bytes."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def docx_bytes() -> bytes:
    """What a Word document starts with: a ZIP archive."""
    return b"PK\x03\x04\x14\x00\x06\x00" + b"[Content_Types].xml" + b"\x00" * 64


def pdf_bytes(text: str = "Safer sleep") -> bytes:
    return simple_pdf(text, [f"{text}: a test document."])


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def checked_pdf(text: str = "Safer sleep", name: str = "guidance.pdf") -> CheckedFile:
    return check_upload(upload(name, pdf_bytes(text)))


@pytest.fixture
def training_lead(agencies: dict[str, Agency], make_user: Callable[..., User]) -> User:
    return make_user("tl-tara", "training-lead", agencies["partnership"])


@pytest.fixture
def make_document(cast: dict[str, User]) -> Callable[..., Document]:
    def make(title: str = "Safer sleep guidance", *, audience: str = Audience.PRACTITIONERS, kind: str = Kind.GUIDANCE,
             summary: str = "How to talk about safer sleep.", topics: list[str] | None = None, owner: User | None = None,
             review_in_days: int = 200, url: str = "", with_file: bool = True, by: User | None = None) -> Document:
        today = timezone.localdate()
        owner = owner or cast["admin"]
        return actions.add_document(
            by=by or cast["admin"], title=title, kind=kind, summary=summary, owner=owner,
            agency=owner.agency, audience=audience, topics=topics if topics is not None else [Topic.SAFE_SLEEP],
            published_on=today - timedelta(days=400), review_by=today + timedelta(days=review_in_days), url=url,
            file=checked_pdf(title) if with_file else None,
        )

    return make
