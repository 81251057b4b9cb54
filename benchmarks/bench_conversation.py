"""Benchmark the guided conversation against the single free-text box; prints one JSON object.

Usage::

    PYTHONPATH=src python benchmarks/bench_conversation.py [--extractor lexicon|full|both]

``lexicon`` (the default) takes seconds; ``full`` adds the semantic matcher (minutes on 2 CPUs).

Each persona of ``benchmarks/data/conversation_personas.json`` (informal work histories whose
true skills were written before this benchmark was first run) is played twice on a temporary
SQLite database with the built-in catalogue:

* ``free_text_box`` (the baseline): the person's one-box text goes through
  ``people.service.propose_skills`` as the ``/descubre`` page does;
* ``conversation``: the deterministic interviewer asks its plan; the person answers with the
  scripted answer of each (topic, phase), skips what is not scripted, and at every turn confirms
  the proposals that are among their true skills and rejects the rest.

``all_answers_one_box`` is a diagnostic: every scripted answer pasted into one box. It shows how
much of the gain comes from what the questions make people say rather than from the reading.

Metrics per variant: ``recall`` = share of true skills proposed (micro over all personas, and
the mean per persona), ``confirmed_share`` = share of proposals the person confirmed (precision
as the person sees it), proposals and questions per person.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy.orm import Session  # noqa: E402

from chamba.conversation import plan  # noqa: E402
from chamba.conversation import service as conversation  # noqa: E402
from chamba.conversation.models import Conversation  # noqa: E402
from chamba.conversation.schemas import ConversationIn  # noqa: E402
from chamba.nlp import service as nlp_service  # noqa: E402
from chamba.nlp.extraction import SkillExtractor  # noqa: E402
from chamba.people import service as people_service  # noqa: E402
from chamba.people.models import Person  # noqa: E402

PERSONAS = ROOT / "benchmarks" / "data" / "conversation_personas.json"


def _person(session: Session, key: str) -> Person:
    person = Person(source="bench", external_id=key)
    session.add(person)
    session.flush()
    loaded = people_service.get_person(session, person.id)
    assert loaded is not None
    return loaded


def _one_box(session: Session, key: str, text: str) -> set[str]:
    person = _person(session, key)
    return {p.skill_id for p in people_service.propose_skills(session, person, text, "es")}


def _interview(session: Session, persona: dict[str, Any]) -> tuple[set[str], int]:
    person = _person(session, f"{persona['id']}-conv")
    truth = set(persona["true_skills"])
    out = conversation.view(session, person, "es")
    decided: set[str] = set()
    asked = 0
    for _ in range(len(plan.steps()) + 1):
        if out.done:
            break
        assert out.topic is not None
        state = session.get(Conversation, person.id)
        phase = state.state["phase"] if state is not None else "open"
        answer = persona["answers"].get(out.topic, {}).get(phase)
        if answer is None and phase == "open":
            answer = "No"
        pending = [p.id for p in out.proposals if p.id not in decided]
        confirm = [i for i in pending if i in truth]
        reject = [i for i in pending if i not in truth]
        decided.update(pending)
        data = ConversationIn(
            message=answer or "", skip=answer is None, confirm=confirm, reject=reject
        )
        out = conversation.converse(session, person, data, "es")
        asked += 1
    pending = [p.id for p in out.proposals if p.id not in decided]
    if pending:  # the decisions on the last answer's proposals
        confirm = [i for i in pending if i in truth]
        reject = [i for i in pending if i not in truth]
        out = conversation.converse(
            session, person, ConversationIn(confirm=confirm, reject=reject), "es"
        )
    return {p.id for p in out.proposals}, asked


def _metrics(rows: list[tuple[set[str], set[str]]], questions: list[int]) -> dict[str, Any]:
    true_total = sum(len(t) for t, _ in rows)
    hits = sum(len(t & p) for t, p in rows)
    proposed = sum(len(p) for _, p in rows)
    per_person = [len(t & p) / len(t) for t, p in rows if t]
    return {
        "recall": round(hits / true_total, 3) if true_total else None,
        "recall_mean_per_person": round(sum(per_person) / len(per_person), 3),
        "confirmed_share": round(hits / proposed, 3) if proposed else None,
        "proposals_per_person": round(proposed / len(rows), 2),
        "true_skills_proposed": hits,
        "true_skills": true_total,
        "proposals": proposed,
        "questions_per_person": round(sum(questions) / len(questions), 2) if questions else 1,
    }


def run(extractor_kind: str, personas: list[dict[str, Any]], tmp: Path) -> dict[str, Any]:
    from chamba.api.app import prepare_database
    from chamba.db import make_engine

    engine = make_engine(f"sqlite:///{tmp / f'bench-{extractor_kind}.db'}")
    prepare_database(engine)
    original = nlp_service.get_extractor
    started = time.perf_counter()
    try:
        with Session(engine) as session:
            extractor = SkillExtractor.from_session(session, semantic=extractor_kind == "full")
            nlp_service.get_extractor = lambda *a, **k: extractor
            built = time.perf_counter() - started
            box, all_box, conv, asked = [], [], [], []
            for persona in personas:
                truth = set(persona["true_skills"])
                box.append((truth, _one_box(session, persona["id"], persona["free_text"])))
                every = ". ".join(
                    a for answers in persona["answers"].values() for a in answers.values()
                )
                all_box.append((truth, _one_box(session, f"{persona['id']}-all", every)))
                found, n = _interview(session, persona)
                conv.append((truth, found))
                asked.append(n)
            session.rollback()
    finally:
        nlp_service.get_extractor = original
        engine.dispose()
    return {
        "free_text_box": _metrics(box, []),
        "conversation": _metrics(conv, asked),
        "all_answers_one_box": _metrics(all_box, []),
        "extractor_build_s": round(built, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extractor", choices=["full", "lexicon", "both"], default="lexicon")
    args = parser.parse_args()
    personas = json.loads(PERSONAS.read_text(encoding="utf-8"))
    kinds = ["lexicon", "full"] if args.extractor == "both" else [args.extractor]
    result: dict[str, Any] = {"personas": len(personas)}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            result[kind] = run(kind, personas, Path(tmp))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
