"""Benchmark: the demo at scale end to end — load, index, serve, match through HTTP.

Usage::

    PYTHONPATH=src python benchmarks/bench_scale.py --size 100000 [--postgresql]
        [--jobs N] [--interactions 20] [--data-dir DIR] [--keep] [--reuse] [--duration 20]
        [--connections 1,16,64] [--no-http] [--workers N]

Steps, each timed (seconds) with the process's peak memory (RSS, MiB) after it:

1. ``load``: :func:`chamba.demo.generator.generate_demo` of ``--size`` people (as many jobs
   unless ``--jobs``, size/5 courses, ``--interactions`` per person) into a fresh SQLite file or,
   with ``--postgresql``, a fresh ``pgserver`` PostgreSQL database (migrated first);
2. ``index``: every open job, every person and every open course embedded and indexed by
   :class:`chamba.matching.store.IndexStore` (``auto``: FAISS IVF from
   :data:`~chamba.matching.index.ANN_THRESHOLD` items), saved to the data directory;
3. ``http``: ``chamba serve`` (one process) on the data, then ``wrk`` (Debian) against
   ``GET /api/v1/me/matches/jobs`` as the demo seeker (the per-user limit on costly reads
   lifted), and ``GET /health`` as the same run's baseline, for each number of connections:
   req/s, p50/p99 latency, non-2xx and socket errors.

**Shortcut (stated in the JSON as ``vectors``):** embedding a million texts with the product's
encoder (USE, ~170 texts/s on this 2-core machine) would take hours, so step 2 uses a stand-in
encoder with the *same model id and dimension* (512): a bag-of-words random projection (each
word hashed to a fixed random 512-d vector, summed, L2-normalised). Latency of the vector search
and of everything after it does not depend on which 512-d vectors are indexed (IVF list balance
aside; the bag-of-words vectors cluster like the texts do); ranking *quality* does, and it is not
measured here. The served process loads these saved indexes (same model id, same versions), so it
embeds nothing at start; a text written while it runs is embedded by the real encoder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

DIM = 512
_WORD = re.compile(r"\w+", re.UNICODE)


def _rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class StandInEncoder:
    """Bag-of-words random projection under another model's id (see the module docstring).

    Each word is hashed (blake2b) to one of ``2**16`` buckets; a text's bucket counts times a
    fixed Gaussian ``(2**16, dim)`` matrix (seeded), L2-normalised, is its vector.
    """

    BUCKETS = 2**16

    def __init__(self, model_id: str, dim: int = DIM) -> None:
        self.model_id = model_id
        self.dim = dim
        rng = np.random.default_rng(20260607)
        self._projection = rng.standard_normal((self.BUCKETS, dim), dtype=np.float32)
        self._buckets: dict[str, int] = {}

    def _bucket(self, word: str) -> int:
        bucket = self._buckets.get(word)
        if bucket is None:
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            bucket = self._buckets[word] = int.from_bytes(digest, "little") % self.BUCKETS
        return bucket

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from scipy.sparse import csr_matrix

        rows: list[int] = []
        cols: list[int] = []
        for k, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            rows.extend([k] * len(words))
            cols.extend(self._bucket(w) for w in words)
        counts = csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(texts), self.BUCKETS),
        )
        out = np.asarray(counts @ self._projection, dtype=np.float32)  # (n, dim)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


def _progress(stage: str, done: int, total: int) -> None:
    """One line on stderr per step of the load: how far a long run got, when, at what RSS."""
    now = datetime.now(UTC).strftime("%H:%M:%S")
    line = f"{now} {stage}: {done:,}/{total:,} rss {_rss_mib():,.0f} MiB"
    print(line, file=sys.stderr, flush=True)


def load_and_index(
    url: str, data_dir: Path, size: int, seed: int, *, n_jobs: int | None = None,
    interactions: float = 20.0,
) -> dict[str, Any]:  # fmt: skip
    from chamba.api.app import prepare_database
    from chamba.config import get_settings
    from chamba.db import make_engine, session_scope
    from chamba.demo.accounts import ensure_demo_accounts
    from chamba.demo.generator import generate_demo
    from chamba.matching.store import IndexStore
    from chamba.nlp.encoder import get_encoder

    out: dict[str, Any] = {}
    engine = make_engine(url)
    started = time.perf_counter()
    prepare_database(engine)
    out["migrate_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    report = generate_demo(
        engine, size=size, seed=seed, reset=True, reference_date=today, n_jobs=n_jobs,
        interactions_per_person=interactions, progress=_progress,
    )  # fmt: skip
    out["load_s"] = round(time.perf_counter() - started, 2)
    out["loaded"] = report.summary()
    out["load_timings_s"] = {k: round(v, 1) for k, v in report.timings.items()}
    out["rss_after_load_mib"] = _rss_mib()
    with session_scope(engine) as session:
        ensure_demo_accounts(session, get_settings())
    encoder = StandInEncoder(get_encoder(get_settings().encoder).model_id)
    store = IndexStore(data_dir, encoder, cache=False)
    _progress("index build", 0, 1)
    started = time.perf_counter()
    with session_scope(engine) as session:
        indexes = store.load_or_build(session)
    out["index_build_s"] = round(time.perf_counter() - started, 2)
    out["index"] = {
        kind: {"items": len(indexes.of(kind)), "type": type(indexes.of(kind)).__name__}
        for kind in ("jobs", "people", "courses")
    }
    started = time.perf_counter()
    store.save()
    out["index_save_s"] = round(time.perf_counter() - started, 2)
    out["rss_after_index_mib"] = _rss_mib()
    _progress("index saved", 1, 1)
    print(json.dumps(out), file=sys.stderr, flush=True)
    engine.dispose()
    return out


def _wrk(url: str, connections: int, seconds: int, headers: dict[str, str]) -> dict[str, Any]:
    cmd = ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s",
           "--latency", "--timeout", "10s"]  # fmt: skip
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    text = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    res: dict[str, Any] = {"connections": connections}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", text):
        res["req_s"] = float(m.group(1))
    for pct in ("50", "99"):
        if m := re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M):
            scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
            res[f"p{pct}_ms"] = round(float(m.group(1)) * scale, 1)
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    res["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    res["socket_errors"] = sum(int(g) for g in m.groups()) if m else 0
    return res


def _request(url: str, data: dict[str, Any] | None = None, token: str | None = None) -> Any:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method="POST" if body else "GET")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=600) as resp:
        return json.loads(resp.read() or b"null")


def http_bench(
    env: dict[str, str], port: int, connections: list[int], seconds: int, workers: int | None = None
) -> Any:
    from chamba.demo.accounts import DEMO_PASSWORD

    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "chamba", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers:
        cmd += ["--workers", str(workers)]
    log = open(Path(env["CHAMBA_DATA_DIR"]) / "serve.log", "w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    out: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        while True:
            try:
                _request(f"{base}/health")
                break
            except OSError:
                if server.poll() is not None or time.perf_counter() - started > 900:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.5)
        out["server_ready_s"] = round(time.perf_counter() - started, 2)
        tokens = _request(
            f"{base}/api/v1/auth/login",
            {"email": "buscador@demo.chamba.pe", "password": DEMO_PASSWORD},
        )
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        started = time.perf_counter()
        _request(f"{base}/api/v1/me/matches/jobs", token=tokens["access_token"])
        out["first_match_s"] = round(time.perf_counter() - started, 2)
        out["rss_server_mib"] = _server_rss(server.pid)
        out["health"] = [_wrk(f"{base}/health", c, seconds, {}) for c in connections]
        out["matches"] = [
            _wrk(f"{base}/api/v1/me/matches/jobs", c, seconds, headers) for c in connections
        ]
        out["rss_server_after_mib"] = _server_rss(server.pid)
        for h, m in zip(out["health"], out["matches"], strict=True):
            if h.get("req_s"):
                m["share_of_health"] = round(m.get("req_s", 0.0) / h["req_s"], 3)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    return out


def _server_rss(pid: int) -> float | None:
    """RSS (MiB) of ``chamba serve``: the supervisor and its worker processes together (each
    worker holds its own indexes and caches)."""
    try:
        import psutil

        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
        rss: float = sum(p.memory_info().rss for p in procs) / 2**20
        return round(rss, 1)
    except Exception:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=None, help="jobs (default: as the demo)")
    parser.add_argument("--interactions", type=float, default=20.0, help="per person")
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--reuse", action="store_true", help="skip load+index (data dir kept)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--workers", type=int, default=None, help="chamba serve --workers")
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="chamba-scale-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "size": args.size,
        "jobs": args.jobs or args.size,
        "backend": "postgresql" if args.postgresql else "sqlite",
        "vectors": "stand-in bag-of-words random projection under the USE model id (512-d)",
        "cpus": os.cpu_count(),
    }
    server = None
    try:
        if args.postgresql:
            import pgserver

            server = pgserver.get_server(data_dir / "pg", cleanup_mode="stop")
            if not args.reuse:
                server.psql("DROP DATABASE IF EXISTS chamba;")
                server.psql("CREATE DATABASE chamba;")
            url = server.get_uri("chamba").replace("postgresql://", "postgresql+psycopg://", 1)
        else:
            url = f"sqlite:///{data_dir / 'chamba.db'}"
        os.environ["CHAMBA_DATA_DIR"] = str(data_dir)
        os.environ["CHAMBA_DATABASE_URL"] = url
        os.environ.setdefault("CHAMBA_ENV", "development")  # the demo's accounts and secret
        # One seeker's token drives every request: lift the per-user hourly limit on costly
        # reads (600), or a fast run would measure the rate limiter's 429s, not the match path.
        os.environ.setdefault("CHAMBA_REQUESTS_PER_USER_PER_HOUR", "1000000")
        if not args.reuse:
            doc["build"] = load_and_index(
                url, data_dir, args.size, args.seed, n_jobs=args.jobs,
                interactions=args.interactions,
            )  # fmt: skip
        if not args.no_http:
            env = dict(os.environ)
            conns = [int(c) for c in args.connections.split(",")]
            doc["http"] = http_bench(env, args.port, conns, args.duration, args.workers)
            doc["workers"] = args.workers or "default (cores)"
    finally:
        if server is not None:
            server.cleanup()
        if not args.keep and args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
