"""The one exception root of wirepipe, and the few kinds callers act on differently."""
from __future__ import annotations


class WirepipeError(Exception):
    """Root of every error wirepipe raises on purpose."""


class ConfigError(WirepipeError, ValueError):
    """An option or constructor argument is not of the expected form; the message says which."""


class InputError(WirepipeError):
    """A record cannot be read or validated; ``kind`` names the failure for the dead-letter output."""

    def __init__(self, kind: str, message: str, article_id: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.article_id = article_id  # the record's id, when it was readable


class ResourceMissingError(WirepipeError):
    """Optional data (a model, camel-tools data packages) is not installed; the message says what to install."""


class KafkaIOError(WirepipeError):
    """The Kafka source or sink failed in a way a retry of the bundle may fix."""


class ReplayError(WirepipeError):
    """A chunk of a replay in chunks failed in the process that ran it; the message says how."""
