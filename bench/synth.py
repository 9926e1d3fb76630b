"""Synthetic scale-up of a real index to N chunks (ours and the LangChain baseline).

What is real and what is synthetic (stated in the results as well):
- copy 0 is the real index (real chunk texts, real embeddings);
- copies 1..k reuse real chunk texts with their sentences shuffled (same words, so BM25 sees
  realistic term statistics) under new document ids, and the real embedding of the original
  chunk plus Gaussian noise, re-normalised (cosine to the original ≈ 0.9). The noisy vectors are
  *not* the embeddings of the shuffled texts; for latency this does not matter (exhaustive flat
  search, full BM25 scoring), for quality numbers the synthetic indexes are never used;
- every document copy also gets the answer engine's sentence records (schema 2), derived from
  the real build's sentences of its seed document: the same texts, pages, sections and
  boilerplate flags (kept from the real build: recomputing them across copies would flag every
  sentence as repeated boilerplate), new ids, the chunk of the same ordinal in the copy, and the
  real sentence vector plus the same Gaussian noise, re-normalised. So ``ask`` on a synthetic
  index runs the real answer path (sentence scoring of the candidate documents per question).
"""

from __future__ import annotations

import json
import math
import random
import shutil
import uuid
from pathlib import Path

import numpy as np

NOISE_COS = 0.9


def _noisy(vec: np.ndarray, rng: np.random.Generator, scale: float) -> np.ndarray:
    sigma = math.sqrt((1 / NOISE_COS**2 - 1) / vec.shape[-1]) * scale
    out = vec + rng.normal(0.0, sigma, size=vec.shape).astype(np.float32)
    return out


def _shuffle_text(text: str, rng: random.Random) -> str:
    from foerderberater.core.text import split_sentences

    sentences = split_sentences(text)
    if len(sentences) > 1:
        rng.shuffle(sentences)
        return " ".join(sentences)
    words = text.split()
    rng.shuffle(words)
    return " ".join(words)


