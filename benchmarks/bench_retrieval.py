"""Benchmark top-10 job retrieval for a person; prints one JSON object.

Usage::

    PYTHONPATH=src python benchmarks/bench_retrieval.py [--sizes 10000,100000] [--full]
        [--queries 200] [--ef 96] [--m 32] [--data uniform|clustered]

For each size N, N synthetic job vectors (512-d float32, unit length) are indexed by:

* ``flat``        — :class:`chamba.matching.index.FlatIndex` (exact numpy; the baseline),
* ``faiss_flat``  — FAISS ``IndexFlatIP`` (exact, BLAS/SIMD), a second exact reference,
* ``hnsw``        — :class:`chamba.matching.index.FaissHNSWIndex` (ANN).

Queries are person vectors from the same distribution, one at a time (as a request does).
Reported per method: build (insert) seconds, p50/p99 latency in ms, the same for a filtered
query (``allowed`` = a random 10% of ids), recall@10 against the exact answer, bytes per
indexed job, and each latency's ratio to the ``flat`` baseline measured in the same run.
``--data uniform`` (default) draws uniformly random directions: the hardest case for an ANN
graph; ``clustered`` draws around 2,000 centroids, closer to real text embeddings.
``--full`` adds 1,000,000 jobs (about 2 GB of vectors per exact index).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chamba.matching.index import FaissHNSWIndex, FlatIndex  # noqa: E402
from chamba.nlp.encoder import available_cores  # noqa: E402

DIM = 512
K = 10
Search = Callable[[np.ndarray, np.ndarray | None], np.ndarray]


def unit_vectors(
    n: int, dim: int, seed: int, data: str, centroids: np.ndarray | None
) -> np.ndarray:
    """``(n, dim)`` float32 unit rows, generated in chunks to bound peak memory."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        x = rng.standard_normal((stop - start, dim), dtype=np.float32)  # (chunk, dim)
        if data == "clustered" and centroids is not None:
            x = centroids[rng.integers(0, len(centroids), stop - start)] + 0.06 * x
        out[start:stop] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def latencies(search: Search, queries: np.ndarray, allowed: np.ndarray | None) -> dict[str, Any]:
    search(queries[0], allowed)  # warm up
    times, results = [], []
    for q in queries:
        started = time.perf_counter()
        ids = search(q, allowed)
        times.append((time.perf_counter() - started) * 1000)
        results.append(ids)
    ms = np.asarray(times)
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "_results": results,
    }


def recall(got: Sequence[np.ndarray], truth: Sequence[np.ndarray]) -> float:
    hits = sum(len(set(g.tolist()) & set(t.tolist())) for g, t in zip(got, truth, strict=True))
    return round(hits / max(1, sum(len(t) for t in truth)), 4)


