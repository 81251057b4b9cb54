"""An optional OpenAI-compatible chat client (``CHAMBA_LLM_URL``, ``CHAMBA_LLM_MODEL``).

Chamba never needs it: the guided conversation and the job-text drafts have deterministic
templates. When configured, a model may *phrase* a question or a draft and *suggest* skill
names; callers treat its answer as untrusted plain text (never markup, never a skill id): they
check it, map every suggestion through the taxonomy, and ask the person to confirm. Any failure
(no answer in time, an HTTP error, malformed JSON, an empty or over-long reply) returns ``None``
and the caller falls back to its template.

The client speaks ``POST {base}/chat/completions`` with ``{"model", "messages", "temperature"}``
and reads ``choices[0].message.content``; it uses only the standard library.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Final

from chamba.config import Settings, get_settings

log = logging.getLogger(__name__)

#: Longest reply read from the server, in bytes (a bigger one is a failure).
MAX_RESPONSE_BYTES: Final = 64_000
#: Longest text kept from a reply, in characters.
MAX_REPLY_CHARS: Final = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ChatClient:
    """A configured chat endpoint: ``complete(messages)`` -> the reply text or ``None``."""

    url: str
    model: str
    api_key: str | None = None
    timeout: float = 8.0

    def complete(self, messages: list[dict[str, str]], *, max_tokens: int = 400) -> str | None:
        """The assistant's reply to ``messages`` as plain text, or ``None`` on any failure."""
        body = json.dumps(
            {
                "model": self.model,
                "messages": messages,
                "temperature": 0,
                "max_tokens": max_tokens,
            }
        ).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            self.url.rstrip("/") + "/chat/completions", data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
            if len(raw) > MAX_RESPONSE_BYTES:
                raise ValueError("reply too long")
            content = json.loads(raw)["choices"][0]["message"]["content"]
            if not isinstance(content, str):
                raise ValueError("no text in the reply")
        except (OSError, ValueError, KeyError, IndexError, TypeError, urllib.error.URLError):
            log.warning("the chat API failed; using the built-in templates", exc_info=True)
            return None
        text = clean_text(content)
        return text or None


def clean_text(text: str, limit: int = MAX_REPLY_CHARS) -> str:
    """``text`` as safe plain text: normalised, without control characters, at most ``limit``.

    The result is still to be escaped wherever it is shown (templates autoescape it).
    """
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text).strip()
    return text[:limit]


def get_client(settings: Settings | None = None) -> ChatClient | None:
    """The configured chat client, or ``None`` when ``CHAMBA_LLM_URL``/``_MODEL`` are unset."""
    settings = settings or get_settings()
    if not settings.llm_url or not settings.llm_model:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return ChatClient(settings.llm_url, settings.llm_model, key, settings.llm_timeout)


def json_list(text: str | None) -> list[Any]:
    """The first JSON array in a model's reply (models wrap JSON in prose or fences); ``[]``."""
    if not text:
        return []
    start, end = text.find("["), text.rfind("]")
    if start < 0 or end <= start:
        return []
    try:
        value = json.loads(text[start : end + 1])
    except ValueError:
        return []
    return value if isinstance(value, list) else []


__all__ = ["ChatClient", "clean_text", "get_client", "json_list"]
