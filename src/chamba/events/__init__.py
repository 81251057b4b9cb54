"""Domain events: typed event objects, the outbox, the relay (Kafka or in-process), consumers."""