def bench_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    import faiss

    rng = np.random.default_rng(n)
    centroids = None
    if args.data == "clustered":
        centroids = rng.standard_normal((2000, DIM), dtype=np.float32)
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    vectors = unit_vectors(n, DIM, seed=1, data=args.data, centroids=centroids)  # (n, 512)
    queries = unit_vectors(args.queries, DIM, seed=2, data=args.data, centroids=centroids)
    ids = np.arange(1, n + 1, dtype=np.int64)
    allowed = np.sort(rng.choice(ids, size=max(1, n // 10), replace=False))
    out: dict[str, Any] = {"jobs": n}
    log(f"{n}: vectors ready")

    # Exact numpy baseline.
    started = time.perf_counter()
    flat = FlatIndex("bench", DIM, capacity=n)
    flat.upsert(ids, vectors)
    build = time.perf_counter() - started
    search_flat: Search = lambda q, a: flat.search(q, K, allowed=a)[0]  # noqa: E731
    plain = latencies(search_flat, queries, None)
    filtered = latencies(search_flat, queries, allowed)
    truth, truth_f = plain.pop("_results"), filtered.pop("_results")
    bytes_flat = (flat._vectors.nbytes + flat._ids.nbytes + flat._map.dense.nbytes) / n
    out["flat"] = {
        "build_s": round(build, 3),
        **plain,
        "filtered": filtered,
        "bytes_per_job": round(bytes_flat),
    }
    base_p50, base_p99 = plain["p50_ms"], plain["p99_ms"]
    base_f50, base_f99 = filtered["p50_ms"], filtered["p99_ms"]

    def add_ratios(entry: dict[str, Any]) -> None:
        entry["p50_vs_flat"] = round(entry["p50_ms"] / base_p50, 3)
        entry["p99_vs_flat"] = round(entry["p99_ms"] / base_p99, 3)
        entry["filtered"]["p50_vs_flat"] = round(entry["filtered"]["p50_ms"] / base_f50, 3)
        entry["filtered"]["p99_vs_flat"] = round(entry["filtered"]["p99_ms"] / base_f99, 3)

    # FAISS exact flat (ids = row + 1 here, so labels map back directly).
    started = time.perf_counter()
    fflat = faiss.IndexFlatIP(DIM)
    fflat.add(vectors)
    build = time.perf_counter() - started
    row_allowed = allowed - 1

    def search_fflat(q: np.ndarray, a: np.ndarray | None) -> np.ndarray:
        params = None
        if a is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(row_allowed))
        _, labels = fflat.search(q[None, :], K, params=params)
        return labels[0] + 1

    plain = latencies(search_fflat, queries, None)
    filtered = latencies(search_fflat, queries, allowed)
    got, got_f = plain.pop("_results"), filtered.pop("_results")
    entry = {
        "build_s": round(build, 3),
        "recall_at_10": recall(got, truth),
        **plain,
        "filtered": {**filtered, "recall_at_10": recall(got_f, truth_f)},
        "bytes_per_job": round(DIM * 4),
    }
    add_ratios(entry)
    out["faiss_flat"] = entry

    # ANN.
    if args.ann_min <= n <= args.ann_max:
        started = time.perf_counter()
        hnsw = FaissHNSWIndex("bench", DIM, m=args.m, ef_search=args.ef, exact_below=0)
        for start in range(0, n, 50_000):
            hnsw.upsert(ids[start : start + 50_000], vectors[start : start + 50_000])
        build = time.perf_counter() - started
        log(f"{n}: hnsw built in {build:.1f}s")
        search_hnsw: Search = lambda q, a: hnsw.search(q, K, allowed=a)[0]  # noqa: E731
        plain = latencies(search_hnsw, queries, None)
        filtered = latencies(search_hnsw, queries, allowed)
        graph = hnsw._index.hnsw
        graph_bytes = (
            graph.neighbors.size() * 4 + graph.levels.size() * 4 + graph.offsets.size() * 8
        )
        per_job = (
            hnsw.rows * DIM * 4 + graph_bytes + hnsw._ids.nbytes + hnsw._map.dense.nbytes
        ) / n
        got, got_f = plain.pop("_results"), filtered.pop("_results")
        entry = {
            "m": args.m,
            "ef_search": args.ef,
            "build_s": round(build, 3),
            "recall_at_10": recall(got, truth),
            **plain,
            "filtered": {**filtered, "recall_at_10": recall(got_f, truth_f)},
            "bytes_per_job": round(per_job),
        }
        add_ratios(entry)
        out["hnsw"] = entry
    gc.collect()
    return out


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--full", action="store_true", help="add 1,000,000 jobs")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ef", type=int, default=96, help="HNSW efSearch")
    parser.add_argument("--m", type=int, default=32, help="HNSW M")
    parser.add_argument("--ann-min", type=int, default=10_000, help="smallest size to run HNSW")
    parser.add_argument(
        "--ann-max", type=int, default=10**9, help="largest size to run HNSW (build is slow)"
    )
    parser.add_argument("--data", choices=("uniform", "clustered"), default="uniform")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.full and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    report: dict[str, Any] = {
        "k": K,
        "dim": DIM,
        "queries": args.queries,
        "data": args.data,
        "filtered_share": 0.1,
        "cores": available_cores(),
        "machine": platform.machine(),
        "targets": {"p99_ms": 30, "recall_at_10": 0.95},
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "sizes": [bench_size(n, args) for n in sizes],
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