def scale_ours(seed_index: Path, out_index: Path, n: int, seed: int = 7) -> dict:
    from dataclasses import replace

    import faiss

    from foerderberater.core.types import Chunk
    from foerderberater.index.lexical import LexicalIndex
    from foerderberater.index.sentences import Sentence
    from foerderberater.index.store import (
        CURRENT,
        VERSIONS,
        DocRecord,
        IndexVersion,
        read_manifest,
        write_version,
    )

    vdir, manifest = read_manifest(seed_index)
    base = IndexVersion(vdir, manifest)
    m = len(base)
    chunks = base.chunks_by_rows(list(range(m)))
    flat = faiss.downcast_index(base.faiss.index)
    vecs = flat.reconstruct_n(0, m)
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    out_chunks: list[Chunk] = []
    out_vecs: list[np.ndarray] = []
    docs: dict[str, DocRecord] = {}
    seed_sentences = {d: base.sentences.with_vectors(d) for d in base.docs}
    copy_chunk: dict[tuple[str, int], int] = {}  # (doc copy, seed chunk id) -> its chunk id
    copy_of: dict[str, tuple[str, int]] = {}  # doc copy -> (seed doc, copy number)
    copy = 0
    while len(out_chunks) < n:
        for c, v in zip(chunks, vecs, strict=True):
            if len(out_chunks) >= n:
                break
            if copy == 0:
                doc_id, slug, text, vec = c.doc_id, c.slug, c.text, v
            else:
                doc_id = f"synth{copy:04d}/{c.doc_id}"
                slug = f"{c.slug}~{copy}"
                text = _shuffle_text(c.text, rng)
                vec = _noisy(v, nrng, 1.0)
                vec = vec / np.linalg.norm(vec)
            rec = base.docs[c.doc_id]
            if doc_id not in docs:
                docs[doc_id] = DocRecord(doc_id, slug, rec.title, rec.sha256, rec.n_pages, rec.meta)
                copy_of[doc_id] = (c.doc_id, copy)
            cid = Chunk.make_id(doc_id, c.ordinal, text)
            copy_chunk[(doc_id, c.chunk_id)] = cid
            out_chunks.append(
                Chunk(cid, doc_id, slug, c.title, c.section, c.pages, c.ordinal, text)
            )
            out_vecs.append(vec)
        copy += 1
    base.close()
    order = sorted(
        range(len(out_chunks)), key=lambda i: (out_chunks[i].doc_id, out_chunks[i].ordinal)
    )
    out_chunks = [out_chunks[i] for i in order]
    matrix = np.vstack([out_vecs[i] for i in order]).astype(np.float32)
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(matrix.shape[1]))
    index.add_with_ids(matrix, np.array([c.chunk_id for c in out_chunks], dtype=np.int64))
    per_doc: dict[str, int] = {}
    for c in out_chunks:
        per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
    out_sentences: list[Sentence] = []
    sentence_vecs: list[np.ndarray] = []
    for doc_id in sorted(docs):
        seed_doc, n_copy = copy_of[doc_id]
        for sent, vec in seed_sentences.get(seed_doc, []):
            chunk_id = copy_chunk.get((doc_id, sent.chunk_id), 0)
            if n_copy == 0:
                out_sentences.append(sent)
                sentence_vecs.append(np.asarray(vec, dtype=np.float32))
                continue
            noisy = _noisy(np.asarray(vec, dtype=np.float32), nrng, 1.0)
            out_sentences.append(
                replace(
                    sent,
                    sentence_id=Sentence.make_id(doc_id, sent.ordinal, sent.text),
                    doc_id=doc_id,
                    chunk_id=chunk_id,
                )
            )
            sentence_vecs.append(noisy / np.linalg.norm(noisy))
    sentence_matrix = (
        np.vstack(sentence_vecs).astype(np.float32)
        if sentence_vecs
        else np.zeros((0, matrix.shape[1]), dtype=np.float32)
    )
    new_manifest = dict(manifest)
    new_manifest.update(
        documents=len(docs),
        chunks=len(out_chunks),
        sentences=len(out_sentences),
        files={
            d.doc_id: {
                "sha256": d.sha256,
                "kind": d.kind,
                "title": d.title,
                "pages": d.n_pages,
                "chunks": per_doc.get(d.doc_id, 0),
            }
            for d in docs.values()
        },
        synthetic={
            "seed_index": str(seed_index),
            "seed_chunks": m,
            "copies": copy,
            "note": "copies >0: shuffled real texts, real vectors + noise; sentences of the "
            "seed document with noisy real vectors",
        },
    )
    if out_index.exists():
        shutil.rmtree(out_index)
    name = "synthetic-" + uuid.uuid4().hex[:8]
    vroot = out_index / VERSIONS
    vroot.mkdir(parents=True)
    write_version(
        vroot / name,
        new_manifest,
        sorted(docs.values(), key=lambda d: d.doc_id),
        out_chunks,
        index,
        LexicalIndex.build([c.embedding_text() for c in out_chunks]),
        [],
        out_sentences,
        sentence_matrix,
    )
    (out_index / CURRENT).write_text(name + "\n", "utf-8")
    return {
        "chunks": len(out_chunks),
        "documents": len(docs),
        "sentences": len(out_sentences),
        "seed_chunks": m,
        "copies": copy,
    }


def scale_langchain(seed_dir: Path, out_dir: Path, n: int, embeddings, seed: int = 7) -> dict:  # noqa: ANN001
    from langchain_community.vectorstores import FAISS

    db = FAISS.load_local(str(seed_dir), embeddings, allow_dangerous_deserialization=True)
    m = db.index.ntotal
    vecs = db.index.reconstruct_n(0, m)
    docs = [db.docstore.search(db.index_to_docstore_id[i]) for i in range(m)]
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    texts, metas, out_vecs = [], [], []
    copy = 0
    while len(texts) < n:
        for d, v in zip(docs, vecs, strict=True):
            if len(texts) >= n:
                break
            if copy == 0:
                texts.append(d.page_content)
                metas.append(dict(d.metadata))
                out_vecs.append(v)
            else:
                texts.append(_shuffle_text(d.page_content, rng))
                meta = dict(d.metadata)
                meta["source"] = f"synth{copy:04d}/{meta.get('source', '')}"
                metas.append(meta)
                norm = float(np.linalg.norm(v)) or 1.0
                out_vecs.append(_noisy(v / norm, nrng, 1.0) * norm)
        copy += 1
    new = FAISS.from_embeddings(
        list(zip(texts, np.vstack(out_vecs).astype(np.float32).tolist(), strict=True)),
        embeddings,
        metadatas=metas,
    )
    if out_dir.exists():
        shutil.rmtree(out_dir)
    new.save_local(str(out_dir))
    (out_dir / "synthetic.json").write_text(
        json.dumps({"seed_chunks": m, "copies": copy, "chunks": len(texts)}), "utf-8"
    )
    return {"chunks": len(texts), "seed_chunks": m, "copies": copy}
