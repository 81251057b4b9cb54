"""End-to-end runs of the ``chamba`` commands against a fresh SQLite database in a temp folder."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1]


def chamba(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chamba", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CHAMBA_DATA_DIR": str(data_dir), "COLUMNS": "200"},
        check=False,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


def test_taxonomy_export_writes_the_documented_columns(data_dir: Path, tmp_path: Path) -> None:
    # WHEN skills and occupations are exported from a fresh database
    skills_csv, occ_csv = tmp_path / "skills.csv", tmp_path / "occupations.csv"
    first = chamba(data_dir, "taxonomy", "export", "skills", "--output", str(skills_csv))
    second = chamba(data_dir, "taxonomy", "export", "occupations", "--output", str(occ_csv))
    # THEN both succeed with the contract's columns and the built-in catalogue's rows
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    with skills_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "id",
        "label_es",
        "label_en",
        "sector",
        "type",
        "esco_uri",
        "synonyms_es",
        "synonyms_en",
    ]
    assert len(rows) >= 400
    quechua = next(r for r in rows if r["id"] == "quechua")
    assert quechua["sector"] == "languages"
    with occ_csv.open(encoding="utf-8") as fh:
        occupations = list(csv.DictReader(fh))
    assert list(occupations[0]) == [
        "id",
        "label_es",
        "label_en",
        "isco_code",
        "esco_uri",
        "essential_skills",
        "optional_skills",
    ]
    assert len(occupations) >= 60
    assert all(len(o["isco_code"]) == 4 for o in occupations)


def test_import_esco_from_an_official_format_folder(data_dir: Path, tmp_path: Path) -> None:
    result = chamba(
        data_dir, "taxonomy", "import-esco", str(FIXTURES / "taxonomy" / "fixtures" / "esco_small")
    )
    assert result.returncode == 0, result.stderr
    assert "skills:" in result.stdout
    missing = chamba(data_dir, "taxonomy", "import-esco", str(tmp_path / "nowhere"))
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith("not a folder")


def _jobs_csv(path: Path, bad_wage: bool = False) -> Path:
    wage_max = "1000" if bad_wage else "1600"
    path.write_text(
        "id,titulo,empresa,ubicacion,sueldo_min,sueldo_max,horas,habilidades\n"
        'c-1,Cajera de bodega,Bodega Doña Rosa,"San Juan de Lurigancho, Lima",1130,1300,48,'
        "caja|atención al cliente\n"
        f'c-2,Cosechador de espárragos,Agrícola Chincha,"Ica",1200,{wage_max},48,'
        "cosecha de espárragos\n",
        encoding="utf-8",
    )
    return path


def test_import_jobs_is_idempotent_and_all_or_nothing(data_dir: Path, tmp_path: Path) -> None:
    # GIVEN a valid jobs file
    good = _jobs_csv(tmp_path / "jobs.csv")
    # WHEN it is imported twice
    first = chamba(data_dir, "import", "jobs", str(good), "--json")
    again = chamba(data_dir, "import", "jobs", str(good), "--json")
    # THEN the first creates both jobs and the second changes nothing
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["created"] == 2
    assert json.loads(again.stdout)["unchanged"] == 2
    # AND a file with a bad row imports nothing, exits 1 and names the line and field
    bad = _jobs_csv(tmp_path / "bad.csv", bad_wage=True)
    failed = chamba(data_dir, "import", "jobs", str(bad), "--source", "otra")
    assert failed.returncode == 1
    assert "line 3, sueldo_max" in failed.stdout
    assert failed.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "nothing was imported" in failed.stderr
    skipped = chamba(
        data_dir, "import", "jobs", str(bad), "--source", "otra", "--skip-invalid", "--json"
    )
    assert skipped.returncode == 0, skipped.stderr
    assert json.loads(skipped.stdout)["created"] == 1


def test_import_takes_the_encoding_its_advice_names(data_dir: Path, tmp_path: Path) -> None:
    # GIVEN the jobs file saved by old Excel in Windows-1252
    latin = tmp_path / "jobs_cp1252.csv"
    latin.write_bytes(_jobs_csv(tmp_path / "jobs.csv").read_text("utf-8").encode("cp1252"))
    # WHEN imported as UTF-8 THEN it is refused, advising the option
    refused = chamba(data_dir, "import", "jobs", str(latin))
    assert refused.returncode == 1
    assert "--encoding cp1252" in refused.stderr
    # AND with the option it imports
    done = chamba(data_dir, "import", "jobs", str(latin), "--encoding", "cp1252", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 2


def test_only_the_demo_runs_without_a_secret(data_dir: Path) -> None:
    # GIVEN an environment with no secret and no CHAMBA_ENV (a plain docker run)
    bare = {k: v for k, v in os.environ.items() if k not in ("CHAMBA_ENV", "CHAMBA_SECRET_KEY")}
    bare.update(CHAMBA_DATA_DIR=str(data_dir), COLUMNS="200")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "chamba", *args],
            capture_output=True, text=True, timeout=300, env=bare, check=False,
        )  # fmt: skip

    # WHEN the app's commands start THEN they refuse the public placeholder secret
    refused = run("migrate")
    assert refused.returncode == 1
    assert "CHAMBA_SECRET_KEY" in refused.stderr
    # AND the demo, which is local development, runs (ESCO left out: its skill vectors take
    # minutes on a busy machine and are tested in tests/taxonomy)
    demo = run("demo", "--size", "10", "--no-serve", "--no-esco")
    assert demo.returncode == 0, demo.stderr


def test_demo_generates_and_loads_without_serving(data_dir: Path) -> None:
    # WHEN a small demo is generated twice with the same seed (the second replaces the first)
    # (without ESCO, whose import and skill vectors are tested in tests/taxonomy)
    first = chamba(data_dir, "demo", "--size", "120", "--seed", "5", "--no-serve", "--no-esco")
    second = chamba(data_dir, "demo", "--size", "120", "--seed", "5", "--no-serve", "--no-esco")
    # THEN both succeed, the data is in the SQLite database and the ground truth beside it
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "120 people" in second.stdout
    assert (data_dir / "demo" / "ground_truth.json").is_file()
    assert (data_dir / "demo" / "ground_truth.npz").is_file()
    import sqlite3

    with sqlite3.connect(data_dir / "chamba.db") as db:
        assert db.execute("SELECT count(*) FROM people WHERE source = 'demo'").fetchone() == (120,)
        assert db.execute("SELECT count(*) FROM jobs WHERE status = 'open'").fetchone()[0] > 50
        # AND one log-in per role exists (created once, reset on the second run)
        roles = db.execute("SELECT role, count(*) FROM users GROUP BY role").fetchall()
        assert dict(roles) == dict.fromkeys(
            ("seeker", "employer", "provider", "counselor", "analyst", "admin"), 1
        )
        assert db.execute("SELECT count(*) FROM people WHERE user_id IS NOT NULL").fetchone() == (
            1,
        )
    assert "buscador@demo.chamba.pe" in second.stdout
    assert "chamba-demo-2026" in second.stdout
    # AND the match indexes were built and saved for the server
    assert any((data_dir / "index").rglob("*.npz"))
