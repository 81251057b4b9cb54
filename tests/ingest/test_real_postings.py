"""Imports of real postings (``../shared/data/servir`` and ``jobs-ar``): every job gets skills.

SERVIR rows become schema.org JobPosting JSON-LD (their ``skills`` column as the free skill
names, the knowledge and skills text as the description); Bumeran ads become a CSV with their
full descriptions. The built-in catalogue is loaded; the default encoder tags the texts.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from chamba.ingest.service import import_file
from chamba.ingest.skills import SkillLookup
from chamba.jobs.models import Job
from chamba.nlp.encoder import get_encoder
from chamba.taxonomy.catalogue import load_catalogue

N_POSTINGS = 24


@pytest.fixture
def catalogue(session: Session) -> Session:
    load_catalogue(session)
    session.flush()
    return session


def _servir_rows(shared_data: Path) -> list[dict[str, str]]:
    path = shared_data / "servir" / "postings_2025-01-14.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if len(r["required_knowledge"]) > 15 and len(r["skills"]) > 15
        ]
    return rows[:: max(1, len(rows) // N_POSTINGS)][:N_POSTINGS]


def _jobposting(row: dict[str, str]) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "identifier": row["uuid"],
        "title": row["job_title"],
        "description": (
            f"Conocimientos:\n{row['required_knowledge']}\nHabilidades:\n{row['skills']}"
        ),
        "hiringOrganization": {"@type": "Organization", "name": row["public_institution"]},
        "jobLocationType": "TELECOMMUTE",
        "skills": [s.strip(" .•*") for s in row["skills"].replace("•", ",").split(",")],
    }


def _jobs(session: Session) -> list[Job]:
    return list(session.scalars(select(Job).options(selectinload(Job.skills))).all())


def test_servir_jsonld_postings_all_import_with_skills(
    catalogue: Session, shared_data: Path, tmp_path: Path
) -> None:
    # GIVEN real SERVIR postings as JSON-LD whose free skill names the taxonomy mostly lacks
    rows = _servir_rows(shared_data)
    path = tmp_path / "servir.jsonld"
    path.write_text(json.dumps([_jobposting(r) for r in rows], ensure_ascii=False), "utf-8")
    stages: list[str] = []
    # WHEN they are imported
    report = import_file(
        catalogue,
        "jobs",
        path,
        progress=lambda stage, done, total: stages.append(stage),
        encoder=get_encoder(threads=2),
    )
    # THEN no posting is rejected for an unknown skill name, and each one has skills
    assert report.errors == []
    assert report.created == len(rows)
    jobs = _jobs(catalogue)
    assert all(job.skills for job in jobs), [j.title for j in jobs if not j.skills]
    # AND names no skill matches are kept with their posting
    assert sum(bool(job.unlinked_skills) for job in jobs) > len(jobs) // 2
    # AND the tagging reported its progress
    assert "skills" in stages


def test_bumeran_csv_ads_get_skills_from_their_descriptions(
    catalogue: Session, shared_data: Path, tmp_path: Path
) -> None:
    # GIVEN real Bumeran ads (full descriptions, no skill column) as a CSV
    source = sorted((shared_data / "jobs-ar").glob("*.csv"))[0]
    with source.open(encoding="utf-8-sig", newline="") as handle:
        ads = [a for a in csv.DictReader(handle) if len(a["descripcion"]) > 300][:N_POSTINGS]
    path = tmp_path / "ads.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "titulo", "empresa", "remoto", "descripcion"])
        for ad in ads:
            writer.writerow([ad["id_oferta"], ad["titulo"], ad["empresa"], "sí", ad["descripcion"]])
    # WHEN they are imported
    report = import_file(catalogue, "jobs", path, encoder=get_encoder(threads=2))
    # THEN every ad is written and nearly every one has skills read from its text
    assert report.errors == []
    jobs = _jobs(catalogue)
    assert len(jobs) == len(ads)
    assert sum(bool(job.skills) for job in jobs) >= 0.9 * len(jobs)


def test_import_without_tagging_keeps_only_the_named_skills(
    catalogue: Session, shared_data: Path, tmp_path: Path
) -> None:
    # GIVEN the SERVIR postings, imported with extract_skills=False
    rows = _servir_rows(shared_data)[:8]
    postings = [_jobposting(r) for r in rows]
    path = tmp_path / "servir.jsonld"
    path.write_text(json.dumps(postings, ensure_ascii=False), "utf-8")
    import_file(catalogue, "jobs", path, extract_skills=False)
    # THEN each job holds exactly the skills its names link to, the rest unlinked
    lookup = SkillLookup(catalogue)

    def linked(name: str) -> str | None:
        try:
            return lookup.resolve(name)
        except ValueError:
            return None

    by_id = {job.external_id: job for job in _jobs(catalogue)}
    for posting in postings:
        job = by_id[posting["identifier"]]
        names = [n for n in posting["skills"] if n]
        assert {s.skill_id for s in job.skills} == {linked(n) for n in names} - {None}
        assert set(job.unlinked_skills) == {n for n in names if linked(n) is None}
