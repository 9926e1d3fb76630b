#!/usr/bin/env bash
# Installs Debian's tesseract with German and orientation data for OCR of scanned PDFs when
# missing (needs apt and root). Without it, scanned PDFs are reported as "kein Textlayer,
# OCR nötig" and the OCR tests skip with that reason.
set -u
have_lang() { tesseract --list-langs 2>/dev/null | grep -qx "$1"; }
if command -v tesseract >/dev/null 2>&1 && have_lang deu && have_lang osd; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installiere tesseract-ocr (Deutsch) für die Texterkennung gescannter PDFs …" >&2
  packages="tesseract-ocr tesseract-ocr-deu tesseract-ocr-osd"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages \
      >/dev/null) \
      || echo "tesseract konnte nicht installiert werden – gescannte PDFs bleiben ohne OCR." >&2
  fi
else
  echo "tesseract fehlt (apt/root nicht verfügbar) – gescannte PDFs bleiben ohne OCR." >&2
fi
exit 0
