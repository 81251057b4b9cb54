"""scripts/audit_deps.py: the offline-capable audit of the pinned set (issue #15, "Also").

Tiny fake OSV advisories, written by the tests, prove what the check fails on and what it lets
through; no advisory data is shipped, so the tests also prove what the check says when no offline
database is given. No test asks the network: the live PyPI part runs on a fake fetcher.
"""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 12, 7)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "scripts" / "audit_deps.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_deps"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


audit_deps = _load()


def osv(ident: str, package: str, events: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    """One OSV advisory for one PyPI package with one ECOSYSTEM range."""
    return {
        "id": ident,
        "modified": "2026-01-02T03:04:05Z",
        "details": "prose the snapshot must not keep",
        "aliases": extra.pop("aliases", []),
        "affected": [
            {
                "package": {"name": package, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "versions": extra.pop("versions", []),
            }
        ],
        **extra,
    }


@pytest.fixture(autouse=True)
def _no_database_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(audit_deps.DB_ENV, raising=False)


@pytest.fixture
def world(tmp_path: Path) -> Any:
    """Writes OSV files, builds a snapshot with the refresh command and runs the check."""

    class World:
        osv_dir = tmp_path / "osv"
        snapshot = tmp_path / "snap.json.gz"
        constraints = tmp_path / "constraints.txt"
        ignores = tmp_path / "ignore.toml"

        def advisories(self, *docs: dict[str, Any]) -> None:
            self.osv_dir.mkdir(exist_ok=True)
            for doc in docs:
                (self.osv_dir / f"{doc['id']}.json").write_text(json.dumps(doc))
            assert audit_deps.main(["refresh", str(self.osv_dir), "--out", str(self.snapshot)]) == 0

        def check(self, capsys: pytest.CaptureFixture[str], *pins: str) -> tuple[int, str]:
            self.constraints.write_text("".join(f"{p}\n" for p in pins))
            capsys.readouterr()
            status = audit_deps.main(
                [
                    "--constraints", str(self.constraints),
                    "--snapshot", str(self.snapshot),
                    "--ignore", str(self.ignores),
                    "--offline",
                    "--today", TODAY.isoformat(),
                ]
            )  # fmt: skip
            captured = capsys.readouterr()
            self.err = captured.err
            return status, captured.out

    return World()


# ------------------------------------------------------------------ fail / pass on a pin


def test_an_affected_pin_fails_with_one_line_naming_pin_advisory_and_fix(
    world: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an advisory for demo-pkg below 1.2.0
    world.advisories(
        osv("PYSEC-0000-1", "Demo_Pkg", [{"introduced": "0"}, {"fixed": "1.2.0"}],
            aliases=["CVE-2026-0001"])
    )  # fmt: skip
    # WHEN the pinned set holds 1.1.0 (spelled differently: PEP 503 names match)
    status, out = world.check(capsys, "demo.pkg==1.1.0", "other==9.9")
    # THEN the check fails with one line: package, pinned version, advisory, fixed version
    assert status == 1
    findings = [line for line in out.splitlines() if line.startswith("VULNERABLE")]
    assert findings == [
        "VULNERABLE demo-pkg==1.1.0: PYSEC-0000-1 (CVE-2026-0001); fixed in: 1.2.0 [advisory db]"
    ]
    assert "FAIL: 1 known vulnerabilities in the audited packages" in out


def test_a_fixed_pin_passes_and_the_output_says_what_was_checked(
    world: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    world.advisories(osv("PYSEC-0000-1", "demo-pkg", [{"introduced": "0"}, {"fixed": "1.2.0"}]))
    status, out = world.check(capsys, "demo-pkg==1.2.0")
    assert status == 0
    assert "VULNERABLE" not in out
    assert "pinned: 1 packages" in out
    assert "advisory db: 1 advisories" in out
    assert "live PyPI: not asked (--offline)" in out
    assert out.rstrip().endswith("as far as the sources reach")


# ----------------------------------------------------------------- range evaluation


def affected(events: list[tuple[str, str]], versions: tuple[str, ...] = ()) -> Any:
    return audit_deps.Affected("X-1", (), "p", (tuple(events),), versions)


@pytest.mark.parametrize(
    ("version", "hit", "fixed"),
    [
        ("0.9", False, ""),
        ("1.0", True, "1.5"),
        ("1.4.9", True, "1.5"),
        ("1.5rc1", True, "1.5"),  # a pre-release of the fix is still before it (PEP 440)
        ("1.5", False, ""),
        ("1.7", False, ""),
        ("2.0", True, "2.5"),
        ("2.5.0", False, ""),
    ],
)
def test_two_introduced_fixed_windows(version: str, hit: bool, fixed: str) -> None:
    entry = affected([("fixed", "2.5"), ("introduced", "1.0"), ("fixed", "1.5"),
                      ("introduced", "2.0")])  # fmt: skip
    assert audit_deps.affects(entry, version) == (hit, fixed)


def test_last_affected_is_inclusive_and_reports_no_known_fix() -> None:
    entry = affected([("introduced", "0"), ("last_affected", "3.1")])
    assert audit_deps.affects(entry, "0.0.1") == (True, "no fix known (last affected 3.1)")
    assert audit_deps.affects(entry, "3.1.0") == (True, "no fix known (last affected 3.1)")
    assert audit_deps.affects(entry, "3.1.1") == (False, "")


def test_an_open_range_affects_every_later_version() -> None:
    entry = affected([("introduced", "2.0")])
    assert audit_deps.affects(entry, "2026.1") == (True, "no fix known")
    assert audit_deps.affects(entry, "1.9") == (False, "")


def test_listed_versions_count_with_pep_440_equality() -> None:
    # GIVEN an advisory whose only data for this package is a list of versions (GIT ranges)
    entry = audit_deps.Affected("X-2", (), "p", (), ("1.0", "1.1"))
    # THEN 1.0.0 is 1.0, and 1.2 is not listed
    assert audit_deps.affects(entry, "1.0.0") == (True, "no fix known")
    assert audit_deps.affects(entry, "1.2") == (False, "")


# ------------------------------------------------------------------------ ignore list


def test_an_ignore_silences_an_advisory_by_alias_until_it_expires(
    world: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    world.advisories(
        osv("PYSEC-0000-2", "demo-pkg", [{"introduced": "0"}], aliases=["GHSA-aaaa-bbbb-cccc"])
    )
    # GIVEN an ignore by alias with a reason that expires tomorrow
    world.ignores.write_text(
        '[[ignore]]\nid = "GHSA-aaaa-bbbb-cccc"\nreason = "never called here"\n'
        f"expires = {TODAY + dt.timedelta(days=1)}\n"
    )
    status, out = world.check(capsys, "demo-pkg==1.0")
    # THEN the finding is shown as ignored, with its reason, and the check passes
    assert status == 0
    assert f"ignored until {TODAY + dt.timedelta(days=1)}: VULNERABLE demo-pkg==1.0" in out
    assert "never called here" in out
    # WHEN the expiry has passed
    world.ignores.write_text(
        '[[ignore]]\nid = "GHSA-aaaa-bbbb-cccc"\nreason = "never called here"\n'
        f"expires = {TODAY - dt.timedelta(days=1)}\n"
    )
    status, out = world.check(capsys, "demo-pkg==1.0")
    # THEN it fails again and says why
    assert status == 1
    assert "ignore of GHSA-aaaa-bbbb-cccc expired on" in out
    assert "VULNERABLE demo-pkg==1.0: PYSEC-0000-2" in out


def test_an_ignore_that_matches_nothing_is_reported(
    world: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    world.advisories(osv("PYSEC-0000-3", "demo-pkg", [{"introduced": "0"}, {"fixed": "1"}]))
    world.ignores.write_text('[[ignore]]\nid = "PYSEC-9"\nreason = "r"\nexpires = 2030-01-01\n')
    status, out = world.check(capsys, "demo-pkg==1.0")
    assert status == 0
    assert "unused ignore: PYSEC-9 (expires 2030-01-01)" in out


@pytest.mark.parametrize(
    "entry",
    [
        'id = "X"\nexpires = 2030-01-01',  # no reason
        'id = "X"\nreason = "  "\nexpires = 2030-01-01',  # an empty reason
        'id = "X"\nreason = "r"',  # no expiry
        'id = "X"\nreason = "r"\nexpires = "soon"',  # not a date
    ],
)
def test_an_ignore_without_reason_or_expiry_is_bad_input(
    world: Any, capsys: pytest.CaptureFixture[str], entry: str
) -> None:
    world.advisories(osv("PYSEC-0000-4", "demo-pkg", [{"introduced": "0"}]))
    world.ignores.write_text(f"[[ignore]]\n{entry}\n")
    status, out = world.check(capsys, "demo-pkg==1.0")
    assert status == 2
    assert out == ""
    assert world.err.startswith(f"error: {world.ignores}: ignore X")


def test_a_line_that_is_not_a_pin_is_bad_input(
    world: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    world.advisories(osv("PYSEC-0000-5", "demo-pkg", [{"introduced": "0"}]))
    status, _ = world.check(capsys, "demo-pkg>=1.0")
    assert status == 2
    assert "not a name==version pin: 'demo-pkg>=1.0'" in world.err


# ----------------------------------------------------------------------------- refresh


def test_refresh_keeps_only_structured_pypi_fields_from_yaml_json_and_zip(tmp_path: Path) -> None:
    # GIVEN OSV files: a YAML one (unquoted versions), a withdrawn one, a non-PyPI one, one
    # with a GIT range and listed versions, in a folder and in a zip
    folder = tmp_path / "osv"
    (folder / "vulns" / "demo").mkdir(parents=True)
    (folder / "vulns" / "demo" / "PYSEC-0000-6.yaml").write_text(
        "id: PYSEC-0000-6\nmodified: 2025-05-05T00:00:00Z\ndetails: long prose\n"
        "aliases: [CVE-1]\naffected:\n- package: {name: Demo_Pkg, ecosystem: PyPI}\n"
        "  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 2.1\n    - fixed: 2.10\n"
        "  - type: GIT\n    repo: https://example.org/x\n    events:\n    - introduced: abc\n"
        "  versions: [2.1, 2.9, 0.5]\n"
    )
    docs = [
        osv("PYSEC-0000-7", "demo", [{"introduced": "0"}], withdrawn="2026-01-01T00:00:00Z"),
        {"id": "NPM-1", "affected": [{"package": {"name": "x", "ecosystem": "npm"}}]},
    ]
    for doc in docs:
        (folder / f"{doc['id']}.json").write_text(json.dumps(doc))
    (folder / "triage").mkdir()
    (folder / "triage" / "candidate.yaml").write_text("id: PYSEC-TRIAGE\naffected: []\n")
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in folder.rglob("*.*"):
            if "triage" not in path.parts:
                z.write(path, path.name)
    for source in (folder, archive):
        out = tmp_path / f"{source.name}.json.gz"
        snap = audit_deps.refresh(source, "test source", out, "CC-BY-4.0")
        # THEN only the PyPI advisory remains, reduced to its structured fields
        assert snap["advisories"] == [
            {
                "id": "PYSEC-0000-6",
                "aliases": ["CVE-1"],
                "affected": [
                    {
                        "package": "demo-pkg",
                        # 2.10 stays "2.10" (not the float 2.1); the GIT range is gone
                        "ranges": [[["introduced", "2.1"], ["fixed", "2.10"]]],
                        # versions the range covers add nothing; 0.5 is outside it
                        "versions": ["0.5"],
                    }
                ],
            }
        ]
        assert snap["skipped"] == 2
        assert snap["license"] == "CC-BY-4.0"
        assert snap["as_of"].startswith("2026-01-02")
        assert snap["source"]["name"] == "test source"
        assert "prose" not in gzip.decompress(out.read_bytes()).decode()
        # AND the check reads it back
        loaded = audit_deps.load_snapshot(out)
        assert [a.id for a in loaded.by_package["demo-pkg"]] == ["PYSEC-0000-6"]


# ----------------------------------------------------------------------------- live PyPI


def project(latest: str, vulns: list[dict[str, Any]] | None = None, **releases: Any) -> Any:
    return {
        "info": {"version": latest},
        "releases": {latest: [{"yanked": False}], **releases},
        "vulnerabilities": vulns or [],
    }


def run_audit(snapshot: Any, fetch: Any, *pins: str) -> tuple[list[str], int]:
    parsed = [audit_deps.Pin(*p.split("==")) for p in pins]
    lines: list[str]
    lines, status = audit_deps.audit(parsed, snapshot, [], TODAY, fetch)
    return lines, status


def empty_snapshot() -> Any:
    return audit_deps.Snapshot(meta={"as_of": "2024-10-10T00:00:00+00:00", "source": {}})


def test_live_pypi_checks_latest_pins_and_names_those_it_cannot_check() -> None:
    # GIVEN PyPI answers: a is the latest and has a vulnerability, b is older than the latest,
    # c is not on PyPI, d is yanked
    vuln = {"id": "GHSA-1", "aliases": ["CVE-9"], "fixed_in": [], "withdrawn": None}
    gone = {"id": "GHSA-2", "aliases": [], "fixed_in": ["1"], "withdrawn": "2026-01-01"}
    docs = {
        "a": project("1.0", [vuln, gone]),
        "b": project("2.0"),
        "c": None,
        "d": project("3.0", **{"2.0": [{"yanked": True}]}),
    }
    lines, status = run_audit(empty_snapshot(), docs.__getitem__, "a==1.0", "b==1.0", "c==1",
                              "d==2.0")  # fmt: skip
    # THEN a's vulnerability fails the check; withdrawn ones do not
    assert status == 1
    assert "VULNERABLE a==1.0: GHSA-1 (CVE-9); fixed in: no fix known [PyPI]" in lines
    assert not any("GHSA-2" in line for line in lines)
    # AND the summary says what was checked and what was not
    live = next(line for line in lines if line.startswith("live PyPI"))
    assert "1 pins are the latest release and were checked" in live
    assert "2 not checked (not the latest release): b 1.0 (latest 2.0), d 2.0 (latest 3.0)" in live
    assert "1 not on PyPI: c" in live
    assert "yanked on PyPI: d==2.0" in lines


def test_an_unreachable_pypi_is_reported_and_neither_fails_nor_passes_silently() -> None:
    def offline(name: str) -> dict[str, Any]:
        raise OSError("no route to host")

    lines, status = run_audit(empty_snapshot(), offline, "a==1.0")
    assert status == 0
    assert any(
        line.startswith("live PyPI: unreachable (no route to host); no pin was checked live")
        for line in lines
    )
    assert lines[-1].startswith("OK:")


def test_a_page_that_is_not_json_counts_as_pypi_not_answering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a network that answers every URL with an HTML page (a captive portal)
    import io
    import urllib.request

    monkeypatch.setattr(
        urllib.request, "urlopen", lambda *a, **k: io.BytesIO(b"<html>log in first</html>")
    )
    lines, status = run_audit(empty_snapshot(), audit_deps.fetch_pypi("https://x", 1), "a==1")
    # THEN the live check says PyPI is unreachable; nothing crashes, nothing passes silently
    assert status == 0
    unreachable = "live PyPI: unreachable (https://x/a/json answered something that is not JSON"
    assert any(line.startswith(unreachable) for line in lines)


def test_one_advisory_seen_by_both_sources_is_one_finding() -> None:
    snapshot = empty_snapshot()
    snapshot.by_package["a"] = [
        audit_deps.Affected("PYSEC-1", ("GHSA-1",), "a", ((("introduced", "0"),),), ())
    ]
    vuln = {"id": "GHSA-1", "aliases": ["PYSEC-1"], "fixed_in": [], "withdrawn": None}
    lines, status = run_audit(snapshot, lambda name: project("1.0", [vuln]), "a==1.0")
    assert status == 1
    assert [line for line in lines if line.startswith("VULNERABLE")] == [
        "VULNERABLE a==1.0: PYSEC-1 (GHSA-1); fixed in: no fix known [advisory db]"
    ]


# ------------------------------------------------------------- which offline database


def fake_pypi(monkeypatch: pytest.MonkeyPatch, docs: dict[str, Any]) -> None:
    """urllib answers PyPI's project JSON from ``docs`` (a missing name: 404)."""
    import email.message
    import io
    import urllib.error
    import urllib.request

    def urlopen(request: Any, timeout: float) -> io.BytesIO:
        name = request.full_url.rsplit("/", 2)[-2]
        if name not in docs:
            headers = email.message.Message()
            raise urllib.error.HTTPError(request.full_url, 404, "Not Found", headers, None)
        return io.BytesIO(json.dumps(docs[name]).encode())

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)


def test_without_an_offline_database_only_latest_pins_are_checked_and_it_says_so(
    world: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no offline database (no --snapshot, no environment variable) and a PyPI where a is
    # the latest release and b is not
    fake_pypi(monkeypatch, {"a": project("1.0"), "b": project("2.0")})
    world.constraints.write_text("a==1.0\nb==1.0\n")
    status = audit_deps.main(["--constraints", str(world.constraints),
                              "--ignore", str(world.ignores)])  # fmt: skip
    out = capsys.readouterr().out
    # THEN it passes on what it checked and says, in one line, what it did not check
    assert status == 0
    assert (
        "no offline advisory database given (set CHAMBA_ADVISORY_DB or --snapshot to an OSV "
        "source or a file built by `refresh`): 1 of 2 packages checked against PyPI's live list "
        "only, 1 not checked"
    ) in out.splitlines()
    assert "1 not checked (not the latest release): b 1.0 (latest 2.0)" in out
    assert "advisory db:" not in out
    assert out.splitlines()[-1] == (
        "OK: no known vulnerability in the 1 packages checked against PyPI's live list; "
        "1 packages were not checked"
    )


def test_without_an_offline_database_pypi_findings_still_fail() -> None:
    vuln = {"id": "GHSA-3", "aliases": [], "fixed_in": ["1.1"], "withdrawn": None}
    lines, status = run_audit(None, lambda name: project("1.0", [vuln]), "a==1.0")
    assert status == 1
    assert "VULNERABLE a==1.0: GHSA-3; fixed in: 1.1 [PyPI]" in lines


def test_without_an_offline_database_an_unreachable_pypi_is_no_pass() -> None:
    def offline(name: str) -> dict[str, Any]:
        raise OSError("no route to host")

    # GIVEN no offline database and no answer from PyPI: nothing at all can be checked
    lines, status = run_audit(None, offline, "a==1.0", "b==2.0")
    # THEN it says so and exits 3, not 0
    assert status == 3
    assert "live PyPI: unreachable (no route to host); no pin was checked live" in lines
    assert any("0 of 2 packages checked against PyPI's live list only, 2 not checked" in line
               for line in lines)  # fmt: skip
    assert lines[-1] == "NOT CHECKED: no offline advisory database and no answer from PyPI"
    assert not any(line.startswith("OK") for line in lines)


def test_offline_without_a_database_is_bad_input(
    world: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    world.constraints.write_text("a==1.0\n")
    status = audit_deps.main(["--constraints", str(world.constraints), "--offline"])
    assert status == 2
    assert "--offline needs an offline advisory database" in capsys.readouterr().err


@pytest.mark.parametrize("form", ["built file", "folder", "zip"])
def test_the_environment_variable_names_the_database_in_any_form(
    world: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    form: str,
) -> None:
    # GIVEN OSV files for demo-pkg below 1.2.0, as a built file, a folder or OSV's all.zip
    world.advisories(osv("PYSEC-0000-8", "demo-pkg", [{"introduced": "0"}, {"fixed": "1.2.0"}]))
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(world.osv_dir / "PYSEC-0000-8.json", "PYSEC-0000-8.json")
    path = {"built file": world.snapshot, "folder": world.osv_dir, "zip": archive}[form]
    # WHEN CHAMBA_ADVISORY_DB names it and no --snapshot is given
    monkeypatch.setenv("CHAMBA_ADVISORY_DB", str(path))
    world.constraints.write_text("demo-pkg==1.1.0\n")
    status = audit_deps.main(["--constraints", str(world.constraints),
                              "--ignore", str(world.ignores), "--offline"])  # fmt: skip
    out = capsys.readouterr().out
    # THEN the affected pin fails the check
    assert status == 1
    assert "VULNERABLE demo-pkg==1.1.0: PYSEC-0000-8; fixed in: 1.2.0 [advisory db]" in out
    assert "advisory db: 1 advisories" in out
    assert "no offline advisory database given" not in out


@pytest.mark.parametrize("content", [None, b"not gzip", b"\x1f\x8b broken"])
def test_a_database_that_cannot_be_read_is_bad_input(
    world: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    content: bytes | None,
) -> None:
    path = tmp_path / "db.json.gz"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv("CHAMBA_ADVISORY_DB", str(path))
    world.constraints.write_text("a==1.0\n")
    status = audit_deps.main(["--constraints", str(world.constraints), "--offline"])
    assert status == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_an_unreadable_osv_file_in_a_source_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "PYSEC-0000-9.yaml").write_text("id: [unclosed\n")
    with pytest.raises(audit_deps.AuditError, match="not a readable OSV file"):
        audit_deps.load_database(tmp_path)


def test_no_advisory_data_is_committed() -> None:
    # the offline database is local data: git tracks none and ignores one built by refresh
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)

    tracked = git("ls-files", "requirements/advisories").stdout.split()
    assert tracked == ["requirements/advisories/README.md"]
    assert git("check-ignore", "-q", str(audit_deps.LOCAL_DB)).returncode == 0


def test_the_real_pinned_set_is_readable() -> None:
    pins = audit_deps.read_pins(audit_deps.CONSTRAINTS)
    assert len(pins) > 100
    assert len({p.name for p in pins}) == len(pins), "a package is pinned twice"


def test_installed_distributions_beyond_the_pins_can_be_audited_too() -> None:
    # GIVEN this interpreter's distributions, pinned at their own versions but one
    import importlib.metadata as md

    from packaging.utils import canonicalize_name

    here = {canonicalize_name(d.metadata["Name"]): d.version for d in md.distributions()}
    pins = [audit_deps.Pin(n, v) for n, v in here.items() if n not in ("pytest", "chamba")]
    # THEN only that one is found beyond the pins (the project itself is never audited)
    extra = audit_deps.installed_beyond(pins)
    assert [p.name for p in extra] == ["pytest"]
    # AND a pin without a local label covers a local build (2.13.0 covers 2.13.0+cpu)
    local = [audit_deps.Pin(p.name, p.version.split("+")[0]) for p in pins]
    assert [p.name for p in audit_deps.installed_beyond(local)] == ["pytest"]
    # AND the audit names what it adds
    lines, _ = audit_deps.audit([], empty_snapshot(), [], TODAY, None, [audit_deps.Pin("pip", "1")])
    assert "installed here, not pinned: pip 1" in lines
