"""Names for ingested files: a printable source name and a unique document-id prefix for each.

A file name is bytes to the operating system and need not be valid UTF-8; Python hands such bytes
over as lone surrogates, which crash the first `encode("utf-8")` (the index's JSON, a terminal).
Every name is therefore made printable once, here, and only that form is stored or shown.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Iterable
from pathlib import PurePath, PurePosixPath

# Control, format (bidi overrides can make a name read backwards), separator and surrogate characters.
_UNPRINTABLE_CATEGORIES = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))
# Folders in a document id: "/" would split the id's URL path (GET /documents/{id}).
FOLDER_SEPARATOR = "__"


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(name: str | PurePath) -> str:
    """`name` with undecodable bytes and invisible characters as backslash escapes (`bad\\xff.txt`)."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(
        _escape(char) if unicodedata.category(char) in _UNPRINTABLE_CATEGORIES else char for char in text
    )


def source_name(relative: PurePath) -> str:
    """The stored source of a file: its path below the folder that was named, `/`-separated."""
    return str(PurePosixPath(*(printable(part) for part in relative.parts)))


def _base_prefix(relative: PurePath) -> str:
    # A file at the top of the folder keeps the id its name always gave (seeds_documents.json and
    # the evaluation sets refer to those); only files in subfolders carry their folders.
    parts = [printable(part) for part in relative.parts]
    parts[-1] = printable(relative.stem)
    return FOLDER_SEPARATOR.join(parts).replace("\\", "_")


def document_prefixes(files: Iterable[tuple[PurePath, PurePath]]) -> list[str]:
    """One unique id prefix per (path, relative path), in order.

    Two files can still want the same prefix (x.html beside x.txt; the same name at the top of two
    folders named on the command line): the first keeps it, a later one keeps its extension too, and
    if that is taken as well, gets a short hash of its full path.
    """
    taken: set[str] = set()
    prefixes: list[str] = []
    for path, relative in files:
        prefix = _base_prefix(relative)
        if prefix in taken:
            prefix = f"{prefix}{printable(relative.suffix)}"
        if prefix in taken:
            prefix = f"{prefix}~{hashlib.sha1(os.fsencode(path)).hexdigest()[:8]}"
        taken.add(prefix)
        prefixes.append(prefix)
    return prefixes
