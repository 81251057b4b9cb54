"""Job search as people type it: place names, region names, institutions, typos, relevance."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session
from tests.support.factories import AREQUIPA, CUSCO, LIMA_CERCADO, MIRAFLORES
from tests.support.problems import assert_problem

from chamba.db import utcnow
from chamba.jobs.models import Job, JobStatus
from chamba.jobs.schemas import JobSearch
from chamba.jobs.search import parse_query, search_jobs
from chamba.orgs.models import Organisation, OrgKind

pytestmark = pytest.mark.usefixtures("hashed_matching")


def _job(session: Session, title: str, ubigeo: str | None = LIMA_CERCADO, **kw: Any) -> Job:
    job = Job(title=title, description=kw.pop("description", ""), ubigeo=ubigeo,
              remote=ubigeo is None, status=JobStatus.OPEN, **kw)  # fmt: skip
    session.add(job)
    session.flush()
    return job


def _ids(client: Any, query: str) -> list[int]:
    response = client.get(f"/api/v1/jobs?{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_a_place_in_the_words_is_a_place_not_a_word(client: Any, seeded_session: Session) -> None:
    # GIVEN lawyers and cashiers in Lima, Arequipa and Cusco; no text names the place
    s = seeded_session
    lima = _job(s, "Abogado", MIRAFLORES, description="Asesoría legal a la gerencia.")
    cusco = _job(s, "Abogado", CUSCO, description="Asesoría legal.")
    cajero = _job(s, "Cajero de agencia", AREQUIPA)
    _job(s, "Cajero de agencia", LIMA_CERCADO)
    # WHEN people type a trade and a place THEN only the trade in that place is found
    assert _ids(client, "q=abogado lima") == [lima.id]
    assert _ids(client, "q=abogado+en+Cusco") == [cusco.id]
    # AND a woman's form of the trade finds the posting written in the man's form
    assert _ids(client, "q=cajera en arequipa") == [cajero.id]
    # AND the reading is explained by the parser
    assert parse_query("cajera en arequipa").places == ["04"]
    assert parse_query("ingeniero civil la libertad").places == ["13"]


def test_region_takes_names_as_well_as_codes(client: Any, seeded_session: Session) -> None:
    s = seeded_session
    lima = _job(s, "Secretaria", MIRAFLORES)
    cusco = _job(s, "Secretaria", CUSCO)
    assert _ids(client, "q=secretaria&region=lima") == [lima.id]
    assert _ids(client, "q=secretaria&region=15") == [lima.id]
    assert _ids(client, "q=secretaria&region=Cusco") == [cusco.id]
    assert _ids(client, "q=secretaria&region=Cuzco") == [cusco.id]  # the old spelling
    assert cusco.id not in _ids(client, "q=secretaria&near=miraflores, lima")
    # AND a name that is no place is a problem naming the field, with suggestions, no regex
    response = client.get("/api/v1/jobs?region=Arequipaa")
    assert_problem(response, 422, field="region")
    assert "Arequipa" in response.text
    assert "^\\\\d" not in response.text


def test_institution_names_are_searched(client: Any, seeded_session: Session) -> None:
    s = seeded_session
    org = Organisation(kind=OrgKind.EMPLOYER, name="Superintendencia Nacional de Migraciones")
    s.add(org)
    s.flush()
    job = _job(s, "Asistente administrativo", organisation_id=org.id)
    _job(s, "Asistente administrativo")
    assert _ids(client, "q=asistente migraciones") == [job.id]


def test_typos_still_find_the_trade(client: Any, seeded_session: Session) -> None:
    s = seeded_session
    job = _job(s, "Abogado especialista en contrataciones")
    _job(s, "Chofer de camioneta")
    assert _ids(client, "q=avogado") == [job.id]
    assert _ids(client, "q=chofer") != [job.id]


def test_relevance_before_recency(seeded_session: Session) -> None:
    # GIVEN an older posting about electricians and a newer one that names them in passing
    # (each has one query word in its title and one in its description)
    s = seeded_session
    now = utcnow()
    about = _job(
        s,
        "Electricista",
        posted_at=now - timedelta(days=9),
        description="Técnico electricista: tableros e instalaciones de electricista.",
    )
    passing = _job(s, "Técnico de almacén", posted_at=now - timedelta(days=1),
                   description="Apoya al electricista los sábados.")  # fmt: skip
    # WHEN searched THEN the posting about the trade comes first, whatever its age
    page = search_jobs(s, JobSearch(q="tecnico electricista"), now=now)
    assert [j.id for j in page.items] == [about.id, passing.id]


def test_occupation_filter_takes_an_id_or_a_name(client: Any, seeded_session: Session) -> None:
    # GIVEN a cashier posting and a welder posting (the catalogue's occupations) and one with none
    s = seeded_session
    cashier = _job(s, "Atención en caja", occupation_id="cashier")
    welder = _job(s, "Taller metálico", occupation_id="welder_fabricator")
    _job(s, "Atención en caja y taller")
    # WHEN people filter by the occupation's id or its name  THEN only that occupation's jobs
    assert _ids(client, "occupation=cashier") == [cashier.id]
    assert _ids(client, "occupation=Cajero") == [cashier.id]
    assert _ids(client, "occupation=soldador&q=taller") == [welder.id]
    # AND a name no occupation has is a problem naming the field
    assert_problem(client.get("/api/v1/jobs?occupation=zzqxw"), 422, field="occupation")


def test_a_trade_in_the_title_ranks_before_a_trade_in_the_description(
    client: Any, seeded_session: Session
) -> None:
    # GIVEN, like the SERVIR postings of the Poder Judicial, five newer legal assistants whose
    # long descriptions name lawyers again and again, two older postings titled "Abogado" with
    # descriptions that name the trade once or not at all, all in Lima, and a lawyer in Cusco
    s = seeded_session
    now = utcnow()
    org = Organisation(kind=OrgKind.EMPLOYER, name="Poder Judicial del Perú")
    s.add(org)
    s.flush()
    duties = (
        "Apoyo a los abogados del despacho en la revisión de expedientes; proyecta escritos "
        "para el abogado responsable; coordina con abogados y secretarios judiciales. Requisito: "
        "bachiller en derecho o abogado colegiado. Sede Lima, Cercado de Lima."
    )
    titled = [
        _job(s, "Abogado (A) Especialista en Contrataciones", MIRAFLORES, organisation_id=org.id,
             posted_at=now - timedelta(days=20),
             description="Título profesional en Derecho, colegiado y habilitado. Sede Lima."),
        _job(s, "Abogado(A)", LIMA_CERCADO, organisation_id=org.id,
             posted_at=now - timedelta(days=30),
             description="Asesoría legal a la gerencia; elabora informes. Experiencia como "
                         "abogado en el sector público."),
    ]  # fmt: skip
    assistants = [
        _job(s, title, LIMA_CERCADO, organisation_id=org.id, posted_at=now - timedelta(days=i),
             description=duties)
        for i, title in enumerate(
            ["Asistente Administrativo Legal", "Asistente Legal", "Asistente Administrativo Legal",
             "Asistente Legal", "Asistente Judicial"], start=1,
        )
    ]  # fmt: skip
    _job(s, "Abogado (A)", CUSCO, organisation_id=org.id, description="Sede Cusco.")
    # WHEN a person searches for the trade in the place (API, with its semantic similarity)
    found = _ids(client, "q=abogado lima")
    # THEN the postings titled with the trade come first, then those that only mention it,
    # and the place still keeps only Lima's postings
    assert set(found[:2]) == {j.id for j in titled}
    assert set(found[2:]) == {j.id for j in assistants}
    # AND the same holds for the lexical relevance alone (the web page without indexes)
    page = search_jobs(s, JobSearch(q="abogado lima"), now=now)
    assert {j.id for j in page.items[:2]} == {j.id for j in titled}
    assert len(page.items) == len(titled) + len(assistants)


def _reference_order(s: Session, ids: list[int], q: str) -> list[int]:
    """The order search gave before it had a first stage: BM25 over every term of each
    posting's counted text (``lexical_scores`` over ``doc_terms``), plus the idf-weighted share
    of the query's words in the title, then newer first."""
    from chamba.search import LEXICAL_MIN_DOCS, doc_terms, idf_of, lexical_scores, stem, terms

    jobs = [s.get(Job, i) for i in ids]
    parsed = parse_query(q)
    query = terms(" ".join(parsed.words + parsed.place_words))
    trade = list(dict.fromkeys(terms(" ".join(parsed.words))))
    docs = [doc_terms(f"{j.search_title} {j.search_text}") for j in jobs if j]
    n = len(docs)
    df = {t: sum(1 for d in docs if t in d.counts) for t in dict.fromkeys(query)}
    idf = idf_of(df, n) if n >= LEXICAL_MIN_DOCS else (lambda _t: 1.0)
    scores = lexical_scores([query], docs, np.zeros(n, np.int64), np.arange(n), idf=idf)
    weights = {t: idf(t) for t in trade}
    for k, job in enumerate(j for j in jobs if j):
        words = [w for w in job.search_title.split() if len(w) > 1 and not w.isdigit()]
        title = {*words, *(f"~{stem(w)}" for w in words)}
        scores[k] += sum(w for t, w in weights.items() if t in title) / sum(weights.values())
    key = {j.id: (-round(float(v), 9), -j.posted_at.timestamp(), -j.id)
           for j, v in zip((j for j in jobs if j), scores, strict=True)}  # fmt: skip
    return sorted(key, key=key.__getitem__)


