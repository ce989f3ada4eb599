"""Stage 0: where a new article comes from. A text file in the series' format, a saved web page, or a URL.

A web page's main text and metadata (title, canonical URL, date when the page states one) come from
trafilatura, not hand-written scraping, and are turned into the series' text format: the title on
line 1, then one paragraph or speaker turn a line. Nothing is written here; :class:`Draft` is what
an editor is about to add.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from ..errors import ArticleError
from .articles import MAX_ARTICLE_BYTES, ArticleMeta, read_text, sidecar_meta
from .layout import PUBLISHER, PUBLISHER_MENTION, is_staff, named_members, title_parts

FETCH_TIMEOUT = 10.0
ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ][0-9:.+\-Z]+)?$")
SPEAKER_WITH_COLON = re.compile(r"^(?P<name>[^\s:：]{1,12})\s*[:：]\s*(?P<words>\S.*)$")


@dataclass(frozen=True)
class Draft:
    """An article about to be added: its id (file name in ``seeds/``), text and metadata."""

    id: str
    text: str
    meta: ArticleMeta
    origin: str


def check_article_id(article_id: str) -> str:
    if not ARTICLE_ID.match(article_id):
        raise ArticleError(f"invalid article id {article_id!r}: use letters, digits, '-' and '_' (at most 80)")
    return article_id


def slug(name: str) -> str:
    """A file-name-safe id from a file stem or the last part of a URL's path ("" when none is left)."""
    ascii_only = unicodedata.normalize("NFKC", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_]+", "-", ascii_only).strip("-_")[:80].strip("-_")


def _is_url(source: str) -> bool:
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source) is not None


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise ArticleError(f"{req.full_url}: redirects to {newurl}, which is not an http(s) URL")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_ARTICLE_BYTES) -> tuple[bytes, str, str]:
    """(body, content type, final URL) of an http(s) URL, with a timeout and a size cap."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ArticleError(f"{url}: only http and https URLs can be fetched")
    opener = urllib.request.build_opener(_HttpOnlyRedirects())
    request = urllib.request.Request(url, headers={"User-Agent": "retrieval-add/1 (+python urllib)"})
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
            content_type = response.headers.get("Content-Type", "")
            final_url = response.geturl()
    except urllib.error.HTTPError as error:
        raise ArticleError(f"{url}: the server answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise ArticleError(f"{url}: cannot fetch the page ({error.reason})") from None
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        raise ArticleError(f"{url}: cannot fetch the page ({error or 'timed out'})") from None
    if len(body) > max_bytes:
        raise ArticleError(f"{url}: the page is larger than {max_bytes // 1_000_000} MB")
    return body, content_type, final_url


def _is_speaker(name: str, interviewers: set[str]) -> bool:
    return name in interviewers or is_staff(name)


def _join_speaker_lines(lines: list[str]) -> list[str]:
    """Web pages often set the speaker apart ("Kさん" on its own line, or "Kさん：..."); the series'
    format wants ``NAME words`` on one line."""
    interviewers = named_members(lines)
    joined: list[str] = []
    pending = ""
    for line in lines:
        colon = SPEAKER_WITH_COLON.match(line)
        if colon and _is_speaker(colon["name"], interviewers):
            line = f"{colon['name']} {colon['words']}"
        if pending:
            line, pending = f"{pending} {line}", ""
        elif _is_speaker(line, interviewers):
            pending = line
            continue
        joined.append(line)
    return joined + ([pending] if pending else [])


def html_to_draft(html: bytes | str, page_url: str = "", title: str | None = None) -> tuple[str, ArticleMeta]:
    """The article text (series' format) and metadata of a web page, by trafilatura.

    ``title`` (the editor's ``--title``) is used when the page has none.
    """
    import trafilatura  # imported here: only `add` needs it, and it takes a while to import

    document = trafilatura.bare_extraction(
        html, url=page_url or None, with_metadata=True, include_comments=False, include_tables=False,
        favor_recall=True, date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if document is None or not (document.text or "").strip():
        raise ArticleError(f"{page_url or 'the page'}: no article text found in the page")
    title = (document.title or title or "").strip()
    lines = [line.strip() for line in document.text.splitlines() if line.strip()]
    if title and lines and lines[0] == title:
        lines = lines[1:]
    if not title:
        raise ArticleError(f"{page_url or 'the page'}: the page has no title; give one with --title")
    text = "\n".join([title, *_join_speaker_lines(lines)]) + "\n"
    meta = ArticleMeta(title=title, url=document.url or page_url, publisher=(document.author or "").strip(),
                       published=document.date or None)
    return text, meta


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:512].lower()
    return head.startswith("<") and ("<html" in head or "<!doctype html" in head)


def read_source(source: str, overrides: dict[str, str | None] | None = None,
                article_id: str | None = None) -> Draft:
    """A :class:`Draft` from a ``.txt`` file, a saved HTML page or an http(s) URL.

    ``overrides`` (title, url, published, publisher, series, department) win over what the source
    says. Raises :class:`ArticleError` with a one-line reason when the source cannot be read.
    """
    overrides = overrides or {}
    if _is_url(source):
        body, content_type, final_url = fetch(source)
        if content_type.split(";")[0].strip().lower() == "text/plain":
            text, meta = body.decode("utf-8", errors="replace").removeprefix("\ufeff"), ArticleMeta(url=final_url)
        else:
            text, meta = html_to_draft(body, final_url, overrides.get("title"))
        default_id = slug(PurePosixPath(urlsplit(final_url).path.rstrip("/")).stem)
    else:
        path = Path(source)
        if not path.is_file():
            raise ArticleError(f"{source}: no such file (give a .txt or .html file, or an http(s) URL)")
        if path.suffix.lower() in (".html", ".htm"):
            text, meta = html_to_draft(_read_html(path), title=overrides.get("title"))
        elif _looks_like_html(text := read_text(path)):
            text, meta = html_to_draft(text, title=overrides.get("title"))
        else:
            meta = sidecar_meta(path)
        default_id = slug(path.stem)
    meta = _with_overrides(meta, text, overrides)
    chosen = article_id or default_id or "article-" + hashlib.sha1(text.encode()).hexdigest()[:10]
    return Draft(id=check_article_id(chosen), text=text, meta=meta, origin=source)


def _read_html(path: Path) -> bytes:
    """The bytes of a saved page; trafilatura finds the encoding (pages are not always UTF-8)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArticleError(f"{path}: cannot read the file ({error.strerror})") from None
    if len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"{path}: the file is larger than {MAX_ARTICLE_BYTES // 1_000_000} MB")
    return data


def _with_overrides(meta: ArticleMeta, text: str, overrides: dict[str, str | None]) -> ArticleMeta:
    given = {name: value for name, value in overrides.items() if value is not None}
    if given.get("published") and not DATE.match(given["published"]):
        raise ArticleError(f"--published {given['published']!r}: use a date like 2024-03-15")
    meta = replace(meta, **given)
    title = meta.title or text.lstrip().split("\n", 1)[0]
    parts = title_parts(title)
    filled = {
        "department": meta.department or parts.department,
        "series": meta.series or parts.series,
        "publisher": meta.publisher or (PUBLISHER if PUBLISHER_MENTION.search(f"{title}\n{text}") else ""),
    }
    return replace(meta, **filled)
