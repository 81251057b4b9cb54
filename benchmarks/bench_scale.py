"""Benchmark: the demo at scale end to end — load, index, serve, match through HTTP.

Usage::

    PYTHONPATH=src python benchmarks/bench_scale.py --size 100000 [--postgresql]
        [--jobs N] [--interactions 20] [--data-dir DIR] [--keep] [--reuse] [--duration 20]
        [--connections 1,16,64] [--no-http] [--workers N] [--seekers N] [--src DIR]

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
   req/s, p50/p99 latency, non-2xx and socket errors. ``first_match_s`` is the first match
   right after ``/health`` answers; the runs start once every worker says in ``/metrics`` that
   its warm-up is over (``warm_up``: each one's seconds, the wait, whether it timed out);
4. ``seekers`` (``--seekers N``): the match route again, each request as a *different* person
   (``N`` demo people given log-ins, taken in turn, a disjoint share per connection count), so
   that nearly every request misses the ranked-page cache and ranks: the cold path. The page
   cache's hits and misses over each run are read from ``/metrics``. Their passwords are hashed
   with cheap argon2 parameters (set for the server too) so that ``N`` log-ins take seconds;
   log-in is not what is measured.

``--src DIR`` serves the code under ``DIR`` (an older tree) with this script, for before/after
runs on the same data.

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
from bench_load import server_workers, wait_warm

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


def _wrk(
    url: str, connections: int, seconds: int, headers: dict[str, str], script: Path | None = None
) -> dict[str, Any]:
    cmd = ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s",
           "--latency", "--timeout", "10s"]  # fmt: skip
    if script is not None:
        cmd += ["-s", str(script)]
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


SEEKER_PASSWORD = "bench-scale-password-2026"
CHEAP_HASH = {  # argon2 parameters for the benchmark's own log-ins only (see the docstring)
    "CHAMBA_PASSWORD_HASH_TIME_COST": "1",
    "CHAMBA_PASSWORD_HASH_MEMORY_KIB": "1024",
    "CHAMBA_PASSWORD_HASH_PARALLELISM": "1",
}
PAGES = re.compile(r'^chamba_match_pages_total\{outcome="(hit|miss)"\} ([0-9.e+]+)$', re.M)
ROTATE_LUA = """
local tokens = {__TOKENS__}
local made = 0
function setup(thread)
  thread:set("tid", made)
  made = made + 1
end
local i = 0
function request()
  -- each thread walks its own half of the list: every request a different person
  local k = (tid * math.floor(#tokens / 2) + i) % #tokens + 1
  i = i + 1
  return wrk.format("GET", "/api/v1/me/matches/jobs", {["Authorization"] = "Bearer " .. tokens[k]})
end
"""


def make_seekers(n: int) -> list[str]:
    """Log-in e-mails of ``n`` demo people (made once per data directory, kept)."""
    from sqlalchemy import select

    import chamba.models  # noqa: F401 - every table, for the foreign keys
    from chamba.api.app import prepare_database
    from chamba.auth import security
    from chamba.auth.models import Role, User
    from chamba.config import get_settings
    from chamba.db import blind_index, get_engine, session_scope
    from chamba.people.models import Person

    get_settings.cache_clear()
    settings = get_settings()
    engine = get_engine(settings)
    prepare_database(engine)
    with session_scope(engine) as session:
        # the first n people by id; those given a log-in by an earlier run keep theirs
        people = session.scalars(select(Person).order_by(Person.id).limit(2 * n)).all()
        email_of = {p.id: f"escala{p.id}@bench.chamba.pe" for p in people}
        ours = {blind_index(e) for e in email_of.values()}
        existing = set(session.scalars(select(User.email_index).where(User.email_index.in_(ours))))
        made: list[str] = []
        digest = security.hash_password(SEEKER_PASSWORD, settings)
        for person in people:
            email = email_of[person.id]
            if len(made) == n:
                break
            if blind_index(email) in existing:
                made.append(email)
            elif person.user_id is None:
                user = User(email=email, email_index=blind_index(email), password_hash=digest,
                            role=Role.SEEKER, name=f"Escala {person.id}",
                            is_active=True)  # fmt: skip
                session.add(user)
                session.flush()
                person.user_id = user.id
                made.append(email)
    engine.dispose()
    return made[:n]


def _page_counts(base: str, scrapes: int = 16) -> dict[str, int]:
    """Page-cache hits and misses summed over the workers (each answers ``/metrics`` for
    itself; the distinct answers of ``scrapes`` scrapes are the workers')."""
    seen: set[tuple[int, int]] = set()
    for _ in range(scrapes):
        try:
            with urllib.request.urlopen(f"{base}/metrics", timeout=30) as resp:
                text = resp.read().decode()
        except OSError:
            continue
        found = {k: int(float(v)) for k, v in PAGES.findall(text)}
        seen.add((found.get("hit", 0), found.get("miss", 0)))
    return {"hits": sum(h for h, _ in seen), "misses": sum(m for _, m in seen)}


def _wrk_seekers(base: str, connections: int, seconds: int, tokens: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "seekers.lua"
        listed = ", ".join(json.dumps(t) for t in tokens)
        script.write_text(ROTATE_LUA.replace("__TOKENS__", listed))
        before = _page_counts(base)
        res = _wrk(f"{base}/api/v1/me/matches/jobs", connections, seconds, {}, script)
        time.sleep(8)  # requests still queued in the server when wrk stopped finish first
        after = _page_counts(base)
    res["page_cache"] = {k: after[k] - before[k] for k in ("hits", "misses")}
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
    env: dict[str, str],
    port: int,
    connections: list[int],
    seconds: int,
    workers: int | None = None,
    seekers: list[str] | None = None,
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
        # measure warm workers: each builds its match state in the background after start
        out["warm_up"] = wait_warm(base, server_workers(workers), 900)
        out["rss_server_mib"] = _server_rss(server.pid)
        out["health"] = [_wrk(f"{base}/health", c, seconds, {}) for c in connections]
        out["matches"] = [
            _wrk(f"{base}/api/v1/me/matches/jobs", c, seconds, headers) for c in connections
        ]
        if seekers:
            logins = []
            for email in seekers:
                pair = _request(
                    f"{base}/api/v1/auth/login", {"email": email, "password": SEEKER_PASSWORD}
                )
                logins.append(pair["access_token"])
            share = len(logins) // len(connections)
            out["seekers"] = [
                _wrk_seekers(base, c, seconds, logins[k * share : (k + 1) * share])
                for k, c in enumerate(connections)
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
    parser.add_argument("--seekers", type=int, default=0, help="distinct seekers (cold path)")
    parser.add_argument("--src", type=Path, default=None, help="Chamba source to serve")
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
            if args.seekers:
                os.environ.update(CHEAP_HASH)
            emails = make_seekers(args.seekers) if args.seekers else None
            env = dict(os.environ)
            if args.src is not None:
                env["PYTHONPATH"] = str(args.src.resolve())
                doc["src"] = str(args.src.resolve())
            conns = [int(c) for c in args.connections.split(",")]
            doc["http"] = http_bench(env, args.port, conns, args.duration, args.workers, emails)
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
