"""Upload probes: the public upload route, server paths in FileData, doc_id collisions (hole 4+8).

The app runs with ``FOERDERBERATER_MAX_UPLOAD_MB=5``, ``_UPLOAD_QUOTA_MB=12`` (per client and
hour) and ``_UPLOAD_CACHE_SECONDS=5`` (see conftest).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .conftest import ADMIN_PW, login
from .rawclient import Config, RawClient, default_inputs, file_data

pytestmark = pytest.mark.integration

MB = 1024 * 1024
QUOTA_DETAIL = "Zu viele"


def _text(size: int) -> bytes:
    line = "Förderung im Revier: Zuschüsse, Darlehen und Beratung für Unternehmen.\n".encode()
    return (line * (size // len(line) + 1))[:size]


def _corpus_uploads(server) -> dict[str, bytes]:
    folder = server.corpus / "uploads"
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else {}


def _file_path(value) -> str | None:
    """The server path of the first file in an output (a FileData dict somewhere inside)."""
    if isinstance(value, dict):
        if isinstance(value.get("path"), str):
            return value["path"]
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _file_path(item)
            if found:
                return found
    return None


def admin_upload(client: RawClient, cfg: Config, path: str, name: str):
    """What the browser does: (upload event, if the app listens to it), then 'Hochladen'."""
    triggers = {ep.trigger for ep in cfg.endpoints}
    if "fb-upload.upload" in triggers:
        client.call(cfg.endpoint("fb-upload.upload"), [file_data(path, name), None])
    return client.call(cfg.endpoint("fb-upload-btn.click"), [file_data(path, name), None])


def test_filedata_with_a_server_path_is_refused(server, tmp_path):
    secret = "SERVERGEHEIMNIS-4711"
    outside = tmp_path / "geheim.md"
    outside.write_text(f"# Intern\n\n{secret} liegt außerhalb des Korpus.\n", "utf-8")
    planted = server.gradio_tmp / ("0" * 8) / "untergeschoben.md"  # in the cache, never uploaded
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(f"# Untergeschoben\n\n{secret} im Upload-Cache.\n", "utf-8")
    before = _corpus_uploads(server)
    with server.client("127.0.0.10") as c:
        cfg = c.config()
        assert login(c, cfg, ADMIN_PW).ok
        csv = cfg.endpoint("fb-feedback-csv.click")
        exported = c.call(csv, default_inputs(csv))
        cached_csv = _file_path(exported.data)
        paths = [str(outside), str(server.corpus / "programme" / "zim.md"), str(planted)]
        paths += [cached_csv] if cached_csv else []
        messages = []
        for path in paths:
            res = admin_upload(c, cfg, path, Path(path).name)
            messages.append((path, res.success, res.text()[:200]))
    after = _corpus_uploads(server)
    new = {name: data for name, data in after.items() if name not in before}
    assert new == {}, messages
    assert not any(secret.encode() in data for data in after.values())


def test_upload_above_the_size_limit_is_refused(server):
    with server.client("127.0.0.32") as c:
        resp = c.upload("gross.md", _text(6 * MB))
        assert resp.status_code == 413, resp.text[:200]


def test_anonymous_uploads_are_removed_from_the_cache(server):
    with server.client("127.0.0.33") as c:
        resp = c.upload("liegen-gelassen.md", _text(100_000))
        assert resp.status_code == 200, resp.text[:200]
        stored = Path(resp.json()[0])
        assert stored.is_file()
    deadline = time.monotonic() + 30  # cache age 5 s; cleanup every 5 s; slack for a busy CI
    while stored.exists() and time.monotonic() < deadline:
        time.sleep(1)
    assert not stored.exists(), f"{stored} liegt nach 30 s noch im Upload-Cache"


def test_anonymous_upload_volume_is_capped_per_client(server):
    with server.client("127.0.0.30") as c:  # quota 12 MB: three times 3.5 MB fit, four do not
        codes = [c.upload(f"teil-{i}.md", _text(7 * MB // 2)) for i in range(4)]
    assert [r.status_code for r in codes[:3]] == [200, 200, 200]
    assert codes[3].status_code == 429, codes[3].text[:200]
    assert QUOTA_DETAIL in codes[3].text
    with server.client("127.0.0.31") as other:  # another client is not affected
        assert other.upload("anderer.md", _text(7 * MB // 2)).status_code == 200


def test_uploaded_zim_md_does_not_take_the_doc_id_of_the_zim_programme(server):
    content = (
        b"# Pilzzucht im Tagebau\n\nChampignonkultur in stillgelegten Stollen des Reviers: "
        b"konstante Temperatur, hohe Luftfeuchte, Austernpilze und Champignons.\n"
    )
    for earlier in (server.corpus / "uploads").glob("*zim*"):  # left by an earlier probe
        earlier.unlink()
    with server.client("127.0.0.11") as c:
        cfg = c.config()
        assert login(c, cfg, ADMIN_PW).ok
        resp = c.upload("zim.md", content)
        resp.raise_for_status()
        res = admin_upload(c, cfg, resp.json()[0], "zim.md")
        assert res.success and "✅" in res.text(), res.text()[:300]
        version = server.current_version()
        assert c.call(cfg.endpoint("fb-build.click"), [False, None]).success
        deadline = time.monotonic() + 300
        while server.current_version() == version and time.monotonic() < deadline:
            time.sleep(1)
        assert server.current_version() != version, "Indexaufbau nicht fertig geworden"
        ask = cfg.api("ask")
        out = c.call(ask, ["Champignonkultur in Stollen im Tagebau", "", "", "", "", "", "", None])
        assert out.success, out.error
        sources = out.data[0]["sources"]
        upload = [s for s in sources if s["title"] == "Pilzzucht im Tagebau"]
        assert upload, sources
        assert upload[0]["doc_id"] != "zim", "Upload antwortet unter der doc_id des ZIM-Programms"
