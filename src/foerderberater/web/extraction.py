"""Admin tab: the extraction report of a document and the indexed text of one of its pages."""

from __future__ import annotations

from foerderberater.core.errors import FoerderberaterError
from foerderberater.security.auth import Role
from foerderberater.web import auth
from foerderberater.web.admin_ops import require_admin
from foerderberater.web.context import AppContext
from foerderberater.web.handlers import Session, friendly


def document_choices(ctx: AppContext, session: Session | None) -> list[str]:
    """The indexed documents (paths in the corpus), for the report's dropdown; admins only."""
    if not auth.allowed(ctx, session, Role.ADMIN):
        return []
    try:
        return sorted(ctx.advisor.version.docs)
    except FoerderberaterError:
        return []


def report_view(
    ctx: AppContext, session: Session, name: str | None, page: float | None
) -> tuple[str, str]:
    """(report, page preview) as plain German text; the preview only for a page number."""
    require_admin(ctx, session)
    if not name:
        return "Bitte ein Dokument auswählen.", ""
    try:
        report = ctx.advisor.document(name)
        if page is None or page < 1:
            return report.text(), ""
        return report.text(), ctx.advisor.page_text(name, int(page))
    except FoerderberaterError as exc:
        return f"❌ {friendly(exc)}", ""
