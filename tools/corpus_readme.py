"""Regenerate the document list in corpus/README.md from the corpus metadata.

Usage: python tools/corpus_readme.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from foerderberater.index.ingest import split_front_matter  # noqa: E402

BEGIN = "<!-- dokumente:begin -->"
END = "<!-- dokumente:end -->"


def _links(urls: list[str]) -> str:
    return " ".join(f"[{i}]({u})" for i, u in enumerate(urls, 1))


def table(corpus: Path) -> str:
    rows = [
        "### Programme",
        "",
        "| Slug | Titel | Gebiet | Stand | Quellen |",
        "|---|---|---|---|---|",
    ]
    for path in sorted((corpus / "programme").glob("*.md")):
        meta, _ = split_front_matter(path.read_text("utf-8"), path.name)
        gebiet = ", ".join(meta.get("foerdergebiet", []))
        rows.append(
            f"| `{path.stem}` | {meta['titel']} | {gebiet} | {meta['stand']} | "
            f"{_links(meta.get('quellen', []))} |"
        )
    rows += [
        "",
        "### Studien-Zusammenfassungen",
        "",
        "| Slug | Originalstudie | Jahr | Auftraggeber | Stand | Quellen |",
        "|---|---|---|---|---|---|",
    ]
    for path in sorted((corpus / "studien").glob("*.yaml")):
        meta = yaml.safe_load(path.read_text("utf-8"))
        rows.append(
            f"| `{path.stem}` | {meta['titel']} | {meta.get('jahr', '')} | "
            f"{meta.get('auftraggeber', '')} | {meta.get('stand', '')} | "
            f"{_links(meta.get('quellen', []))} |"
        )
    return "\n".join(rows)


def render(readme: str, corpus: Path) -> str:
    block = f"{BEGIN}\n{table(corpus)}\n{END}"
    if BEGIN in readme:
        head, rest = readme.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1]
    return readme.rstrip() + "\n\n## Dokumente\n\n" + block + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="exit 1 if the README is outdated")
    args = parser.parse_args()
    path = ROOT / "corpus" / "README.md"
    old = path.read_text("utf-8")
    new = render(old, ROOT / "corpus")
    if args.check:
        if new != old:
            print("corpus/README.md ist veraltet: python tools/corpus_readme.py", file=sys.stderr)
            return 1
        return 0
    path.write_text(new, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
