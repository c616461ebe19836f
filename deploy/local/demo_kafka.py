"""Kafka steps of the demo that `wirepipe` itself does not do (run by deploy/local/demo.sh).

  create-topics BOOTSTRAP TOPIC...   create the job's output topics before it starts, so the producers
                                     never ask for a topic the broker does not know yet (kafka-python
                                     logs that as ERROR while the broker auto-creates it)
  send-raw BOOTSTRAP TOPIC           publish a few malformed values as raw bytes (`wirepipe produce`
                                     filters bad records out), so the streaming dead-letter path shows
"""
from __future__ import annotations

import sys

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

# key → value: each becomes one dead letter of the run, with its topic, partition and offset.
RAW_VALUES = {
    b"demo-raw-cut": b'{"id": "demo-raw-cut", "headline": "\xd8\xae\xd8\xa8\xd8\xb1", "body": "\xd9\x86\xd8\xb5 \xd9\x85\xd9\x82',
    b"demo-raw-latin1": b'{"id": "demo-raw-latin1", "body": "caf\xe9 \xff\xfe"}',
    b"demo-raw-html": b'<html><script>alert("not a story")</script></html>',
    b"demo-raw-array": b'[{"id": "demo-raw-array", "body": "\xd9\x86\xd8\xb5"}]',
}


def create_topics(bootstrap: str, topics: list[str]) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="wirepipe-demo")
    try:
        for topic in topics:
            try:
                admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
                print(f"created topic {topic}")
            except TopicAlreadyExistsError:
                print(f"topic {topic} exists")
    finally:
        admin.close()


def send_raw(bootstrap: str, topic: str) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for key, value in RAW_VALUES.items():
            metadata = producer.send(topic, key=key, value=value).get(timeout=30)
            print(f"raw value {key.decode()} ({len(value)} bytes) → {topic}/{metadata.partition}@{metadata.offset}")
    finally:
        producer.close()


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "create-topics":
        create_topics(argv[1], argv[2:])
    elif len(argv) == 3 and argv[0] == "send-raw":
        send_raw(argv[1], argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
