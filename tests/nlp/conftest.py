"""NLP fixtures: the heavy default encoder is loaded once per test session."""

from __future__ import annotations

import pytest

from chamba.nlp.encoder import TextEncoder, get_encoder


@pytest.fixture(scope="session")
def use_encoder() -> TextEncoder:
    """The default multilingual USE encoder (loaded once, shared by every test)."""
    encoder = get_encoder(threads=2)
    encoder.encode(["warm up"])
    return encoder
