"""The guided conversation: ask, read skills from each answer, let the person decide.

The interviewer is deterministic by default (:mod:`chamba.conversation.plan` + the skill
extractor of :mod:`chamba.nlp`) and needs no network. With a chat model configured
(:mod:`chamba.nlp.llm`), the model may re-phrase each question around the last answer and
suggest skill names; a suggestion counts only when it maps to a skill of the taxonomy and quotes
the person's own words, and it is only ever *proposed*: the person confirms or rejects every
skill. The model's text is plain text (escaped wherever shown); any failure falls back to the
plan's wording.

State lives in one ``conversations`` row per person, so an interview can be left and resumed.
Proposals are also stored as unconfirmed skills on the profile (as the free-text box does);
confirming one makes it part of the profile. Services flush, never commit.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy.orm import Session

from chamba.conversation import plan, repository
from chamba.conversation.models import Conversation
from chamba.conversation.schemas import ConversationIn, ConversationOut, ProposalOut, TurnOut
from chamba.errors import InvalidInput
from chamba.nlp import service as nlp_service
from chamba.nlp.llm import ChatClient, clean_text, json_list
from chamba.people import repository as people_repository
from chamba.people import service as people_service
from chamba.people.models import Person
from chamba.text import strip_accents
from chamba.vocab import SkillLevel

#: Most proposals one conversation keeps.
MAX_PROPOSALS: Final = 80
#: Turns kept in the state (older ones are dropped; their proposals stay).
MAX_TURNS: Final = 40
#: Longest question a chat model may phrase, in characters.
MAX_QUESTION_CHARS: Final = 400
#: Skills a chat model may suggest per answer.
MAX_LLM_SKILLS: Final = 8

_PHRASE_PROMPT = {
    "es": (
        "Eres el entrevistador amable de Chamba, un servicio de empleo en Perú. Hablas con "
        "personas de pocos recursos. Reescribe la PREGUNTA en español muy sencillo, en una o "
        "dos frases cortas, y si hay una RESPUESTA ANTERIOR agradécela en pocas palabras. No "
        "agregues preguntas nuevas ni inventes datos. Responde solo con el texto, sin comillas."
    ),
    "en": (
        "You are the friendly interviewer of Chamba, a job service in Peru. Rewrite the "
        "QUESTION in very plain English, in one or two short sentences, and if there is a "
        "PREVIOUS ANSWER thank the person briefly. Do not add questions or invent facts. Reply "
        "with the text only, no quotes."
    ),
}
_SKILLS_PROMPT = (
    "From the ANSWER, list the work skills the person shows. Reply with a JSON array only: "
    '[{"skill": "short skill name in Spanish", "quote": "the exact words of the answer"}]. '
    "Use only what the answer says. [] when there is none."
)


def _fold(text: str) -> str:
    return " ".join(strip_accents(text).casefold().split())


def _new_state(lang: plan.Lang) -> dict[str, Any]:
    first = plan.TOPICS[0]
    return {
        "topic": first.key,
        "phase": "open",
        "question": first.question("open", lang),
        "phrased_by": "template",
        "answered": 0,
        "turns": [],
        "proposals": [],
        "years": {},
        "summary": None,
    }


def _load(session: Session, person: Person) -> Conversation | None:
    return stored(session, person.id)


def stored(session: Session, person_id: int) -> Conversation | None:
    """The person's stored conversation (for their data export), or ``None``."""
    return repository.of_person(session, person_id)


def _state_of(row: Conversation | None, lang: plan.Lang) -> dict[str, Any]:
    if row is None or not row.state:
        return _new_state(lang)
    return copy.deepcopy(row.state)  # the stored value must stay as loaded to see changes


def view(session: Session, person: Person, lang: plan.Lang) -> ConversationOut:
    """The conversation as it stands (a new one when the person has none; nothing is saved)."""
    return _out(session, _state_of(_load(session, person), lang), lang)


def restart(session: Session, person: Person) -> None:
    """Forget the conversation (skills already confirmed stay on the profile)."""
    row = _load(session, person)
    if row is not None:
        repository.delete(session, row)


