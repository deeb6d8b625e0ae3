"""Source files → plain text: txt/md, HTML, docx and PDF, with one human-readable reason per failure.

Loading never guesses silently: a file that cannot be read well enough to cite from is refused with a
reason (`LoaderError`), and `load_paths` turns each refusal into a `LoadError` so one bad file in a
folder of hundreds never stops the batch.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from pathlib import Path, PurePath
from zipfile import BadZipFile

import docx
from bs4 import BeautifulSoup
from bs4.dammit import EncodingDetector
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from lxml import etree
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError

from qa_service.ingest.html_text import page_text
from qa_service.ingest.models import LoadedFile, LoadError
from qa_service.ingest.naming import printable

_FORMAT_BY_SUFFIX = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMAT_BY_SUFFIX)

# Labels that mean "GBK" on the web: pages declaring gb2312 routinely use GBK-only characters
# (朱镕基's 镕, for one), and GB18030 is a strict superset of both.
_GBK_LABELS = frozenset({"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "csgb2312", "gb_2312-80"})

# Only ASCII whitespace: full-width and no-break spaces are left for the cleaner to normalise.
_INLINE_SPACES = re.compile(r"[ \t\f\v]+")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# What python-docx and zipfile raise for a file that is not an intact Word package: random bytes,
# a zip of something else, damaged XML or compressed data, an .xlsx renamed to .docx.
_DOCX_ERRORS = (
    PackageNotFoundError, BadZipFile, KeyError, ValueError, EOFError, NotImplementedError, zlib.error,
    etree.XMLSyntaxError,
    RuntimeError,  # zipfile's "is encrypted, password required"
)  # fmt: skip
# Password-protected .docx files and old binary .doc files are both OLE compound files, not zips.
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
# Word's XML compresses about 10:1, rarely past 50:1; deflate bombs reach 1000:1. Small members are
# exempt: a tiny, highly repetitive part is harmless whatever its ratio.
_ZIP_MAX_RATIO = 200
_ZIP_RATIO_MIN_BYTES = 1024 * 1024
# Unpacked size allowed when no limit is given (the service passes QA_INGEST_MAX_UNPACKED_MB).
DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# pypdf is lenient and repairs what it can; on damaged files it still escapes with plain built-in
# errors from deep inside its parser, so these are caught alongside its own.
_PDF_ERRORS = (
    PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, NotImplementedError, zlib.error,
)  # fmt: skip


class LoaderError(ValueError):
    """A file that cannot be loaded; `reason` is meant for the person who supplied the file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- finding files -------------------------------------------------------------------------------


def _is_hidden(path: Path) -> bool:
    # "~$x.docx" is Word's lock file for an open x.docx: hidden on Windows, never a document.
    return path.name.startswith((".", "~$"))


def _is_dir(path: Path) -> bool:
    # A path we may not even stat is reported by load_file, not raised here mid-iteration.
    try:
        return path.is_dir()
    except OSError:
        return False


