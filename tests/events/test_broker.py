"""The test broker speaks Kafka: a maintained client produces and consumes through it."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from tests.support.kafka_broker import KafkaBroker


async def round_trip(bootstrap: str, topic: str, messages: list[bytes]) -> list[bytes]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    # No enable_idempotence: this Tansu build answers InitProducerId with an error.
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in messages:
            await producer.send_and_wait(topic, value, key=b"person-1")  # one key: one partition
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id="chamba-tests",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    received: list[bytes] = []
    try:
        while len(received) < len(messages):
            record = await asyncio.wait_for(consumer.getone(), timeout=20)
            assert record.value is not None
            received.append(record.value)
        await consumer.commit()
    finally:
        await consumer.stop()
    return received


def test_a_message_goes_through_the_broker_in_order(kafka_broker: KafkaBroker) -> None:
    # GIVEN a running broker and three events for the same key
    sent = [b'{"event": "application.created", "n": %d}' % n for n in range(3)]
    # WHEN they are produced and consumed by a consumer group
    received = asyncio.run(round_trip(kafka_broker.bootstrap_servers, "chamba.events", sent))
    # THEN they arrive, in order
    assert received == sent


def test_the_broker_comes_back_on_the_same_port_after_a_crash(kafka_broker: KafkaBroker) -> None:
    port = kafka_broker.port
    asyncio.run(round_trip(kafka_broker.bootstrap_servers, "before", [b"1"]))
    kafka_broker.restart()  # kill -9, then start again
    assert kafka_broker.port == port
    assert kafka_broker.running
    # In-memory storage starts empty: the topic is created again and works.
    assert asyncio.run(round_trip(kafka_broker.bootstrap_servers, "after", [b"2"])) == [b"2"]
