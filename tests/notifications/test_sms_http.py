"""The HTTP SMS-gateway sender against a real HTTP server on this machine (no mocked HTTP):
what it sends, which failures it retries and how long it waits, what it refuses to follow,
what its logs and metrics say — and that its settings refuse unsafe configurations."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from tests.support.sms_gateway import Gateway, sms_gateway

from chamba.config import SettingsError, load_settings
from chamba.notifications.senders import (
    DeliveryError,
    HTTPSMSSender,
    LogSender,
    Message,
    sms_sender_from_settings,
)
from chamba.observability.metrics import Metrics

SMS = Message(to="+51 987 654 321", subject="", body="Chamba: tu código es 48151623.")


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with sms_gateway() as running:
        yield running


class Waits(list[float]):
    """Records the waits between tries instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def sender(url: str, metrics: Metrics | None = None, **options: Any) -> tuple[HTTPSMSSender, Waits]:
    waits = Waits()
    options = {"token": "t0k3n-del-gateway", "sender_id": "CHAMBA", "timeout": 2.0} | options
    return HTTPSMSSender(url, metrics=metrics, sleep=waits, **options), waits


def counted(metrics: Metrics, outcome: str) -> float:
    value = metrics.registry.get_sample_value("chamba_sms_messages_total", {"outcome": outcome})
    return value or 0.0


def test_an_sms_is_posted_as_json_with_the_token(gateway: Gateway) -> None:
    metrics = Metrics(version="test")
    sms, waits = sender(gateway.url, metrics)
    sms.send(SMS)
    [(path, headers, body)] = gateway.requests
    assert path == "/sms"
    assert json.loads(body) == {"to": SMS.to, "from": "CHAMBA", "text": SMS.body}
    assert headers["Authorization"] == "Bearer t0k3n-del-gateway"
    assert headers["Content-Type"] == "application/json"
    assert waits == []
    assert counted(metrics, "sent") == 1
    assert "t0k3n" not in repr(sms)


def test_a_busy_gateway_is_tried_again_with_growing_waits(gateway: Gateway) -> None:
    # GIVEN a gateway that fails twice (a 503, then a 429 asking for 2 s), then accepts
    gateway.reply(503, (429, {"Retry-After": "2"}, 0.0), 202)
    metrics = Metrics(version="test")
    sms, waits = sender(gateway.url, metrics, retries=3, backoff=0.25)
    # WHEN an SMS is sent THEN it goes through on the third try
    sms.send(SMS)
    assert gateway.counted() == 3
    # AND the waits doubled, or followed the gateway's Retry-After when longer
    assert waits == [0.25, 2.0]
    assert metrics.registry.get_sample_value("chamba_sms_retries_total") == 2
    assert counted(metrics, "sent") == 1
    assert counted(metrics, "failed") == 0


def test_a_gateway_down_after_every_retry_fails_without_the_text_in_the_log(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.reply(500)
    metrics = Metrics(version="test")
    sms, waits = sender(gateway.url, metrics, retries=2, backoff=0.5)
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as failed:
        sms.send(SMS)
    assert gateway.counted() == 3
    assert waits == [0.5, 1.0]
    assert not failed.value.per_message
    assert "after 3 tries" in str(failed.value)
    assert counted(metrics, "failed") == 1
    # The code, the text and the full number never reach the log or the error
    logged = caplog.text + str(failed.value)
    assert "48151623" not in logged
    assert "987 654" not in logged
    assert "***321" in logged


def test_a_refused_number_is_not_retried(gateway: Gateway) -> None:
    gateway.reply(400)
    metrics = Metrics(version="test")
    sms, waits = sender(gateway.url, metrics)
    with pytest.raises(DeliveryError) as refused:
        sms.send(SMS)
    assert refused.value.per_message
    assert gateway.counted() == 1
    assert waits == []
    assert counted(metrics, "refused") == 1


def test_a_refused_token_fails_at_once_and_says_which_setting(gateway: Gateway) -> None:
    gateway.reply(401)
    metrics = Metrics(version="test")
    sms, _ = sender(gateway.url, metrics)
    with pytest.raises(DeliveryError, match="CHAMBA_SMS_HTTP_TOKEN") as refused:
        sms.send(SMS)
    assert not refused.value.per_message
    assert gateway.counted() == 1
    assert counted(metrics, "failed") == 1


def test_a_redirect_is_not_followed(gateway: Gateway) -> None:
    gateway.reply((307, {"Location": "/elsewhere"}, 0.0))
    sms, _ = sender(gateway.url)
    with pytest.raises(DeliveryError):
        sms.send(SMS)
    assert gateway.counted("/elsewhere") == 0
    assert gateway.counted() == 1


def test_a_slow_gateway_times_out_and_is_tried_again(gateway: Gateway) -> None:
    # GIVEN a gateway that answers the first request after the sender's timeout
    gateway.reply((200, {}, 1.0), 200)
    metrics = Metrics(version="test")
    sms, waits = sender(gateway.url, metrics, timeout=0.2, retries=1, backoff=0.0)
    sms.send(SMS)
    assert gateway.counted() == 2
    assert waits == [0.0]
    assert metrics.registry.get_sample_value("chamba_sms_retries_total") == 1


def test_an_unreachable_gateway_fails_after_its_retries() -> None:
    # A port nothing listens on (bound, then closed)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    metrics = Metrics(version="test")
    sms, waits = sender(f"http://127.0.0.1:{port}/sms", metrics, retries=1, backoff=0.1)
    with pytest.raises(DeliveryError, match="after 2 tries"):
        sms.send(SMS)
    assert waits == [0.1]
    assert counted(metrics, "failed") == 1


# --- settings -----------------------------------------------------------------------------------


def test_the_setting_chooses_the_sender() -> None:
    http = sms_sender_from_settings(
        load_settings(sms_sender="http", sms_http_url="https://sms.example.pe/v1", sms_retries=4)
    )
    assert isinstance(http, HTTPSMSSender)
    assert http.retries == 4
    assert isinstance(sms_sender_from_settings(load_settings(sms_sender="log")), LogSender)
    assert sms_sender_from_settings(load_settings(sms_sender="none")) is None
    # Unset: the log in development, nothing elsewhere
    assert load_settings(sms_sender=None, env="development").effective_sms_sender == "log"
    assert load_settings(sms_sender=None, env="test").effective_sms_sender == "none"


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"sms_sender": "http"}, "SMS_HTTP_URL"),
        ({"sms_sender": "http", "sms_http_url": "http://sms.example.pe/v1"}, "https://"),
        ({"sms_sender": "http", "sms_http_url": "ftp://127.0.0.1/"}, "https://"),
        ({"sms_sender": "log", "env": "production"}, "SMS_SENDER=log"),
    ],
)
def test_unsafe_sms_settings_are_refused(overrides: dict[str, Any], says: str) -> None:
    with pytest.raises(SettingsError, match=says):
        load_settings(**overrides)


def test_plain_http_is_accepted_only_to_this_machine() -> None:
    for url in ("http://127.0.0.1:8080/sms", "http://localhost/sms"):
        assert load_settings(sms_sender="http", sms_http_url=url).sms_http_url == url