def _walk(directory: Path) -> Iterator[Path]:
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        yield directory  # load_file reports it, so an unreadable folder is not silently skipped
        return
    for entry in entries:
        if _is_hidden(entry):
            continue
        if _is_dir(entry) and not entry.is_symlink():
            yield from _walk(entry)
        else:
            yield entry  # a linked folder too: load_file says why it is not followed


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under `paths`: folders expanded recursively in name order, skipping hidden entries.

    Paths that are not folders are yielded as given, even hidden or missing ones: the caller named
    them, so `load_file` should be the one to say what is wrong with them. A file reached twice
    (a folder and a file inside it) is yielded once.
    """
    for file, _ in iter_files_with_names(paths):
        yield file


def iter_files_with_names(paths: Iterable[Path]) -> Iterator[tuple[Path, PurePath]]:
    """`iter_files`, each file with its path relative to the folder it was found in (a file named
    directly: just its name), which is what names its documents."""
    seen: set[Path] = set()
    for path in paths:
        is_folder = _is_dir(path)
        for file in _walk(path) if is_folder else (path,):
            key = file.absolute()
            if key not in seen:
                seen.add(key)
                inside = is_folder and file != path  # an unreadable folder is yielded as itself
                yield file, file.relative_to(path) if inside else PurePath(file.name or str(file))


# --- reading bytes -------------------------------------------------------------------------------


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _checked_stat(path: Path) -> os.stat_result:
    if path.is_symlink() and _is_dir(path):
        # Met inside a folder: a linked folder can loop back on itself or lead anywhere on disk.
        raise LoaderError("link to a folder (not followed; name the folder itself to index it)")
    try:
        info = path.stat()
    except FileNotFoundError as error:
        raise LoaderError("file not found") from error
    except OSError as error:
        raise LoaderError(f"cannot access file ({error.strerror or error})") from error
    if stat.S_ISDIR(info.st_mode):
        readable = os.access(path, os.R_OK | os.X_OK)
        raise LoaderError("is a directory" if readable else "directory cannot be read (permission denied?)")
    if not stat.S_ISREG(info.st_mode):
        # Opening a FIFO or device would block or never end.
        raise LoaderError("not a regular file")
    return info


def _read_bytes(path: Path, size: int, max_bytes: int) -> bytes:
    if size == 0:
        raise LoaderError("empty file")
    # Checked before reading so an accidental multi-gigabyte file is never pulled into memory.
    if size > max_bytes:
        raise LoaderError(f"file too large ({_human_size(size)}; limit {_human_size(max_bytes)})")
    try:
        return path.read_bytes()
    except OSError as error:
        raise LoaderError(f"cannot read file ({error.strerror or error})") from error


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_text(data: bytes, declared: str | None = None) -> str:
    """UTF-8 first, then the declared charset, then GB18030, the usual encoding of Chinese pages."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    # Notepad's "Unicode" is UTF-16 with a BOM; without this check it would fail as binary.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    # GB18030 decodes almost any bytes, so binary data must be refused before it is tried.
    if b"\x00" in data:
        raise LoaderError("binary data in a text file (NUL bytes)")
    for encoding in dict.fromkeys(enc for enc in ("utf-8", declared, "gb18030") if enc):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise LoaderError("cannot decode text (neither UTF-8 nor GB18030)")


def _read_plain_text(data: bytes) -> str:
    # Markdown is read as is: the splitter and chunker parse its "#" headings and
    # "<!-- INFO END -->" marker themselves.
    return _decode_text(data)


# --- HTML ----------------------------------------------------------------------------------------


def _declared_html_charset(data: bytes) -> str | None:
    declared = EncodingDetector.find_declared_encoding(data, is_html=True)
    if not declared:
        return None
    return "gb18030" if declared.lower() in _GBK_LABELS else declared


