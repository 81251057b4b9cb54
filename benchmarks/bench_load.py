"""Load benchmark through HTTP: starts ``chamba serve`` itself and drives it with ``wrk``.

Usage::

    PYTHONPATH=src python benchmarks/bench_load.py [--size 3000] [--connections 1,4,16,64]
        [--duration 8] [--postgresql] [--workers N] [--data-dir DIR] [--src DIR]

What it does:

1. Makes sure ``wrk`` (Debian package) is installed (``apt-get install -y wrk`` when run as root).
2. Prepares the demo once per data folder (``chamba demo --size N --no-serve``; SQLite, or a
   PostgreSQL database of a ``pgserver`` instance with ``--postgresql``) and copies it for the
   run, so every run starts from the same data.
3. Gives ``--seekers`` demo people (128) log-ins and logs them and the demo employer in; each
   request picks one of them at random, as many people using the app at once would (one
   token for everything would hit the per-user rate limit of costly requests).
4. Starts ``chamba serve`` (``--workers`` passed when given; the code under ``--src``, so an
   older tree can be measured with the same script), waits until matching answers, then until
   every worker says in ``/metrics`` that its warm-up is over (``warm_up`` in the JSON: each
   worker's warm-up seconds, how long this waited, whether it timed out; code that does not
   say gets a fixed ``--settle`` pause instead).
5. At each connection count: ``/health`` (the baseline of the same run), then each route alone
   (seeker's job matches, job detail, apply, feedback, employer posting) and a mixed workload
   (40% matches, 25% job detail, 10% apply, 15% feedback, 10% postings), one wrk connection
   per thread so that every response is attributed to its route. Around each run of the match
   route the hits and misses of the servers' ranked-page cache are read from ``/metrics``
   (``page_cache``: reused pages against rankings; set ``CHAMBA_MATCH_PAGE_CACHE_SIZE=0`` in the
   environment to measure the ranking alone).

Prints one JSON object: per connection count and route, requests per second, p50/p99 latency
(ms), status classes (``2xx``, ``4xx``, ``5xx``: an "already applied" 409 is a 4xx; ``429``,
rate limited, apart: a run that counts 429s measures the limiter, not the route), time-outs
and socket errors; the ratio of match to ``/health`` throughput; and the ERROR lines the server
logged. Nothing here is asserted: the numbers are compared by whoever reads them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEEKER_PASSWORD = "bench-load-password-2026"
MIX = {"matches": 40, "job": 25, "apply": 10, "feedback": 15, "post": 10}
ROUTES = ("matches", "job", "apply", "feedback", "post")

LUA = r"""
local cfg = __CONFIG__
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(tid * 7919)
  pending = {}
  counts = {}
end

local function pick()
  if cfg.route ~= "mixed" then return cfg.route end
  local r = math.random(100)
  local acc = 0
  for _, entry in ipairs(cfg.mix) do
    acc = acc + entry[2]
    if r <= acc then return entry[1] end
  end
  return cfg.mix[1][1]
end

