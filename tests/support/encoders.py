"""The test text encoder: one deterministic, fast stand-in for the default model (USE).

It satisfies ``chamba.nlp.encoder.TextEncoder`` and has a known right answer: a text is its bag
of words, each word hashed into one of ``dim`` slots, L2-normalised, so texts with the same words
get the same vector whatever their order and texts sharing no word are orthogonal (barring
collisions). ``signed=True`` salts the hash with the model id and gives each slot a sign, so two
model ids produce different vectors for the same text (re-embedding on a model change).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")


class HashEncoder:
    """Hashed bag of words -> ``dim``-d float32, L2-normalised; counts calls and texts.

    Args:
        model_id: the id vectors are cached under.
        dim: vector length.
        signed: salt the hash with ``model_id`` and add +1/-1 (model ids then disagree).

    Example:
        >>> HashEncoder().encode(["red car", "car red"]).shape
        (2, 64)
    """

    def __init__(self, model_id: str = "test-hash-64", dim: int = 64, *, signed: bool = False):
        self.model_id = model_id
        self.dim = dim
        self.signed = signed
        self.calls = 0
        self.texts = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (n, dim)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                key = f"{self.model_id}:{word}" if self.signed else word
                h = int(hashlib.sha1(key.encode()).hexdigest(), 16)
                sign = (1.0 if (h >> 8) & 1 else -1.0) if self.signed else 1.0
                out[row, h % self.dim] += sign
        norms = np.linalg.norm(out, axis=1, keepdims=True)  # (n, 1)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