def _text_lines(text: str) -> list[str]:
    lines = (_INLINE_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def _read_html(data: bytes) -> str:
    soup = BeautifulSoup(_decode_text(data, _declared_html_charset(data)), "lxml")
    try:
        page = page_text(soup)
    finally:
        # The tree is a web of reference cycles: unlinked now, its memory is free for the next file
        # at once instead of at the next garbage collection.
        soup.decompose()
    lines = _text_lines("".join(page.pieces))
    heading = _text_lines("".join(page.heading)) if page.heading is not None else []
    if not heading and page.title:
        heading = [page.title]
    # The title usually opens the page; when the body starts elsewhere the splitter would lose it.
    if lines and heading and lines[: len(heading)] != heading:
        lines = heading + lines
    return "\n".join(lines)


# --- DOCX ----------------------------------------------------------------------------------------


def _table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        cells = []
        previous = None
        for cell in row.cells:
            # A horizontally merged cell is returned once per grid column it spans.
            if cell._tc is previous:
                continue
            previous = cell._tc
            text = " ".join(cell.text.split())
            if text:
                cells.append(text)
        if cells:
            lines.append(" ".join(cells))
    return lines


def _check_unpacked_size(data: bytes, max_unpacked_bytes: int) -> None:
    """Refuses a zip bomb from its directory alone, before anything is decompressed.

    The sizes it declares are safe to trust: zipfile never returns more than a member's declared
    size (and fails its CRC check if the data is longer).
    """
    try:
        members = zipfile.ZipFile(BytesIO(data)).infolist()
    except _DOCX_ERRORS as error:
        raise LoaderError(f"not a valid .docx file ({error or type(error).__name__})") from error
    total = sum(member.file_size for member in members)
    if total > max_unpacked_bytes:
        raise LoaderError(
            f"unpacks to {_human_size(total)} (limit {_human_size(max_unpacked_bytes)}): a zip bomb?"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _ZIP_RATIO_MIN_BYTES and ratio > _ZIP_MAX_RATIO:
            raise LoaderError(
                f"{printable(member.filename)} unpacks {ratio:.0f}:1 ({_human_size(member.compress_size)} → "
                f"{_human_size(member.file_size)}; limit {_ZIP_MAX_RATIO}:1): a zip bomb?"
            )


def _read_docx(data: bytes, max_unpacked_bytes: int) -> str:
    if data.startswith(_OLE_MAGIC):
        raise LoaderError("password-protected or old-format (.doc) Word file; save it as a plain .docx")
    _check_unpacked_size(data, max_unpacked_bytes)
    try:
        document = docx.Document(BytesIO(data))
    except _DOCX_ERRORS as error:
        raise LoaderError(f"not a valid .docx file ({error or type(error).__name__})") from error
    lines: list[str] = []
    # Document order, so a table sits between the paragraphs that introduce and follow it.
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
        elif block.text.strip():
            lines.append(block.text)
    return "\n".join(lines)


# --- PDF -----------------------------------------------------------------------------------------


def _unlock_pdf(reader: PdfReader) -> None:
    # Many official PDFs are encrypted only to restrict printing/copying, with an empty user password.
    if not reader.is_encrypted:
        return
    try:
        unlocked = reader.decrypt("")
    except DependencyError as error:
        raise LoaderError("encrypted PDF (AES decryption needs the 'cryptography' package)") from error
    if unlocked == PasswordType.NOT_DECRYPTED:
        raise LoaderError("encrypted PDF")


def _read_pdf(data: bytes) -> str:
    try:
        reader = PdfReader(BytesIO(data))
        _unlock_pdf(reader)
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoaderError:
        raise
    except _PDF_ERRORS as error:
        raise LoaderError(f"not a valid PDF ({error or type(error).__name__})") from error
    text = "\n".join(pages)
    if not text.strip():
        raise LoaderError("PDF has no extractable text (scanned image? it needs OCR first)")
    return text


# --- entry points --------------------------------------------------------------------------------

_READERS: dict[str, Callable[[bytes, int], str]] = {
    "txt": lambda data, _: _read_plain_text(data),
    "md": lambda data, _: _read_plain_text(data),
    "html": lambda data, _: _read_html(data),
    "docx": _read_docx,
    "pdf": lambda data, _: _read_pdf(data),
}


def load_file(
    path: Path, *, max_bytes: int, max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES
) -> LoadedFile:
    """Plain text of one file; raises `LoaderError` with a human-readable reason when it cannot.

    `max_bytes` limits the file as stored, `max_unpacked_bytes` what a zipped format (.docx) unpacks to.
    """
    info = _checked_stat(path)
    suffix = path.suffix.lower()
    file_format = _FORMAT_BY_SUFFIX.get(suffix)
    if file_format is None:
        raise LoaderError(
            f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)"
        )
    data = _read_bytes(path, info.st_size, max_bytes)
    text = _normalise_newlines(_READERS[file_format](data, max_unpacked_bytes))
    # A PDF's own character maps can yield lone surrogates, which no UTF-8 index file can hold.
    text = _LONE_SURROGATE.sub("\ufffd", text)
    if not text.strip():
        raise LoaderError("no text found")
    return LoadedFile(source=str(path), text=text, format=file_format)


def load_paths(paths: Iterable[Path], *, max_bytes: int) -> tuple[list[LoadedFile], list[LoadError]]:
    """Loads every file under `paths`; each failure becomes a `LoadError` and the batch goes on."""
    loaded: list[LoadedFile] = []
    errors: list[LoadError] = []
    for path in iter_files(paths):
        try:
            loaded.append(load_file(path, max_bytes=max_bytes))
        except LoaderError as error:
            errors.append(LoadError(str(path), error.reason))
        except Exception as error:
            # A parser failure we did not foresee on one odd file must not cost the whole batch.
            errors.append(LoadError(str(path), f"unexpected error: {type(error).__name__}: {error}"))
    return loaded, errors
