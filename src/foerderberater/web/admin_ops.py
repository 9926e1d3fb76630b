"""Handler logic of the evaluation and admin tabs (no Gradio; tested directly).

Every function checks the session's role itself (``web.auth.require``): evaluation needs
staff, corpus changes and builds need admin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from foerderberater.core.errors import FoerderberaterError, UploadError, UserError
from foerderberater.index.limits import MB
from foerderberater.security.auth import Role
from foerderberater.security.upload_check import accept_upload, discard
from foerderberater.web import auth
from foerderberater.web.context import AppContext
from foerderberater.web.handlers import Session, friendly
from foerderberater.web.uploads import list_corpus, remove_document, save_upload


def run_gold_evaluation(
    ctx: AppContext, session: Session
) -> tuple[str, list[str], list[list[Any]]]:
    """(Markdown summary, headers, per-question rows) of ``evaluate_gold`` if available."""
    from foerderberater.evaluation.gold import evaluate_gold

    auth.require(ctx, session, Role.STAFF)
    if not ctx.gold_path.is_file():
        return f"Die Gold-Fragen fehlen: `{ctx.gold_path}` gibt es nicht.", [], []
    try:
        result = evaluate_gold(ctx.advisor, ctx.gold_path)
    except FoerderberaterError as exc:
        return f"❌ {friendly(exc)}", [], []
    labels = {
        "questions": "Fragen",
        "answerable": "beantwortbar",
        "out_of_scope": "ohne Grundlage (Ablehnung erwartet)",
        "recall_at_5": "Recall@5",
        "mrr": "MRR",
        "abstention_precision": "Ablehnung – Präzision",
        "abstention_recall": "Ablehnung – Recall",
        "abstention_accuracy": "Ablehnung – Genauigkeit",
    }
    lines = ["| Kennzahl | Wert |", "|---|---|"]
    rows: list[dict[str, Any]] = []
    for key, value in result.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            lines.append(f"| {labels.get(key, key)} | {value} |")
        elif isinstance(value, float):
            lines.append(f"| {labels.get(key, key)} | {value:.3f} |")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            rows = rows or value
    headers: list[str] = []
    for row in rows:
        headers.extend(k for k in row if k not in headers)
    table = [[_cell(row.get(h)) for h in headers] for row in rows]
    return "\n".join(lines), headers, table


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return str(value)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return "" if value is None else value


# ----------------------------------------------------------------------------- admin
def require_admin(ctx: AppContext, session: Session) -> None:
    auth.require(ctx, session, Role.ADMIN)


def login(ctx: AppContext, session: Session, password: str, client: str) -> str:
    """Admin login (throttled per client); German message."""
    return auth.login(ctx, session, password, Role.ADMIN, client)


def upload(
    ctx: AppContext,
    session: Session,
    file_path: str | None,
    client: str,
    original_name: str = "",
    upload_folder: Path | None = None,
) -> str:
    """Take the file the upload route stored for ``client`` into ``corpus/uploads/``.

    Only a fresh file in Gradio's upload folder that this client uploaded is accepted (never
    a path on the server); size, then type are checked before the atomic copy. The file
    leaves the upload folder in every case.
    """
    require_admin(ctx, session)
    if not file_path:
        raise UserError("Bitte zuerst eine Datei auswählen.")
    if ctx.builds.running:
        raise UserError("Während des Indexaufbaus sind keine Änderungen am Korpus möglich.")
    if upload_folder is None:
        from gradio.utils import get_upload_folder

        upload_folder = Path(get_upload_folder())
    issued = ctx.uploads.issued_to(client)
    try:
        accepted = accept_upload(
            file_path,
            upload_folder,
            max_bytes=ctx.settings.max_upload_mb * MB,
            original_name=original_name or Path(file_path).name,
            max_age_seconds=ctx.settings.upload_cache_seconds,
            issued=issued,
        )
        try:
            stored = save_upload(ctx.settings.corpus_dir, accepted)
        finally:
            discard(accepted)
    except UploadError as exc:
        raise UserError(str(exc)) from exc
    finally:
        if file_path in issued:  # this client's own upload: it leaves the cache either way
            ctx.uploads.forget(file_path)
            Path(file_path).unlink(missing_ok=True)
    if ctx.corpus_store is not None:  # every replica's corpus follows the database
        ctx.corpus_store.put(stored.doc_id, stored.path.read_bytes())
    kind = "PDF" if stored.kind == "pdf" else "Markdown"
    return (
        f"✅ {kind}-Datei als `{stored.doc_id}` gespeichert. Sie wird nach „Index neu "
        "aufbauen“ durchsucht."
    )


def remove(ctx: AppContext, session: Session, doc_id: str | None, confirmed: bool) -> str:
    require_admin(ctx, session)
    if not doc_id:
        raise UserError("Bitte ein Dokument auswählen.")
    if not confirmed:
        raise UserError("Bitte das Entfernen bestätigen (Häkchen setzen).")
    if ctx.builds.running:
        raise UserError("Während des Indexaufbaus sind keine Änderungen am Korpus möglich.")
    if ctx.corpus_store is not None:  # the file may have come through another replica
        ctx.corpus_store.sync(ctx.settings.corpus_dir)
    try:
        removed = remove_document(ctx.settings.corpus_dir, doc_id)
    except UploadError as exc:
        raise UserError(str(exc)) from exc
    if ctx.corpus_store is not None:
        for path in removed:
            ctx.corpus_store.remove(path)
    return (
        f"🗑️ Entfernt: {', '.join(removed)}. Nach „Index neu aufbauen“ ist es auch aus der "
        "Suche verschwunden."
    )


def start_build(ctx: AppContext, session: Session, full: bool) -> str:
    require_admin(ctx, session)
    if not ctx.builds.start(full=bool(full)):
        return "Es läuft bereits ein Indexaufbau."
    return "Indexaufbau gestartet – die Beratung antwortet währenddessen aus dem bisherigen Index."


DOC_HEADERS = ["Dokument", "Typ", "Größe (KB)", "Im Index", "Abschnitte", "Titel"]


def index_info(ctx: AppContext, session: Session) -> tuple[dict[str, Any] | None, str]:
    """``(info, "")`` or ``(None, German reason)`` when there is no usable index."""
    require_admin(ctx, session)
    try:
        return ctx.advisor.info(), ""
    except FoerderberaterError as exc:
        return None, friendly(exc)


def document_rows(
    ctx: AppContext, session: Session, info: dict[str, Any] | None = None
) -> list[list[Any]]:
    """Corpus files with their index state; files the walk skips with the reason."""
    require_admin(ctx, session)
    if ctx.corpus_store is not None:  # uploads/removals made through other replicas
        ctx.corpus_store.sync(ctx.settings.corpus_dir)
    files = (info or {}).get("files") or {}
    skipped = {s.get("path"): s.get("reason") for s in (info or {}).get("skipped") or []}
    rows = []
    found, left_out = list_corpus(ctx.settings.corpus_dir, ctx.settings.max_file_mb * MB)
    for f in found:
        indexed = files.get(f.doc_id)
        state = "ja" if indexed else ("übersprungen" if f.doc_id in skipped else "nein")
        rows.append(
            [
                f.doc_id,
                "PDF" if f.kind == "pdf" else "Markdown",
                round(f.size / 1024, 1),
                state,
                (indexed or {}).get("chunks", ""),
                (indexed or {}).get("title", ""),
            ]
        )
    for skip in left_out:  # names are printable (safe repr) even when not UTF-8
        rows.append([skip.path, "–", "", f"übersprungen: {skip.reason}", "", ""])
    return rows
