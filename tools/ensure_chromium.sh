#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing (needs apt and root).
# Browser tests skip with a clear reason when chromium is still unavailable.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installiere chromium für die Browser-Tests …" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "chromium konnte nicht installiert werden – Browser-Tests werden übersprungen." >&2
else
  echo "chromium fehlt (apt/root nicht verfügbar) – Browser-Tests werden übersprungen." >&2
fi
exit 0
