"""Kafka connections can be secured: TLS and SASL settings reach every aiokafka client."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import pytest

from chamba.config import SettingsError, load_settings
from chamba.events import kafka


def test_plaintext_is_the_default_and_adds_nothing() -> None:
    assert kafka.connection_options(load_settings()) == {"security_protocol": "PLAINTEXT"}


def test_sasl_over_tls_verifies_the_brokers_and_logs_in() -> None:
    settings = load_settings(
        kafka_security_protocol="SASL_SSL",
        kafka_username="chamba",
        kafka_password="s3cret-kafka-password",
    )
    options = kafka.connection_options(settings)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "chamba"
    assert options["sasl_plain_password"] == "s3cret-kafka-password"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


@pytest.mark.parametrize(
    "overrides",
    [
        {"kafka_security_protocol": "SASL_SSL"},  # no credentials
        {"kafka_username": "chamba", "kafka_password": "x" * 12},  # credentials, no SASL
        {"env": "production", "sms_sender": "none", "kafka_security_protocol": "SASL_PLAINTEXT",
         "kafka_username": "chamba", "kafka_password": "x" * 12},  # password in plain text
    ],
)  # fmt: skip
def test_unsafe_or_incomplete_kafka_security_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(SettingsError, match="CHAMBA_KAFKA"):
        load_settings(**overrides)


def test_the_publisher_and_the_topic_admin_use_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN aiokafka clients that only record how they were made
    import aiokafka
    import aiokafka.admin

    made: list[tuple[str, dict[str, Any]]] = []

    class Fake:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made.append((type(self).__name__, kwargs))

        async def start(self) -> None: ...

        async def close(self) -> None: ...

        async def list_topics(self) -> list[str]:
            return kafka.all_topics("chamba")

    class FakeProducer(Fake): ...

    class FakeAdmin(Fake): ...

    monkeypatch.setattr(aiokafka, "AIOKafkaProducer", FakeProducer)
    monkeypatch.setattr(aiokafka.admin, "AIOKafkaAdminClient", FakeAdmin)
    connection = {"security_protocol": "SASL_SSL", "sasl_plain_username": "chamba"}
    # WHEN the relay's publisher starts
    asyncio.run(kafka.KafkaPublisher("broker:9093", connection=connection).start())
    # THEN both clients got the secured connection
    assert {name for name, _ in made} == {"FakeAdmin", "FakeProducer"}
    for _, kwargs in made:
        assert kwargs["security_protocol"] == "SASL_SSL"
        assert kwargs["sasl_plain_username"] == "chamba"
