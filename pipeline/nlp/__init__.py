"""Plain-Python Arabic text processing: no Beam, no Kafka imports below this package."""