local function job_id() return cfg.jobs[math.random(#cfg.jobs)] end

function request()
  local route = pick()
  table.insert(pending, route)
  -- every request as one of many seekers, so that no one trips the per-user rate limit
  local seeker = cfg.seekers[math.random(#cfg.seekers)]
  local auth = {["Authorization"] = "Bearer " .. seeker, ["Content-Type"] = "application/json"}
  if route == "health" then
    return wrk.format("GET", "/health")
  elseif route == "matches" then
    return wrk.format("GET", "/api/v1/me/matches/jobs?limit=10", auth)
  elseif route == "job" then
    return wrk.format("GET", "/api/v1/jobs/" .. job_id(), auth)
  elseif route == "apply" then
    return wrk.format("POST", "/api/v1/jobs/" .. job_id() .. "/applications", auth,
                      '{"message": "Me interesa"}')
  elseif route == "feedback" then
    local kinds = {"saved", "useful", "opened"}
    return wrk.format("POST", "/api/v1/feedback", auth,
      '{"subject_type": "job", "subject_id": ' .. job_id() .. ', "kind": "' ..
      kinds[math.random(3)] .. '"}')
  else
    local emp = {["Authorization"] = "Bearer " .. cfg.employer,
                 ["Content-Type"] = "application/json"}
    local skill = cfg.skills[math.random(#cfg.skills)]
    return wrk.format("POST", "/api/v1/jobs", emp,
      '{"title": "Ayudante de cocina ' .. math.random(100000) .. '", ' ..
      '"description": "Preparar insumos y mantener la cocina limpia.", ' ..
      '"location": {"ubigeo": "150101"}, "hours_per_week": 40, ' ..
      '"wage_min": 1200, "wage_max": 1500, "skills": [{"id": "' .. skill .. '"}]}')
  end
end

function response(status, headers, body)
  local route = table.remove(pending, 1) or "?"
  local class = tostring(math.floor(status / 100)) .. "xx"
  if status == 429 then class = "429" end  -- rate limited: reported apart from other 4xx
  local key = route .. "|" .. class
  counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for k, v in pairs(c) do merged[k] = (merged[k] or 0) + v end
  end
  local f = io.open(cfg.out, "w")
  f:write("{")
  local first = true
  for k, v in pairs(merged) do
    if not first then f:write(",") end
    first = false
    f:write(string.format('"%s": %d', k, v))
  end
  f:write("}")
  f:close()
end
"""


# ------------------------------------------------------------------------------------- wrk


def ensure_wrk() -> str:
    """The path of ``wrk``; installs the Debian package when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("wrk is not installed: apt-get install -y wrk")


def _ms(value: str) -> float:
    number = float(re.sub(r"[a-z]+$", "", value))
    unit = re.sub(r"^[0-9.]+", "", value)
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(
    wrk: str, url: str, route: str, connections: int, duration: float, config: dict[str, Any]
) -> dict[str, Any]:
    """One wrk run of ``route`` (or ``mixed``) at ``connections``; its numbers."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "counts.json"
        lua = Path(tmp) / "load.lua"
        cfg = {**config, "route": route, "out": str(out)}
        lua.write_text(LUA.replace("__CONFIG__", _lua_table(cfg)), encoding="utf-8")
        proc = subprocess.run(
            [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{round(duration)}s",
             "--timeout", "10s", "--latency", "-s", str(lua), url],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        text = proc.stdout
        counts = json.loads(out.read_text()) if out.exists() else {}
    result: dict[str, Any] = {"connections": connections}
    if m := re.search(r"Requests/sec:\s+([0-9.]+)", text):
        result["rps"] = round(float(m.group(1)), 1)
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        if m := re.search(rf"^\s+{pct}%\s+([0-9.]+[a-z]+)", text, re.M):
            result[key] = round(_ms(m.group(1)), 1)
    if m := re.search(r"(\d+) requests in", text):
        result["requests"] = int(m.group(1))
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    result["timeouts"] = int(errors.group(4)) if errors else 0
    result["socket_errors"] = sum(int(errors.group(i)) for i in (1, 2, 3)) if errors else 0
    by_route: dict[str, dict[str, int]] = {}
    for key, n in counts.items():
        name, klass = key.split("|")
        by_route.setdefault(name, {})[klass] = n
    result["status"] = by_route if route == "mixed" else by_route.get(route, {})
    if proc.returncode != 0:
        result["wrk_error"] = (proc.stderr.strip() or proc.stdout.strip())[-300:]
    return result


def _lua_table(value: Any) -> str:
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"[{json.dumps(k)}] = {_lua_table(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list | tuple):
        return "{" + ", ".join(_lua_table(v) for v in value) + "}"
    return json.dumps(value)


# ------------------------------------------------------------------------------- the server


PAGES = re.compile(r'^chamba_match_pages_total\{outcome="(hit|miss)"\} ([0-9.e+]+)$', re.M)


def page_cache_counts(url: str, scrapes: int = 16) -> dict[str, int] | None:
    """Hits and misses of the ranked-page cache summed over the server's workers (``None``
    when the code under test has no such metric). Each worker answers ``/metrics`` for itself
    and a new connection reaches any of them: after a run the counts stand still, so the
    distinct answers of ``scrapes`` scrapes are the workers' (two workers with exactly the same
    counts would be counted once; ``workers_seen`` says how many answers differed)."""
    seen: set[tuple[int, int]] = set()
    for _ in range(scrapes):
        try:
            with urllib.request.urlopen(f"{url}/metrics", timeout=30) as response:
                text = response.read().decode()
        except OSError:
            continue
        found = {k: int(float(v)) for k, v in PAGES.findall(text)}
        if not found and "chamba_match_pages_total" not in text:
            return None
        seen.add((found.get("hit", 0), found.get("miss", 0)))
    return {
        "hits": sum(h for h, _ in seen), "misses": sum(m for _, m in seen),
        "workers_seen": len(seen),
    }  # fmt: skip


WARM = re.compile(
    r"^chamba_(worker_warm|warm_up_seconds|process_start_time_seconds) ([0-9.e+-]+)$", re.M
)


def wait_warm(url: str, workers: int, timeout: float) -> dict[str, Any]:
    """Wait until each of the server's ``workers`` processes reports its warm-up over
    (``chamba_warm_up_seconds`` set in ``/metrics``), at most ``timeout`` seconds.

    Each worker answers ``/metrics`` for itself and a new connection reaches any of them, so
    scrapes go on until as many distinct workers (``chamba_process_start_time_seconds``) have
    answered that theirs is over. Returns what was seen: per worker the warm-up's seconds and
    whether it ended warm, how long this waited and whether it timed out; ``{"supported":
    False}`` when the code under test exports no such metric (an older tree).
    """
    started = time.monotonic()
    seen: dict[float, tuple[float, bool]] = {}  # start time -> (warm-up seconds, warm)
    while True:
        try:
            with urllib.request.urlopen(f"{url}/metrics", timeout=30) as response:
                text = response.read().decode()
        except OSError:
            text = None
        if text is not None:
            found = {k: float(v) for k, v in WARM.findall(text)}
            if "process_start_time_seconds" not in found:
                return {"supported": False}
            seen[found["process_start_time_seconds"]] = (
                found.get("warm_up_seconds", 0.0), found.get("worker_warm", 0.0) == 1.0
            )  # fmt: skip
        over = [v for v in seen.values() if v[0] > 0]
        waited = time.monotonic() - started
        if len(over) >= workers or waited > timeout:
            return {
                "supported": True, "workers_expected": workers, "workers_seen": len(seen),
                "workers_warm": sum(warm for _, warm in over),
                "warm_up_s": sorted(round(s, 2) for s, _ in over),
                "waited_s": round(waited, 1), "timed_out": len(over) < workers,
            }  # fmt: skip
        time.sleep(0.2)


def server_workers(workers: int | None) -> int:
    """How many worker processes ``chamba serve`` starts (its default: one per usable core)."""
    return workers or len(os.sched_getaffinity(0))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 60
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def chamba(
    src: Path, env: dict[str, str], *args: str, **kw: Any
) -> subprocess.CompletedProcess[Any]:
    return subprocess.run(
        [sys.executable, "-m", "chamba", *args],
        env={**os.environ, **env, "PYTHONPATH": str(src)},
        check=True,
        **kw,
    )


def prepare_data(args: argparse.Namespace) -> tuple[dict[str, str], Any]:
    """The environment of a fresh copy of the demo for this run (and a cleanup handle)."""
    base = Path(args.data_dir)
    base.mkdir(parents=True, exist_ok=True)
    demo_env = {"CHAMBA_DATA_DIR": str(base / "data"), "CHAMBA_LOG_LEVEL": "WARNING"}
    run_dir = Path(tempfile.mkdtemp(prefix="chamba-load-"))
    if not args.postgresql:
        if not (base / "data" / "chamba.db").exists():
            chamba(args.src, demo_env, "demo", "--size", str(args.size), "--no-serve",
                   stdout=subprocess.DEVNULL)  # fmt: skip
        shutil.copytree(
            base / "data", run_dir / "data", ignore=shutil.ignore_patterns("embeddings")
        )
        if (base / "data" / "embeddings").exists():
            (run_dir / "data" / "embeddings").symlink_to(base / "data" / "embeddings")
        return {"CHAMBA_DATA_DIR": str(run_dir / "data")}, run_dir
    import pgserver

    server = pgserver.get_server(base / "pg", cleanup_mode=None)
    url = server.get_uri("chamba_demo").replace("postgresql://", "postgresql+psycopg://", 1)
    if not (base / "pg-demo-ready").exists():
        server.psql("DROP DATABASE IF EXISTS chamba_demo;")
        server.psql("CREATE DATABASE chamba_demo;")
        chamba(args.src, {**demo_env, "CHAMBA_DATABASE_URL": url}, "demo", "--size",
               str(args.size), "--no-serve", stdout=subprocess.DEVNULL)  # fmt: skip
        (base / "pg-demo-ready").write_text("ok")
    server.psql("DROP DATABASE IF EXISTS chamba_run;")
    server.psql("CREATE DATABASE chamba_run TEMPLATE chamba_demo;")
    shutil.copytree(base / "data", run_dir / "data", ignore=shutil.ignore_patterns("embeddings"))
    (run_dir / "data" / "embeddings").symlink_to(base / "data" / "embeddings")
    run_url = url.replace("/chamba_demo", "/chamba_run")
    return {"CHAMBA_DATA_DIR": str(run_dir / "data"), "CHAMBA_DATABASE_URL": run_url}, run_dir


def make_seekers(env: dict[str, str], n: int) -> dict[str, Any]:
    """Log-ins for ``n`` demo people, and ids the workload uses (open jobs, skills)."""
    os.environ.update(env)
    from sqlalchemy import select

    import chamba.models  # noqa: F401 - every table, for the foreign keys
    from chamba.auth import security
    from chamba.auth.models import Role, User
    from chamba.config import get_settings
    from chamba.db import blind_index, get_engine, session_scope
    from chamba.jobs.models import Job, JobStatus
    from chamba.people.models import Person, PersonSkill

    get_settings.cache_clear()
    settings = get_settings()
    engine = get_engine(settings)
    from chamba.api.app import prepare_database

    prepare_database(engine)  # the demo may predate the newest migration of the code under test
    emails = []
    with session_scope(engine) as session:
        digest = security.hash_password(SEEKER_PASSWORD, settings)
        people = session.scalars(
            select(Person).where(Person.user_id.is_(None)).order_by(Person.id).limit(n)
        ).all()
        for person in people:
            email = f"carga{person.id}@bench.chamba.pe"
            user = User(email=email, email_index=blind_index(email), password_hash=digest,
                        role=Role.SEEKER, name=f"Carga {person.id}", is_active=True)  # fmt: skip
            session.add(user)
            session.flush()
            person.user_id = user.id
            emails.append(email)
        jobs = session.scalars(
            select(Job.id).where(Job.status == JobStatus.OPEN).order_by(Job.id).limit(2000)
        ).all()
        skills = session.scalars(select(PersonSkill.skill_id).distinct().limit(30)).all()
    engine.dispose()
    return {"emails": emails, "jobs": list(jobs), "skills": list(skills)}


def start_server(args: argparse.Namespace, env: dict[str, str], port: int, log: Path) -> Any:
    command = [sys.executable, "-m", "chamba", "serve", "--port", str(port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    return subprocess.Popen(
        command,
        env={**os.environ, **env, "PYTHONPATH": str(args.src), "CHAMBA_LOG_LEVEL": "WARNING",
             "CHAMBA_LOGIN_FAILURES_PER_ADDRESS": "100000"},
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def wait_ready(url: str, token: str, proc: Any, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    ok = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("the server exited during start-up")
        try:
            status, _ = http("GET", f"{url}/api/v1/me/matches/jobs?limit=10", token=token)
        except OSError:
            status = 0
        ok = ok + 1 if status == 200 else 0
        if ok >= 8:  # every worker has its indexes loaded
            return
        time.sleep(0.5)
    sys.exit("the server did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--connections", default="1,4,16,64")
    parser.add_argument("--duration", type=int, default=8, help="Seconds per wrk run.")
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument(
        "--settle", type=int, default=30,
        help="Seconds to let every worker load before measuring, for code that does not say "
        "when its workers are warm (chamba_warm_up_seconds in /metrics).",
    )  # fmt: skip
    parser.add_argument(
        "--warm-timeout", type=int, default=300,
        help="Most seconds to wait for every worker's warm-up (then measure anyway).",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--seekers", type=int, default=128, help="Seekers sending requests.")
    parser.add_argument("--routes", default=",".join((*ROUTES, "mixed")))
    parser.add_argument("--data-dir", default=None, help="Where the demo is kept between runs.")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="Chamba source to run.")
    args = parser.parse_args()
    os.environ.setdefault("CHAMBA_ENV", "development")  # a local benchmark, like `chamba demo`
    args.src = args.src.resolve()
    sys.path.insert(0, str(args.src))
    args.data_dir = args.data_dir or str(Path(tempfile.gettempdir()) / f"chamba-bench-{args.size}")
    wrk = ensure_wrk()
    env, run_dir = prepare_data(args)
    world = make_seekers(env, args.seekers)
    print(f"data ready in {run_dir}", file=sys.stderr, flush=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = run_dir / "server.log"
    proc = start_server(args, env, port, log)
    try:
        tokens: list[str] = []
        deadline = time.monotonic() + 600
        while not tokens and time.monotonic() < deadline:
            try:
                http("GET", f"{url}/health", timeout=2)
            except OSError:
                time.sleep(0.5)
                continue
            for email in world["emails"]:
                status, body = http("POST", f"{url}/api/v1/auth/login",
                                    {"email": email, "password": SEEKER_PASSWORD})  # fmt: skip
                if status == 200:
                    tokens.append(body["access_token"])
        from chamba.demo.accounts import DEMO_PASSWORD

        login = {"email": "empleador@demo.chamba.pe", "password": DEMO_PASSWORD}
        _, body = http("POST", f"{url}/api/v1/auth/login", login)
        employer = body["access_token"]
        print(f"logged in {len(tokens)} seekers", file=sys.stderr, flush=True)
        wait_ready(url, tokens[0], proc)
        # every worker builds its match state in the background after start: measure warm ones
        warm = wait_warm(url, server_workers(args.workers), args.warm_timeout)
        if not warm["supported"] and args.workers != 1:  # an older tree: a fixed pause instead
            time.sleep(args.settle)
        print(f"server ready: {json.dumps(warm)}", file=sys.stderr, flush=True)
        config = {
            "seekers": tokens, "employer": employer, "jobs": world["jobs"],
            "skills": world["skills"] or ["customer_attention"],
            "mix": [[k, v] for k, v in MIX.items()],
        }  # fmt: skip
        random.seed(7)
        runs = []
        for c in [int(x) for x in args.connections.split(",")]:
            entry: dict[str, Any] = {"connections": c}
            entry["health"] = run_wrk(wrk, url, "health", c, args.duration, config)
            for route in args.routes.split(","):
                before = page_cache_counts(url) if route == "matches" else None
                entry[route] = run_wrk(wrk, url, route, c, args.duration, config)
                time.sleep(1.5)  # let side writes and relays settle between runs
                after = page_cache_counts(url) if before is not None else None
                if before is not None and after is not None:
                    hits, misses = (after[k] - before[k] for k in ("hits", "misses"))
                    entry[route]["page_cache"] = {
                        "hits": hits, "misses": misses,
                        "hit_rate": round(hits / (hits + misses), 3) if hits + misses else None,
                        "workers_seen": after["workers_seen"],
                    }  # fmt: skip
            if "matches" in entry and entry["health"].get("rps"):
                entry["matches_vs_health"] = round(
                    entry["matches"].get("rps", 0) / entry["health"]["rps"], 3
                )
            runs.append(entry)
            print(json.dumps(entry), file=sys.stderr, flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    lines = log.read_text(errors="replace").splitlines()
    errors = [line for line in lines if '"level": "ERROR"' in line or "ERROR" in line[:40]]
    print(json.dumps({
        "backend": "postgresql" if args.postgresql else "sqlite",
        "size": args.size, "workers": args.workers or "default", "duration_s": args.duration,
        "cpu_cores": os.cpu_count(), "src": str(args.src), "warm_up": warm, "runs": runs,
        "server_error_lines": len(errors),
        "server_traceback_lines": sum("Traceback" in line for line in lines),
        "server_error_sample": errors[:3],
    }, indent=1))  # fmt: skip
    shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
