"""Framing between the bulk-embedding parent and its worker process (pipes, no sockets).

A frame is a 4-byte little-endian header length, a UTF-8 JSON header, a 4-byte payload length
and the payload bytes. Requests carry the texts as a JSON list in the payload; replies carry
float32 vectors (row-major, little-endian).

Messages (``type`` in the header):

- worker -> parent ``ready``: ``backend``, ``dim``, ``fallback`` (null or reason/detail/
  min_cosine), ``parity_min_cosine``, ``load_s``, ``pid``
- parent -> worker ``embed``: ``id``; payload = JSON list of texts
- worker -> parent ``vectors``: ``id``, ``n``, ``dim``, ``seconds``; payload = vectors
- worker -> parent ``error``: ``id`` (or null), ``error`` (exception type), ``detail``
- parent -> worker ``close``; worker -> parent ``closed``: ``peak_rss_mb``, ``embedded``
"""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

MAX_HEADER = 1 << 20
MAX_PAYLOAD = 1 << 31


class ProtocolError(Exception):
    """The other side sent something that is not a frame, or closed the pipe mid-frame."""


def write_frame(stream: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    stream.write(struct.pack("<I", len(head)) + head + struct.pack("<I", len(payload)))
    if payload:
        stream.write(payload)
    stream.flush()


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    parts = []
    left = n
    while left:
        block = stream.read(left)
        if not block:
            raise EOFError(f"pipe closed with {left} of {n} bytes missing")
        parts.append(block)
        left -= len(block)
    return b"".join(parts)


def read_frame(stream: BinaryIO) -> tuple[dict[str, Any], bytes] | None:
    """The next frame, or None at a clean end of stream (EOF before a frame starts)."""
    first = stream.read(4)
    if not first:
        return None
    try:
        if len(first) < 4:
            first += _read_exact(stream, 4 - len(first))
        (n_head,) = struct.unpack("<I", first)
        if n_head > MAX_HEADER:
            raise ProtocolError(f"header of {n_head} bytes")
        header = json.loads(_read_exact(stream, n_head).decode("utf-8"))
        (n_payload,) = struct.unpack("<I", _read_exact(stream, 4))
        if n_payload > MAX_PAYLOAD:
            raise ProtocolError(f"payload of {n_payload} bytes")
        payload = _read_exact(stream, n_payload) if n_payload else b""
    except (EOFError, ValueError, struct.error) as exc:
        raise ProtocolError(str(exc)) from exc
    if not isinstance(header, dict) or "type" not in header:
        raise ProtocolError("frame header without type")
    return header, payload