def _trade_postings(s: Session, n_titled: int, n_mentions: int) -> tuple[list[Job], list[Job]]:
    """``n_titled`` older postings titled "Electricista" (one with a typo'd plural), and
    ``n_mentions`` newer ones that only name electricians, more and more often."""
    now = utcnow()
    titled = [
        _job(s, "Electricista" if i % 2 else "Electricistas de obra", posted_at=now - timedelta(
            days=40 + i), description="Instalaciones eléctricas, tableros." + " obra" * i)
        for i in range(n_titled)
    ]  # fmt: skip
    mentions = [
        _job(s, f"Ayudante de almacén {i}", posted_at=now - timedelta(days=1 + i % 30),
             description="Apoyo al electricista. " * (1 + i % 4) + "Turno día" + " noche" * i)
        for i in range(n_mentions)
    ]  # fmt: skip
    return titled, mentions


def test_search_order_is_bm25_over_every_term_when_all_are_fully_ranked(
    seeded_session: Session,
) -> None:
    # GIVEN 30 postings that name the trade, in their title or only in their description,
    # with texts of different lengths (BM25's length norm and idf over 30 postings count)
    s = seeded_session
    titled, mentions = _trade_postings(s, 4, 26)
    ids = [j.id for j in titled + mentions]
    # WHEN searched (fewer matches than search fully ranks)
    page = search_jobs(s, JobSearch(q="electricista lima", per_page=100), now=utcnow())
    # THEN the order is exactly the reference: BM25 over each posting's every term, title share
    assert [j.id for j in page.items] == _reference_order(s, ids, "electricista lima")
    assert {j.id for j in page.items[:4]} == {j.id for j in titled}
    assert page.total == 30


