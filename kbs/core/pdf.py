"""Turning a page of HTML into a PDF, for what people print and take away (safe sleep plans,
chronologies).

WeasyPrint would fetch any URL the HTML names. Our printed pages are built from what people typed,
so the fetcher only reads inline `data:` URLs and local files under `base_url`: a PDF never makes
a network request, and never reads a file outside the folder it was given.
"""

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.http import HttpResponse
from weasyprint import HTML, URLFetcher


class RemoteResourceRefused(ValueError):
    """A printed page asked for something other than an inline or local resource."""


class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """Reads `data:` URLs, and `file:` URLs inside `root`; refuses everything else."""

    def __init__(self, root: Path | None) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self.root = root

    def fetch(self, url: str, headers: Any = None) -> Any:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "file":
            path = Path(unquote(urlparse(url).path)).resolve()
            if self.root is None or not path.is_relative_to(self.root):
                raise RemoteResourceRefused(f"a printed page may not read {url}")
        elif scheme != "data":
            raise RemoteResourceRefused(f"a printed page may not fetch {url}")
        return super().fetch(url, headers)


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of a standalone HTML page. Give `base_url` as the `file:` URL of a folder (the static
    files, say) when the page names local images or stylesheets; a page with inline CSS needs none."""
    root = Path(unquote(urlparse(base_url).path)).resolve() if base_url and base_url.startswith("file:") else None
    pdf = HTML(string=html, base_url=base_url, url_fetcher=LocalOnlyFetcher(root)).write_pdf()
    if pdf is None:  # only when a target file is given, which we never do
        raise RuntimeError("WeasyPrint wrote no PDF")
    return bytes(pdf)


def pdf_download(
    request: Any, *, template: str, context: dict[str, Any], filename: str, audit: dict[str, Any]
) -> "HttpResponse":
    """Render a self-contained print template to a PDF response and write its EXPORT audit row.

    `audit` holds record_event's keyword arguments besides `by` and `action` (obj, family,
    summary, detail). The print templates inline their CSS and name no files.
    """
    from django.template.loader import render_to_string

    from kbs.audit.actions import record_event
    from kbs.audit.models import Action

    pdf = render_pdf(render_to_string(template, context, request=request), base_url=None)
    record_event(by=request.user, action=Action.EXPORT, **audit)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