def converse(
    session: Session,
    person: Person,
    data: ConversationIn,
    lang: plan.Lang,
    llm: ChatClient | None = None,
) -> ConversationOut:
    """One turn: apply the decisions, read the answer, move to the next question.

    Args:
        session: an open session (flushed, not committed).
        person: the seeker, skills loaded.
        data: the answer (``message``; ``skip`` passes), and proposed skill ids to ``confirm``
            or ``reject``.
        lang: language of the questions and labels.
        llm: a chat client to phrase questions and suggest skills, or ``None``.

    Raises:
        InvalidInput: a decision names a skill that was not proposed in this conversation.
    """
    row = _load(session, person)
    state = _state_of(row, lang)
    _decide(session, person, state, data.confirm, data.reject)
    answer = clean_text(data.message, 2000)
    if state["topic"] is not None and (answer or data.skip):
        _answer(session, person, state, answer, lang, llm)
    repository.save(session, row, person.id, state)  # a new dict: SQLAlchemy sees the change
    return _out(session, state, lang)


# --- decisions --------------------------------------------------------------------------------


def _decide(
    session: Session,
    person: Person,
    state: dict[str, Any],
    confirm: list[str],
    reject: list[str],
) -> None:
    if not confirm and not reject:
        return
    proposals = {p["id"]: p for p in state["proposals"]}
    unknown = sorted({i for i in [*confirm, *reject] if i not in proposals})
    if unknown:
        raise InvalidInput(
            f"These skills were not proposed in your conversation: {', '.join(unknown[:20])}."
        )
    both = set(confirm) & set(reject)
    if both:
        raise InvalidInput(f"A skill cannot be confirmed and rejected at once: {sorted(both)}.")
    levels = {
        i: SkillLevel(proposals[i]["level"]) if proposals[i].get("level") else None for i in confirm
    }
    evidence = {i: proposals[i]["evidence"] for i in confirm}
    people_service.decide_proposals(session, person, levels, reject, evidence=evidence)
    for skill_id in confirm:
        proposals[skill_id]["status"] = "confirmed"
    for skill_id in reject:
        proposals[skill_id]["status"] = "rejected"
    state["proposals"] = list(proposals.values())


# --- answers ----------------------------------------------------------------------------------


def _answer(
    session: Session,
    person: Person,
    state: dict[str, Any],
    answer: str,
    lang: plan.Lang,
    llm: ChatClient | None,
) -> None:
    key, phase = state["topic"], state["phase"]
    found = _propose(session, person, state, answer, key, lang, llm) if answer else 0
    if phase == "time":
        years = plan.years_in(answer)
        if years is not None:
            state["years"][key] = years
            level = plan.level_for(years)
            for proposal in state["proposals"]:
                if proposal["topic"] == key and proposal["status"] == "proposed":
                    proposal["level"] = proposal.get("level") or level
    state["turns"] = [
        *state["turns"],
        {"q": state["question"], "a": answer, "topic": key},
    ][-MAX_TURNS:]
    state["answered"] = int(state.get("answered", 0)) + 1
    skip_topic = phase == "open" and (not answer or (plan.is_negative(answer) and not found))
    step = plan.next_step(key, phase, skip_topic=skip_topic)
    if step is None:
        state["topic"] = state["phase"] = state["question"] = None
        state["summary"] = _summary(state, lang)
        state["phrased_by"] = "template"
        return
    state["topic"], state["phase"] = step
    question = plan.topic(step[0]).question(step[1], lang)
    phrased = _phrase(llm, question, answer, lang) if llm is not None else None
    state["question"] = phrased or question
    state["phrased_by"] = "llm" if phrased else "template"


def _propose(
    session: Session,
    person: Person,
    state: dict[str, Any],
    answer: str,
    key: str,
    lang: plan.Lang,
    llm: ChatClient | None,
) -> int:
    """Add the skills read from ``answer`` to the proposals; returns how many were found."""
    known = {p["id"]: p for p in state["proposals"]}
    confirmed = {s.skill_id for s in person.skills if s.confirmed}
    found = people_service.propose_skills(session, person, answer, lang)
    new: list[dict[str, Any]] = []
    for item in found:
        if item.skill_id in known or item.skill_id in confirmed:
            continue
        proposal = {
            "id": item.skill_id,
            "evidence": item.evidence[:300],
            "status": "proposed",
            "level": item.level,
            "topic": key,
            "found_by": "extraction",
        }
        known[item.skill_id] = proposal
        new.append(proposal)
    if llm is not None:
        for skill_id, quote in _llm_skills(session, llm, answer, lang):
            if skill_id in known or skill_id in confirmed:
                continue
            proposal = {
                "id": skill_id,
                "evidence": quote[:300],
                "status": "proposed",
                "level": None,
                "topic": key,
                "found_by": "llm",
            }
            known[skill_id] = proposal
            new.append(proposal)
    room = MAX_PROPOSALS - len(state["proposals"])
    state["proposals"] = [*state["proposals"], *new[: max(room, 0)]]
    return len(found) + len(new)


