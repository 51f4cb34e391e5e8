"""Upload checks: the type is read from the content, the name must agree with it, and the size is
limited; each refusal has its own clear message."""

from pathlib import Path
from typing import Any

import pytest

from kbs.library import files
from kbs.library.files import UploadRefused, check_upload
from kbs.library.models import ContentType
from kbs.library.tests.conftest import docx_bytes, jpeg_bytes, pdf_bytes, png_bytes, upload


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("guidance.pdf", pdf_bytes(), ContentType.PDF),
    ("GUIDANCE.PDF", pdf_bytes(), ContentType.PDF),
    ("poster.png", png_bytes(), ContentType.PNG),
    ("photo.jpg", jpeg_bytes(), ContentType.JPEG),
    ("photo.jpeg", jpeg_bytes(), ContentType.JPEG),
])
def test_check_upload_accepts_pdf_png_and_jpeg_by_content(name: str, content: bytes, expected: ContentType) -> None:
    checked = check_upload(upload(name, content, content_type="application/octet-stream"))
    assert checked.content_type == expected
    assert checked.size == len(content)
    assert checked.content == content
    assert len(checked.sha256) == 64


def test_check_upload_refuses_a_file_of_the_wrong_type() -> None:
    with pytest.raises(UploadRefused, match="^The file must be a PDF, PNG or JPEG$"):
        check_upload(upload("notes.docx", docx_bytes()))


def test_check_upload_refuses_html_whatever_the_browser_says() -> None:
    with pytest.raises(UploadRefused, match="^The file must be a PDF, PNG or JPEG$"):
        check_upload(upload("page.html", b"<html><script>alert(1)</script></html>", content_type="application/pdf"))


@pytest.mark.parametrize(("name", "content", "message"), [
    ("guidance.pdf", docx_bytes(), "The file is called .pdf but is not a PDF"),
    ("guidance.pdf", png_bytes(), "The file is called .pdf but is not a PDF"),
    ("poster.png", pdf_bytes(), "The file is called .png but is not a PNG"),
    ("photo.jpg", b"MZ\x90\x00 an executable", "The file is called .jpg but is not a JPEG"),
])
def test_check_upload_refuses_a_type_disguised_by_its_name(name: str, content: bytes, message: str) -> None:
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload(name, content))
    assert str(refused.value) == message


def test_check_upload_refuses_a_real_pdf_with_another_name() -> None:
    with pytest.raises(UploadRefused, match="^The file is a PDF, so its name must end .pdf$"):
        check_upload(upload("guidance.txt", pdf_bytes()))


def test_check_upload_refuses_a_file_that_is_too_big(settings: Any) -> None:
    settings.KBS_LIBRARY_MAX_UPLOAD_MB = 1
    content = pdf_bytes() + b"\n%" + b"x" * (1024 * 1024)
    with pytest.raises(UploadRefused, match="^The file must be 1 MB or smaller$"):
        check_upload(upload("big.pdf", content))


def test_check_upload_counts_the_bytes_not_the_declared_size(settings: Any) -> None:
    settings.KBS_LIBRARY_MAX_UPLOAD_MB = 1
    big = upload("big.pdf", pdf_bytes() + b"x" * (1024 * 1024))
    big.size = 100  # a client can claim any size
    with pytest.raises(UploadRefused, match="1 MB or smaller"):
        check_upload(big)


def test_check_upload_accepts_a_file_of_exactly_the_limit(settings: Any) -> None:
    settings.KBS_LIBRARY_MAX_UPLOAD_MB = 1
    content = pdf_bytes()
    content += b"x" * (1024 * 1024 - len(content))
    assert check_upload(upload("limit.pdf", content)).size == 1024 * 1024


def test_check_upload_refuses_an_empty_file() -> None:
    with pytest.raises(UploadRefused, match="^The file is empty$"):
        check_upload(upload("empty.pdf", b""))


def test_check_upload_keeps_only_the_last_part_of_the_name() -> None:
    assert check_upload(upload("../../etc/guidance.pdf", pdf_bytes())).original_name == "guidance.pdf"


def test_store_writes_under_the_upload_root_by_digest_once(upload_root: Path) -> None:
    checked = check_upload(upload("guidance.pdf", pdf_bytes()))
    assert files.store(checked) is True
    path = files.path_for(checked.sha256)
    assert path.is_relative_to(upload_root)
    assert path.read_bytes() == checked.content
    assert files.store(checked) is False  # same bytes, already there
    files.discard(checked.sha256)
    assert not path.exists()


def test_path_for_refuses_anything_but_a_digest() -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        files.path_for("../../etc/passwd")


@pytest.mark.parametrize(("original", "content_type", "expected"), [
    ("guidance.pdf", ContentType.PDF, "guidance.pdf"),
    ("guidance", ContentType.PDF, "guidance.pdf"),
    ("photo.JPEG", ContentType.JPEG, "photo.JPEG"),
])
def test_download_name_always_ends_in_the_right_extension(original: str, content_type: str, expected: str) -> None:
    assert files.download_name(original, content_type) == expected
