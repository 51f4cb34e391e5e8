"""Turning a page of HTML into a PDF, for what people print and take away (safe sleep plans,
chronologies).

WeasyPrint would fetch any URL the HTML names. Our printed pages are built from what people typed,
so the fetcher only reads inline `data:` URLs and local files under `base_url`: a PDF never makes
a network request, and never reads a file outside the folder it was given.
"""

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from weasyprint import HTML, default_url_fetcher


class RemoteResourceRefused(ValueError):
    """A printed page asked for something other than an inline or local resource."""


def _local_fetcher(base_url: str | None) -> Any:
    root = Path(unquote(urlparse(base_url).path)).resolve() if base_url and base_url.startswith("file:") else None

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith("data:"):
            return default_url_fetcher(url, *args, **kwargs)
        if root is not None and url.startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if path.is_relative_to(root):
                return default_url_fetcher(url, *args, **kwargs)
        raise RemoteResourceRefused(f"a printed page may not fetch {url}")

    return fetch


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of a standalone HTML page. Give `base_url` as a `file:` URL of a folder (for
    example the static files) if the page names local images or stylesheets; inline CSS needs none."""
    pdf = HTML(string=html, base_url=base_url, url_fetcher=_local_fetcher(base_url)).write_pdf()
    if pdf is None:  # only when a target file is given, which we never do
        raise RuntimeError("WeasyPrint wrote no PDF")
    return pdf
