"""Request dependencies of nlp: the app's text encoder and its chat model.

Features that embed text (jobs, courses, taxonomy search) or draft it take them from here.
The app decides which encoder serves (:func:`chamba.api.app.create_app` shares the match
indexes' encoder through ``app.state.text_encoder``); tests override :func:`get_text_encoder`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from chamba.nlp.encoder import TextEncoder
from chamba.nlp.llm import ChatClient, get_client


def get_text_encoder(request: Request) -> TextEncoder:
    """The app's text encoder (the model loads on its first ``encode``).

    ``app.state.text_encoder`` is a callable the app sets, so the encoder is made on first use.
    """
    provide: Callable[[], TextEncoder] = request.app.state.text_encoder
    return provide()


def get_llm(request: Request) -> ChatClient | None:
    """The configured chat model (``CHAMBA_LLM_URL``), or ``None``: the built-in templates.

    ``app.state.llm_client`` (tests, deployments) wins when set, ``None`` included.
    """
    state = request.app.state
    if hasattr(state, "llm_client"):
        client: ChatClient | None = state.llm_client
        return client
    return get_client(state.settings)


LlmDep = Annotated[ChatClient | None, Depends(get_llm)]

EncoderDep = Annotated[TextEncoder, Depends(get_text_encoder)]