def _first_stage(
    s: Session, monkeypatch: pytest.MonkeyPatch, n_titled: int, n_mentions: int, fully_ranked: int
) -> tuple[list[Job], list[int]]:
    """:func:`_trade_postings` with a search that fully ranks ``fully_ranked`` postings: the
    titled postings, and the ids whose posting texts search reads (``repository.search_texts``)
    from now on."""
    from chamba.jobs import repository
    from chamba.jobs import search as job_search

    titled, _ = _trade_postings(s, n_titled, n_mentions)
    monkeypatch.setattr(job_search, "FULLY_RANKED", fully_ranked)
    read: list[int] = []
    texts = repository.search_texts

    def spy(session: Session, ids: Any) -> dict[int, str]:
        read.extend(ids)
        return texts(session, ids)

    monkeypatch.setattr(repository, "search_texts", spy)
    return titled, read


def test_search_reads_the_text_of_the_first_stage_only_and_keeps_titles_first(
    seeded_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 5 older postings titled with the trade and 35 newer ones that only mention it,
    # and a search that fully ranks 8 postings
    from chamba.jobs import search as job_search

    s = seeded_session
    titled, read = _first_stage(s, monkeypatch, 5, 35, fully_ranked=8)
    # WHEN searched, page 1 and page 2 of 8
    first = search_jobs(s, JobSearch(q="electricista", per_page=8), now=utcnow())
    second = search_jobs(s, JobSearch(q="electricista", page=2, per_page=8), now=utcnow())
    # THEN only the 8 fully ranked postings' texts were read, each time
    assert len(read) == 16
    # AND the titled postings come first, ranked with the first 8 by full relevance exactly
    # as the reference ranks those 8 alone; the next page repeats none of them
    assert {j.id for j in first.items[:5]} == {j.id for j in titled}
    page_ids = [j.id for j in first.items]
    assert page_ids == _reference_order(s, page_ids, "electricista")
    assert not set(page_ids) & {j.id for j in second.items}
    assert first.total == second.total == 40
    # AND when only the newest 30 are ranked, the count is still all 40
    monkeypatch.setattr(job_search, "MAX_RANKED", 30)
    newest = search_jobs(s, JobSearch(q="electricista", per_page=8), now=utcnow())
    assert newest.total == 40
    assert not {j.id for j in newest.items} & {j.id for j in titled}


def test_near_search_reads_the_text_of_the_first_stage_only(
    seeded_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN, all in one district, 3 older postings titled with the trade and 12 newer ones that
    # only mention it, and a search that fully ranks 4
    s = seeded_session
    titled, read = _first_stage(s, monkeypatch, 3, 12, fully_ranked=4)
    # WHEN searched near that district
    page = search_jobs(s, JobSearch(q="electricista", near=LIMA_CERCADO, per_page=20), now=utcnow())
    # THEN only 4 texts were read, the titled postings come first at their equal distance,
    # and every match is listed and counted
    assert len(read) == 4
    ids = [j.id for j in page.items]
    assert set(ids[:3]) == {j.id for j in titled}
    assert page.total == len(ids) == 15
