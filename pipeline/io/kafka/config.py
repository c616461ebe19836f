"""How to reach a Kafka cluster and where a read starts: checked when the job is built, not on a worker."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, NamedTuple, Optional, Union

from pipeline.errors import ConfigError

METRICS_NAMESPACE = "wirepipe.kafka"
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
START_KINDS = ("committed", "earliest", "latest")
# Kafka offsets are signed 64-bit: an unbounded restriction runs to the largest one (as Java's Long.MAX_VALUE).
UNBOUNDED_STOP = 2**63 - 1
TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")


def is_topic_name(value: Any) -> bool:
    """True for a legal Kafka topic name."""
    return isinstance(value, str) and TOPIC_NAME.fullmatch(value) is not None


@dataclass(frozen=True)
class KafkaConfig:
    """How to reach the cluster: bootstrap servers, security protocol, SASL credentials, SSL CA file.

    ``repr`` never shows the SASL password. (The password still travels inside the pickled pipeline, as
    with any Beam I/O configured in code; use a secret-mounted file and the runner's protections there.)
    """

    bootstrap_servers: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: Optional[str] = None
    sasl_username: Optional[str] = None
    sasl_password: Optional[str] = field(default=None, repr=False)
    ssl_cafile: Optional[str] = None
    client_id: str = "wirepipe"
    request_timeout_ms: int = 30000

    def __post_init__(self) -> None:
        servers = self.bootstrap_servers
        if not isinstance(servers, str) or not servers.strip():
            raise ConfigError(f"bootstrap_servers must be 'host:port[,host:port...]', got {servers!r}")
        for server in servers.split(","):
            if not re.fullmatch(r"\s*(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}\s*", server):
                raise ConfigError(f"bootstrap server must be host:port, got {server!r}")
        if self.security_protocol not in SECURITY_PROTOCOLS:
            raise ConfigError(f"security_protocol must be one of {', '.join(SECURITY_PROTOCOLS)}, got {self.security_protocol!r}")
        uses_sasl = self.security_protocol.startswith("SASL_")
        if uses_sasl:
            if self.sasl_mechanism not in SASL_MECHANISMS:
                raise ConfigError(f"sasl_mechanism must be one of {', '.join(SASL_MECHANISMS)} with {self.security_protocol}, got {self.sasl_mechanism!r}")
            if not self.sasl_username or self.sasl_password is None:
                raise ConfigError(f"{self.security_protocol} needs sasl_username and sasl_password")
        elif self.sasl_mechanism or self.sasl_username or self.sasl_password:
            raise ConfigError(f"SASL options given but security_protocol is {self.security_protocol}; use SASL_SSL or SASL_PLAINTEXT")
        if self.ssl_cafile is not None and "SSL" not in self.security_protocol:
            raise ConfigError(f"ssl_cafile given but security_protocol is {self.security_protocol}; use SSL or SASL_SSL")
        if not isinstance(self.request_timeout_ms, int) or self.request_timeout_ms <= 0:
            raise ConfigError(f"request_timeout_ms must be a positive int, got {self.request_timeout_ms!r}")

    def __repr__(self) -> str:
        password = None if self.sasl_password is None else "***"
        return (
            f"KafkaConfig(bootstrap_servers={self.bootstrap_servers!r}, security_protocol={self.security_protocol!r}, "
            f"sasl_mechanism={self.sasl_mechanism!r}, sasl_username={self.sasl_username!r}, sasl_password={password!r}, "
            f"ssl_cafile={self.ssl_cafile!r}, client_id={self.client_id!r})"
        )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "KafkaConfig":
        """Build from a mapping (a config file section), rejecting unknown keys."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown Kafka option(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}")
        return cls(**dict(values))

    def client_options(self) -> dict:
        """Keyword arguments for kafka-python clients (consumer, producer, admin)."""
        options: dict[str, Any] = {
            "bootstrap_servers": [s.strip() for s in self.bootstrap_servers.split(",")],
            "security_protocol": self.security_protocol,
            "client_id": self.client_id,
            "request_timeout_ms": self.request_timeout_ms,
        }
        if self.sasl_mechanism:
            options.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password,
            )
        if self.ssl_cafile:
            options["ssl_cafile"] = self.ssl_cafile
        return options


class StartPosition(NamedTuple):
    """Where reading starts: the group's ``committed`` offset, ``earliest``, ``latest``, or a ``timestamp``."""

    kind: str
    timestamp_ms: Optional[int] = None

    @classmethod
    def parse(cls, value: Union["StartPosition", str, datetime, int]) -> "StartPosition":
        """Accept committed|earliest|latest, an ISO-8601 time (naive = UTC), a datetime, or epoch millis."""
        if isinstance(value, StartPosition):
            return value
        if isinstance(value, str) and value.strip().lower() in START_KINDS:
            return cls(value.strip().lower())
        return cls("timestamp", to_epoch_millis(value, what="start"))


def to_epoch_millis(value: Union[str, datetime, int], what: str = "time") -> int:
    """Return epoch milliseconds for an ISO-8601 string (naive means UTC), an aware or naive datetime, or an int."""
    if isinstance(value, bool):
        raise ConfigError(f"{what} must be an ISO-8601 time, a datetime or epoch millis, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ConfigError(f"{what} must be non-negative epoch millis, got {value}")
        return value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ConfigError(
                f"{what} must be committed, earliest, latest or an ISO-8601 time like 2026-11-29T03:00:00Z, got {value!r}"
            ) from exc
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp() * 1000)
    raise ConfigError(f"{what} must be an ISO-8601 time, a datetime or epoch millis, got {value!r}")
