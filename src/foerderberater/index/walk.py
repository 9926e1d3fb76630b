"""Walk the corpus folder with safe rules; every file left out gets a German reason.

``ingest.scan_corpus`` / ``ingest.discover`` call it with the corpus file types.

* Hidden names (``.git``, ``.tmp-*`` of an upload in progress) and READMEs are ignored silently.
* Symbolic links are never followed, neither to files nor to folders. A link that points
  outside the corpus is reported as such (its content would otherwise be quoted to users);
  a link inside the corpus is reported too (its target is indexed under its own name).
* A name that is not valid UTF-8 is skipped and reported with a safe, printable form
  (``f\\xfcrderung.md``); the build goes on (exit code 4 for a partial build).
* Only regular files are read (no FIFOs or devices, which could block the build).
* ``max_file_bytes``: larger files are reported and not read.
* Public doc_ids (the file stem) must be unique: of two files with the same stem the one in
  ``uploads/`` (or the later path) is skipped, so an uploaded ``zim.md`` can never answer as
  the ZIM programme.

Paths in the result are relative to the corpus, in POSIX form (the builder's doc_id).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from foerderberater.index.limits import file_size_reason

UPLOAD_SUBDIR = "uploads"


@dataclass(frozen=True)
class WalkSkip:
    path: str  # relative POSIX path, printable (safe_name) also for undecodable names
    reason: str
    # may an indexed older version stay? Only for a file that is fine but cannot be read now
    # (too large, unreadable); a symlink's or clashing file's content must leave the index
    keep_previous: bool = False


@dataclass(frozen=True)
class CorpusWalk:
    files: tuple[Path, ...]
    skipped: tuple[WalkSkip, ...]


def safe_name(name: str | bytes) -> str:
    """A printable form of a file name: undecodable bytes and control characters as escapes."""
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    text = raw.decode("utf-8", errors="backslashreplace")
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def walk_corpus(
    corpus_dir: Path,
    *,
    suffixes: Collection[str],
    ignored_names: Collection[str] = (),
    max_file_bytes: int | None = None,
) -> CorpusWalk:
    """The indexable files below ``corpus_dir`` (sorted) and the reported skips."""
    root = Path(os.path.realpath(corpus_dir))
    files: list[tuple[str, Path]] = []
    skipped: list[WalkSkip] = []
    suffixes = {s.lower() for s in suffixes}
    ignored = {n.lower() for n in ignored_names}

    def relevant(name: str, is_dir: bool) -> bool:
        return is_dir or os.path.splitext(name)[1].lower() in suffixes

    def visit(directory: Path, rel: str) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            skipped.append(WalkSkip(safe_name(rel or "."), f"Ordner nicht lesbar ({exc.strerror})"))
            return
        for entry in entries:
            name = entry.name
            rel_path = f"{rel}/{name}" if rel else name
            shown = safe_name(rel_path)
            if name.startswith("."):
                continue
            try:
                is_link = entry.is_symlink()
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
            except OSError:
                skipped.append(WalkSkip(shown, "nicht lesbar", keep_previous=True))
                continue
            if is_link:
                _report_link(entry, root, shown, relevant, skipped)
                continue
            if not _is_utf8(name):
                if relevant(name, is_dir):
                    what = "Ordnername" if is_dir else "Dateiname"
                    skipped.append(
                        WalkSkip(shown, f"{what} ist kein gültiges UTF-8 – bitte umbenennen")
                    )
                continue
            if is_dir:
                visit(Path(entry.path), rel_path)
                continue
            if not relevant(name, False) or name.lower() in ignored:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                skipped.append(WalkSkip(shown, f"nicht lesbar ({exc.strerror})", True))
                continue
            if not entry.is_file(follow_symlinks=False):
                skipped.append(WalkSkip(shown, "keine gewöhnliche Datei (z. B. Pipe oder Gerät)"))
                continue
            too_large = file_size_reason(info.st_size, max_file_bytes) if max_file_bytes else None
            if too_large:
                skipped.append(WalkSkip(shown, too_large, keep_previous=True))
                continue
            files.append((rel_path, Path(entry.path)))

    visit(root, "")
    kept = _unique_doc_ids(files, skipped)
    return CorpusWalk(tuple(corpus_dir / rel for rel in kept), tuple(skipped))


def _report_link(
    entry: os.DirEntry[str],
    root: Path,
    shown: str,
    relevant: Callable[[str, bool], bool],
    skipped: list[WalkSkip],
) -> None:
    target = Path(os.path.realpath(entry.path))
    inside = target == root or root in target.parents
    if not target.exists():
        reason = "Verknüpfung (Symlink) ins Leere – nicht indexiert"
    elif not inside:
        reason = "Verknüpfung (Symlink) zeigt aus dem Korpus heraus – nicht indexiert"
    elif target.is_dir():
        reason = "Verknüpfung (Symlink) auf einen Ordner – wird nicht verfolgt"
    else:
        reason = "Verknüpfung (Symlink) im Korpus – nicht indexiert, die Zieldatei zählt"
    if relevant(entry.name, target.is_dir()):
        skipped.append(WalkSkip(shown, reason))


def _unique_doc_ids(files: list[tuple[str, Path]], skipped: list[WalkSkip]) -> list[str]:
    """Keep the first file per stem; curated folders win over ``uploads/``."""
    order = sorted(files, key=lambda f: (f[0].startswith(UPLOAD_SUBDIR + "/"), f[0]))
    owner: dict[str, str] = {}
    kept: list[str] = []
    for rel, path in order:
        stem = path.stem
        if stem in owner:
            skipped.append(
                WalkSkip(
                    rel,
                    f"doc_id {stem!r} ist schon vergeben ({owner[stem]}) – bitte umbenennen",
                )
            )
            continue
        owner[stem] = rel
        kept.append(rel)
    return sorted(kept, key=lambda rel: rel.split("/"))  # like sorted(Path) in ingest
