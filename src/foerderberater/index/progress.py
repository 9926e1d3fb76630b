"""Terminal progress display for index builds (tqdm on a TTY, sparse lines otherwise)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from foerderberater.index.builder import BuildProgress, ProgressFn

_LABELS = {"parse": "Dateien", "embed": "Abschnitte einbetten"}


@contextmanager
def terminal_progress(enabled: bool = True) -> Iterator[ProgressFn]:
    bars: dict[str, object] = {}
    tty = sys.stderr.isatty()
    last_pct: dict[str, int] = {}

    def update(p: BuildProgress) -> None:
        if enabled and p.stage == "ocr":  # a scan page: minutes for a long scan, so say so
            bar = bars.get("parse")
            if bar is not None:
                bar.set_postfix_str(f"Texterkennung {p.detail}")  # type: ignore[attr-defined]
            else:
                print(f"Texterkennung (OCR): {p.detail}", file=sys.stderr)
            return
        if not enabled or p.stage not in _LABELS:
            return
        if tty:
            from tqdm import tqdm

            bar = bars.get(p.stage)
            if bar is None:
                bar = bars[p.stage] = tqdm(
                    total=p.total, desc=_LABELS[p.stage], unit="", file=sys.stderr, leave=True
                )
            bar.total = p.total  # type: ignore[attr-defined]
            bar.n = p.done  # type: ignore[attr-defined]
            bar.refresh()  # type: ignore[attr-defined]
        elif p.total:
            pct = int(100 * p.done / p.total) // 25 * 25
            if last_pct.get(p.stage) != pct:
                last_pct[p.stage] = pct
                print(f"{_LABELS[p.stage]}: {p.done}/{p.total} ({pct} %)", file=sys.stderr)

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()  # type: ignore[attr-defined]