def _llm_skills(
    session: Session, llm: ChatClient, answer: str, lang: plan.Lang
) -> list[tuple[str, str]]:
    """Skills a chat model reads in ``answer``, each mapped to the taxonomy, with the quote.

    A suggestion is kept only when its quote is in the answer and its name is a skill of the
    taxonomy (the extractor reads the name); anything else the model says is ignored.
    """
    reply = llm.complete(
        [
            {"role": "system", "content": _SKILLS_PROMPT},
            {"role": "user", "content": f"ANSWER: {answer}"},
        ]
    )
    folded_answer = _fold(answer)
    out: list[tuple[str, str]] = []
    for item in json_list(reply)[:MAX_LLM_SKILLS]:
        if not isinstance(item, Mapping):
            continue
        name, quote = item.get("skill"), item.get("quote")
        if not isinstance(name, str) or not isinstance(quote, str) or not quote.strip():
            continue
        if len(name) > 100 or _fold(quote) not in folded_answer:
            continue
        mapped = nlp_service.extract_skills(session, clean_text(name, 100), lang)
        if mapped:
            best = max(mapped, key=lambda s: s.confidence)
            out.append((best.skill_id, clean_text(quote, 300)))
    return out


def _phrase(llm: ChatClient, question: str, answer: str, lang: plan.Lang) -> str | None:
    """The question re-phrased by the chat model, or ``None`` (then the plan's wording)."""
    previous = f"RESPUESTA ANTERIOR: {answer}\n" if answer else ""
    reply = llm.complete(
        [
            {"role": "system", "content": _PHRASE_PROMPT[lang]},
            {"role": "user", "content": f"{previous}PREGUNTA: {question}"},
        ],
        max_tokens=150,
    )
    if reply is None:
        return None
    text = " ".join(reply.split()).strip("\"'«» ")
    if not 5 <= len(text) <= MAX_QUESTION_CHARS or "?" not in text:
        return None
    return text


# --- output -----------------------------------------------------------------------------------


def _summary(state: dict[str, Any], lang: plan.Lang) -> str:
    count = sum(1 for p in state["proposals"] if p["status"] != "rejected")
    if lang == "en":
        if not count:
            return "Thank you. We found no skills yet. You can add them on your profile."
        return f"Thank you. We found {count} skills in what you told us. Check which are yours."
    if not count:
        return "Gracias. Aún no encontramos habilidades. Puedes agregarlas en tu perfil."
    if count == 1:
        return "Gracias. Encontramos una habilidad en lo que contaste. Revisa si es tuya."
    return f"Gracias. Encontramos {count} habilidades en lo que contaste. Marca las tuyas."


def _out(session: Session, state: dict[str, Any], lang: plan.Lang) -> ConversationOut:
    ids = [p["id"] for p in state["proposals"]]
    skills = people_repository.skills_by_ids(session, ids)
    proposals = [
        ProposalOut(
            id=p["id"],
            label=skills[p["id"]].label(lang) if p["id"] in skills else p["id"],
            evidence=p["evidence"],
            status=p["status"],
            level=SkillLevel(p["level"]) if p.get("level") else None,
            topic=p["topic"],
            found_by=p.get("found_by", "extraction"),
        )
        for p in state["proposals"]
        if p["id"] in skills
    ]
    question = state["question"]
    if state["topic"] is not None and state.get("phrased_by") != "llm":
        question = plan.topic(state["topic"]).question(state["phase"], lang)  # the UI's language
    return ConversationOut(
        question=question,
        topic=state["topic"],
        answered=int(state.get("answered", 0)),
        total=len(plan.steps()),
        done=state["topic"] is None,
        phrased_by=state.get("phrased_by", "template"),
        summary=state.get("summary"),
        proposals=proposals,
        turns=[TurnOut(question=t["q"], answer=t["a"]) for t in state["turns"][-20:]],
    )
