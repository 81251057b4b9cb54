"""Benchmark embedding, extraction and index-build throughput; prints one JSON object.

Usage::

    PYTHONPATH=src python benchmarks/bench_throughput.py [--texts 1000] [--jobs 100000]
        [--encode-sample 2000]

* ``embedding``: job-like texts per second through the default encoder (multilingual USE),
  cold (model called) and warm (read back from the ``EmbeddingCache``, what a reconcile pays
  for unchanged texts), with the ratio between them.
* ``extraction``: texts per second through ``SkillExtractor`` (lexicon + semantic) over the
  built-in catalogue, loaded into a temporary SQLite with ``prepare_database``; the lexicon-only
  pass is the same-run baseline.
* ``index_build_100k``: time to embed and index ``--jobs`` job texts. Encoding all of them on a
  small machine takes long, so ``--encode-sample`` texts are encoded and the total is
  extrapolated (``encode_extrapolated`` says so). Insert times are measured on the full count
  (FlatIndex, FaissIVFIndex - k-means training included - and, with ``--hnsw``, FaissHNSWIndex)
  against a plain numpy copy of the same matrix as baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chamba.matching.index import FaissHNSWIndex, FaissIVFIndex, FlatIndex  # noqa: E402
from chamba.nlp.encoder import (  # noqa: E402
    EmbeddingCache,
    available_cores,
    get_encoder,
)

TITLES = [
    "Ayudante de cocina",
    "Soldador",
    "Electricista",
    "Vendedor de tienda",
    "Operario de cosecha",
    "Conductor de mototaxi",
    "Costurera",
    "Asistente contable",
    "Carpintero",
    "Técnico de computadoras",
    "Mozo",
    "Albañil",
    "Cajero",
    "Guía de turismo",
    "Auxiliar de enfermería",
]
PLACES = ["Lima", "Arequipa", "Cusco", "Ica", "Piura", "Trujillo", "Huancayo", "Puno"]
SENTENCES = [
    "Buscamos persona responsable y puntual",
    "Pago quincenal y movilidad",
    "Turno mañana, lunes a sábado",
    "Experiencia de un año como mínimo",
    "Se ofrece capacitación y buen ambiente de trabajo",
    "Trabajo en equipo y atención al cliente",
    "Manejo de herramientas básicas",
]


def job_texts(n: int, skill_labels: Sequence[str], seed: int = 0) -> list[str]:
    """``n`` job-like texts (title, skills, a short description), about 200 characters each."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        skills = ", ".join(rng.sample(list(skill_labels), 3))
        description = ". ".join(rng.sample(SENTENCES, 3))
        out.append(f"{rng.choice(TITLES)} en {rng.choice(PLACES)} #{i}. {skills}. {description}.")
    return out


def catalogue(tmp: Path) -> list[Any]:
    """Skill records of the built-in catalogue, via ``prepare_database`` on a temp SQLite."""
    from chamba.api.app import prepare_database
    from chamba.db import make_engine, session_scope
    from chamba.nlp.schemas import SkillRecord
    from chamba.taxonomy import repository

    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    prepare_database(engine)
    with session_scope(engine) as session:
        records = [SkillRecord.from_obj(s) for s in repository.iter_skills(session)]
    engine.dispose()
    return records


def rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds else 0.0


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000, help="texts for the throughputs")
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs for the index build")
    parser.add_argument("--encode-sample", type=int, default=2000)
    parser.add_argument("--hnsw", action="store_true", help="also time an HNSW insert")
    args = parser.parse_args(argv)

    from chamba.nlp.extraction import SkillExtractor

    encoder = get_encoder()
    report: dict[str, Any] = {"cores": available_cores(), "encoder": encoder.model_id}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        records = catalogue(tmp)
        labels = [r.label_es for r in records]
        texts = job_texts(args.texts, labels)
        report["skills"] = len(records)
        report["mean_text_chars"] = round(sum(map(len, texts)) / len(texts))

        # Embedding: cold through the model, warm through the cache.
        encoder.encode(["calentamiento"])  # load the model outside the timing
        cache = EmbeddingCache(tmp / "embeddings")
        started = time.perf_counter()
        cache.encode(encoder, texts)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        cache.encode(encoder, texts)
        warm = time.perf_counter() - started
        report["embedding"] = {
            "texts": len(texts),
            "texts_per_s": rate(len(texts), cold),
            "cached_texts_per_s": rate(len(texts), warm),
            "cached_speedup": round(cold / warm, 1) if warm else None,
        }

        # Extraction over the catalogue; the lexicon-only pass is the baseline.
        started = time.perf_counter()
        extractor = SkillExtractor(records, encoder, cache=cache)
        extractor.build_index()
        build_s = time.perf_counter() - started
        sample = texts[: min(len(texts), 500)]
        extractor.extract_many(sample[:5])  # warm up
        started = time.perf_counter()
        found = extractor.extract_many(sample)
        full = time.perf_counter() - started
        started = time.perf_counter()
        extractor.extract_many(sample, methods=("lexicon",))
        lexicon = time.perf_counter() - started
        report["extraction"] = {
            "texts": len(sample),
            "build_s": round(build_s, 3),
            "texts_per_s": rate(len(sample), full),
            "lexicon_only_texts_per_s": rate(len(sample), lexicon),
            "vs_lexicon_only": round(lexicon / full, 3) if full else None,
            "skills_per_text": round(sum(map(len, found)) / len(sample), 2),
        }

        # Index build for --jobs jobs: encode a sample (extrapolate), insert the full count.
        n_sample = min(args.encode_sample, args.jobs)
        build_texts = job_texts(n_sample, labels, seed=1)
        started = time.perf_counter()
        sample_vectors = encoder.encode(build_texts)  # (n_sample, 512)
        encode_s = time.perf_counter() - started
        cache.close()
    rng = np.random.default_rng(0)
    reps = -(-args.jobs // n_sample)
    vectors = np.tile(sample_vectors, (reps, 1))[: args.jobs]  # (jobs, 512)
    vectors += rng.standard_normal(vectors.shape, dtype=np.float32) * 0.01
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(1, args.jobs + 1, dtype=np.int64)
    started = time.perf_counter()
    copy = np.array(vectors, copy=True)
    copy_s = time.perf_counter() - started
    del copy
    started = time.perf_counter()
    flat = FlatIndex(encoder.model_id, encoder.dim)
    for start in range(0, args.jobs, 2048):
        flat.upsert(ids[start : start + 2048], vectors[start : start + 2048])
    flat_s = time.perf_counter() - started
    encode_total = encode_s * args.jobs / n_sample
    build: dict[str, Any] = {
        "jobs": args.jobs,
        "encode_sample": n_sample,
        "encode_extrapolated": n_sample < args.jobs,
        "encode_texts_per_s": rate(n_sample, encode_s),
        "encode_s": round(encode_total, 1),
        "flat_insert_s": round(flat_s, 3),
        "numpy_copy_s": round(copy_s, 3),
        "flat_insert_vs_numpy_copy": round(flat_s / copy_s, 2) if copy_s else None,
        "total_flat_s": round(encode_total + flat_s, 1),
    }
    started = time.perf_counter()
    ivf = FaissIVFIndex(encoder.model_id, encoder.dim)
    for start in range(0, args.jobs, 50_000):
        ivf.upsert(ids[start : start + 50_000], vectors[start : start + 50_000])
    build["ivf_insert_s"] = round(time.perf_counter() - started, 2)
    build["ivf_lists"] = ivf.lists
    build["ivf_insert_vs_flat"] = round(build["ivf_insert_s"] / flat_s, 1)
    del ivf
    if args.hnsw:
        started = time.perf_counter()
        hnsw = FaissHNSWIndex(encoder.model_id, encoder.dim)
        for start in range(0, args.jobs, 50_000):
            hnsw.upsert(ids[start : start + 50_000], vectors[start : start + 50_000])
        build["hnsw_insert_s"] = round(time.perf_counter() - started, 2)
        build["hnsw_insert_vs_flat"] = round(build["hnsw_insert_s"] / flat_s, 1)
    report["index_build"] = build
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return report


if __name__ == "__main__":
    os.environ.setdefault("CHAMBA_ENV", "development")  # a benchmark may use the placeholder secret
    main()
