"""Upload checks: only fresh files from Gradio's upload folder, size, type, atomic store."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from foerderberater.security.upload_check import (
    UploadLedger,
    UploadRejected,
    accept_upload,
    discard,
    sniff_type,
    store_upload,
    upload_name,
)

MD = b"# W\xc3\xa4rmepumpen im Revier\n\nEin kurzer Text \xc3\xbcber W\xc3\xa4rmepumpen.\n"


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    root = tmp_path / "gradio-upload"
    (root / "3f2a").mkdir(parents=True)
    return root


def uploaded(cache: Path, name: str = "studie.md", data: bytes = MD) -> Path:
    path = cache / "3f2a" / name
    path.write_bytes(data)
    return path


def test_accepts_a_fresh_file_from_the_upload_folder(cache):
    path = uploaded(cache)
    ok = accept_upload(str(path), cache, max_bytes=1000, original_name="Studie.md")
    assert (ok.kind, ok.size, ok.original_name) == ("markdown", len(MD), "Studie.md")
    assert ok.path == path.resolve()
    pdf = uploaded(cache, "x.pdf", b"%PDF-1.7\n" + bytes(50))
    assert accept_upload(pdf, cache, max_bytes=1000).kind == "pdf"


def test_refuses_server_paths_links_and_strangers(cache, tmp_path):
    outside = tmp_path / "geheim.md"
    outside.write_bytes(MD)
    (cache / "3f2a" / "link.md").symlink_to(outside)
    (cache / "linkdir").symlink_to(tmp_path)
    hard = cache / "3f2a" / "hart.md"
    os.link(outside, hard)
    cases = {
        str(outside): "keine Pfade auf dem Server",
        "/etc/passwd": "keine Pfade auf dem Server",
        str(cache / "3f2a" / "link.md"): "keine Pfade auf dem Server",
        str(cache / "linkdir" / "geheim.md"): "keine Pfade auf dem Server",
        str(cache / "3f2a" / ".." / ".." / "geheim.md"): "keine Pfade auf dem Server",
        "3f2a/studie.md": "Keine hochgeladene Datei",  # relative: not found from here
        str(cache / "3f2a" / "fehlt.md"): "Keine hochgeladene Datei",
        str(hard): "keine gewöhnliche Datei",
        "": "Keine Datei empfangen",
    }
    for candidate, message in cases.items():
        with pytest.raises(UploadRejected, match=message):
            accept_upload(candidate, cache, max_bytes=10_000)


def test_only_the_file_issued_to_this_session(cache):
    mine = uploaded(cache, "meins.md")
    other = uploaded(cache, "fremd.md")
    assert accept_upload(mine, cache, max_bytes=1000, issued=[str(mine)]).path == mine
    with pytest.raises(UploadRejected, match="nicht von Ihnen hochgeladen"):
        accept_upload(other, cache, max_bytes=1000, issued=[str(mine)])


def test_upload_ledger_tracks_client_and_age():
    ledger = UploadLedger(max_age=60, max_entries=3)
    ledger.record(["/u/a.md", "/u/b.md"], "198.51.100.7", now=1000)
    ledger.record(["/u/c.md"], "203.0.113.9", now=1030)
    assert ledger.issued_to("198.51.100.7", now=1050) == ["/u/a.md", "/u/b.md"]
    assert ledger.issued_to("203.0.113.9", now=1050) == ["/u/c.md"]
    assert ledger.issued_to("198.51.100.7", now=1061) == []  # too old
    ledger.forget("/u/c.md")
    assert ledger.issued_to("203.0.113.9", now=1050) == []
    ledger.record(["/u/d.md", "/u/e.md", "/u/f.md"], "x", now=1100)
    assert ledger.issued_to("198.51.100.7", now=1100) == []  # bounded: oldest dropped


def test_size_age_and_type_are_checked_before_reading(cache):
    huge = cache / "3f2a" / "riesig.md"
    with huge.open("wb") as fh:  # sparse: 20 GB on paper, nothing on disk
        fh.truncate(20 * 1024**3)
    start = time.perf_counter()
    with pytest.raises(UploadRejected, match="zu groß"):
        accept_upload(huge, cache, max_bytes=50 * 1024 * 1024)
    assert time.perf_counter() - start < 1
    with pytest.raises(UploadRejected, match="leer"):
        accept_upload(uploaded(cache, "leer.md", b""), cache, max_bytes=1000)
    old = uploaded(cache, "alt.md")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    with pytest.raises(UploadRejected, match="abgelaufen"):
        accept_upload(old, cache, max_bytes=1000, max_age_seconds=3600)
    for data in (b"MZ\x90\x00\x03" + bytes(100), b"\x89PNG\r\n\x1a\n", "Öl".encode("latin-1")):
        with pytest.raises(UploadRejected, match="Dateityp nicht erkannt"):
            accept_upload(uploaded(cache, "typ.md", data), cache, max_bytes=1000)


def test_sniff_type():
    assert sniff_type(b"\xef\xbb\xbf%PDF-1.4") == "pdf"
    assert sniff_type("abc ä".encode()[:-1]) == "markdown"  # a cut multi-byte char at the end
    assert sniff_type(b"   \n ") is None


@pytest.mark.parametrize(
    ("original", "kind", "expected"),
    [
        ("zim.md", "markdown", "upload-zim.md"),
        ("Förderübersicht 2025 (final).PDF", "pdf", "upload-foerderuebersicht-2025-final.pdf"),
        ("../../etc/passwd", "markdown", "upload-passwd.md"),
        ("..\\..\\boot.ini", "markdown", "upload-boot-ini.md"),
        ("programm.pdf", "markdown", "upload-programm.md"),  # the content decides the extension
        ("upload-zim.md", "markdown", "upload-zim.md"),  # no double prefix
        ("README.md", "markdown", "upload-readme.md"),
        ("???.md", "markdown", "upload-dokument.md"),
        (".versteckt.md", "markdown", "upload-versteckt.md"),
    ],
)
def test_upload_name_rule(original, kind, expected):
    assert upload_name(original, kind) == expected


def test_store_is_atomic_unique_and_validated(cache, tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "programme").mkdir(parents=True)
    (corpus / "programme" / "zim.md").write_bytes(MD)
    accepted = accept_upload(uploaded(cache), cache, max_bytes=1000, original_name="zim.md")
    first = store_upload(accepted, corpus)
    second = store_upload(accepted, corpus)
    assert first == corpus.resolve() / "uploads" / "upload-zim.md"
    assert second.name == "upload-zim-2.md" and second.read_bytes() == MD
    assert (corpus / "programme" / "zim.md").read_bytes() == MD

    def refuse(path: Path, name: str) -> None:
        assert path.read_bytes() == MD  # the complete copy is what gets checked
        assert name == "upload-zim.md"  # under the name it would get
        raise UploadRejected("Datei nicht verwendbar: kaputt")

    with pytest.raises(UploadRejected, match="kaputt"):
        store_upload(accepted, corpus, validate=refuse)
    names = sorted(p.name for p in (corpus / "uploads").iterdir())
    assert names == ["upload-zim-2.md", "upload-zim.md"]  # no temporary file left behind
    discard(accepted)
    assert not accepted.path.exists()


def test_store_refuses_a_linked_or_escaping_target(cache, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    elsewhere = tmp_path / "anderswo"
    elsewhere.mkdir()
    (corpus / "uploads").symlink_to(elsewhere)
    accepted = accept_upload(uploaded(cache), cache, max_bytes=1000)
    with pytest.raises(UploadRejected, match="Ungültiger Pfad"):
        store_upload(accepted, corpus)
    with pytest.raises(UploadRejected, match="Ungültiger Pfad"):
        store_upload(accepted, corpus, subdir="../aussen")
    assert list(elsewhere.iterdir()) == [] and not (tmp_path / "aussen").exists()


def test_upload_quota_per_client_and_hour():
    from foerderberater.web.guard import UploadQuota

    now = [1000.0]
    quota = UploadQuota(10 * 1024 * 1024, clock=lambda: now[0])
    assert quota.charge("198.51.100.7", 6 * 1024 * 1024)
    assert not quota.charge("198.51.100.7", 6 * 1024 * 1024)  # refused: nothing booked
    assert quota.charge("198.51.100.7", 4 * 1024 * 1024)
    assert quota.charge("203.0.113.9", 10 * 1024 * 1024)  # another client has its own quota
    now[0] += 3601
    assert quota.charge("198.51.100.7", 10 * 1024 * 1024)  # a new hour
