"""Regenerate the generated parts of corpus/README.md from the metadata model and the corpus.

Blocks between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->``: ``schema`` (programme front
matter: required and optional fields, vocabulary – from ``ProgrammeMeta``), ``studien`` (study
metadata – from ``StudyMeta``) and ``dokumente`` (the document list with sources and Stand).

Usage: python tools/corpus_readme.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from foerderberater.core.fields import Typ  # noqa: E402
from foerderberater.core.schema import (  # noqa: E402
    ProgrammeMeta,
    StudyMeta,
    parse_meta,
    required_fields,
)
from foerderberater.core.terms import BEDINGUNGEN, Bedingung, Foerdersatz  # noqa: E402
from foerderberater.core.vocab import TECHNOLOGIEFELDER, TECHNOLOGIEOFFEN  # noqa: E402
from foerderberater.index.ingest import split_front_matter  # noqa: E402


def _typ(model: type, name: str) -> Typ:
    info = model.model_fields[name]
    return next((m for m in info.metadata if isinstance(m, Typ)), Typ("Text"))


def _meaning(model: type, name: str) -> str:
    """The field's docstring; its vocabulary when it has none or the docstring ends in ':'."""
    description = " ".join((model.model_fields[name].description or "").split())
    values = ", ".join(_typ(model, name).values)
    if description.endswith(":"):
        return f"{description} {values}"
    return description or values


def _rows(model: type, names: list[str]) -> list[str]:
    return [f"| `{n}` | {_typ(model, n).label} | {_meaning(model, n)} |" for n in names]


def terms_block() -> list[str]:
    """Keys of a ``foerdersaetze`` entry and the ``bedingungen`` types (from core/terms.py)."""
    keys = list(Foerdersatz.model_fields)
    required = [k for k in keys if Foerdersatz.model_fields[k].is_required()]
    lines = [
        "Ein Eintrag in `foerdersaetze` (Pflicht: "
        + ", ".join(f"`{k}`" for k in required)
        + "; mindestens `satz_prozent` oder ein Betrag; andere Schlüssel sind Fehler):",
        "",
        "| Schlüssel | Typ | Bedeutung |",
        "|---|---|---|",
        *_rows(Foerdersatz, keys),
        "",
        "Typen in `bedingungen` (jede mit `typ` und `beleg`):",
        "",
        "| `typ` | Parameter | Bedeutung |",
        "|---|---|---|",
    ]
    for typ, (required_params, optional, meaning) in BEDINGUNGEN.items():
        params = ", ".join(f"`{p}`" for p in required_params)
        if optional:
            params += ", " + " und/oder ".join(f"`{p}`" for p in optional)
        lines.append(f"| `{typ}` | {params} | {meaning} |")
    names = [k for k in Bedingung.model_fields if k not in ("typ", "beleg")]
    lines += [
        "",
        "Parameter: " + "; ".join(f"`{n}` – {_meaning(Bedingung, n)}" for n in names) + ".",
    ]
    return lines


def schema_block() -> str:
    required = required_fields(ProgrammeMeta)
    optional = [n for n in ProgrammeMeta.model_fields if n not in required and n != "dokumenttyp"]
    lines = [
        "Pflichtfelder (Listen sind immer YAML-Listen, Datumswerte als ISO-Strings in "
        "Anführungszeichen):",
        "",
        "| Feld | Typ | Erlaubte Werte / Bedeutung |",
        "|---|---|---|",
        *_rows(ProgrammeMeta, required),
        "",
        "Optionale Felder:",
        "",
        "| Feld | Typ | Bedeutung |",
        "|---|---|---|",
        *_rows(ProgrammeMeta, optional),
        "",
        *terms_block(),
        "",
        "Unbekannte Felder werden angenommen und bleiben in den Metadaten erhalten (bis sie hier "
        "einen Typ bekommen).",
        "",
        f"Vokabular `technologiefelder`: {', '.join(TECHNOLOGIEFELDER)}, {TECHNOLOGIEOFFEN}.",
    ]
    return "\n".join(lines)


def studies_block() -> str:
    names = [n for n in StudyMeta.model_fields if n not in ("dokumenttyp", "seiten")]
    lines = ["| Feld | Typ | Bedeutung |", "|---|---|---|", *_rows(StudyMeta, names)]
    lines += ["", "`dokumenttyp: Studie`; `seiten` setzt das Einlesen (Seitenzahl der PDF)."]
    return "\n".join(lines)


def _links(urls: tuple[str, ...] | list[str]) -> str:
    return " ".join(f"[{i}]({u})" for i, u in enumerate(urls, 1))


def documents_block(corpus: Path) -> str:
    rows = [
        "### Programme",
        "",
        "| Slug | Titel | Gebiet | Stand | Quellen |",
        "|---|---|---|---|---|",
    ]
    for path in sorted((corpus / "programme").glob("*.md")):
        raw, _ = split_front_matter(path.read_text("utf-8"), path.name)
        meta = parse_meta(raw, path.name, "Programm")
        assert isinstance(meta, ProgrammeMeta)
        rows.append(
            f"| `{path.stem}` | {meta.titel} | {', '.join(meta.foerdergebiet)} | {meta.stand} | "
            f"{_links(meta.quellen)} |"
        )
    rows += [
        "",
        "### Studien-Zusammenfassungen",
        "",
        "| Slug | Originalstudie | Jahr | Auftraggeber | Stand | Quellen |",
        "|---|---|---|---|---|---|",
    ]
    for path in sorted((corpus / "studien").glob("*.yaml")):
        study = parse_meta(yaml.safe_load(path.read_text("utf-8")), path.name, "Studie")
        assert isinstance(study, StudyMeta)
        rows.append(
            f"| `{path.stem}` | {study.titel} | {study.jahr or ''} | "
            f"{study.auftraggeber or ''} | {study.stand or ''} | {_links(study.quellen)} |"
        )
    return "\n".join(rows)


def _replace(readme: str, name: str, content: str) -> str:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if begin not in readme:
        raise SystemExit(f"corpus/README.md: Markierung {begin} fehlt")
    head, rest = readme.split(begin, 1)
    return f"{head}{begin}\n{content}\n{end}{rest.split(end, 1)[1]}"


def render(readme: str, corpus: Path) -> str:
    readme = _replace(readme, "schema", schema_block())
    readme = _replace(readme, "studien", studies_block())
    return _replace(readme, "dokumente", documents_block(corpus))


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
