"""The optional chat client: configuration, and what it makes of odd replies."""

from __future__ import annotations

import pytest
from tests.support.chat_stub import chat_stub

from chamba.config import Settings
from chamba.nlp.llm import ChatClient, clean_text, get_client, json_list


def test_no_client_unless_url_and_model_are_set() -> None:
    assert get_client(Settings(llm_url=None, llm_model="m")) is None
    assert get_client(Settings(llm_url="http://127.0.0.1:9/v1", llm_model=" ")) is None
    client = get_client(Settings(llm_url="http://127.0.0.1:9/v1", llm_model="m", llm_api_key="k"))
    assert client is not None
    assert client.api_key == "k"


def test_a_url_that_is_not_http_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="http"):
        Settings(llm_url="file:///etc/passwd", llm_model="m")
    assert Settings(llm_url="", llm_model="").llm_url is None  # blank: unset


def test_replies_are_plain_clean_text() -> None:
    assert clean_text("  hola\x00\x07 mundo \n") == "hola mundo"
    assert json_list('Claro: ```json\n[{"skill": "cocina"}]\n```') == [{"skill": "cocina"}]
    assert json_list("no list here") == []
    assert json_list("[not json]") == []


def test_a_reply_without_text_is_a_failure() -> None:
    with chat_stub(lambda _messages: "") as stub:
        client = ChatClient(stub.url, "m", timeout=2)
        assert client.complete([{"role": "user", "content": "x"}]) is None
