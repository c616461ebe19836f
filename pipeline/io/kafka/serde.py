"""Avro values on Kafka: schemaless binary with a schema-fingerprint header, or Confluent wire framing.

Two framings, so that consumers without a schema registry and consumers with one can both read our topics:

- **schemaless**: the value is the Avro binary encoding of the record (``fastavro.schemaless_writer``);
  headers ``wirepipe.schema`` (full schema name) and ``wirepipe.schema.fingerprint`` (the CRC-64-AVRO
  fingerprint of the schema's Parsing Canonical Form, 16 hex digits) say which schema wrote it.
- **confluent**: magic byte 0, the 4-byte big-endian schema id, then the Avro binary (the framing of
  Confluent's serializers); used when a schema id is configured. The id must be the one a registry gave.

:class:`AvroValueSerializer` writes both; :class:`AvroValueDecoder` reads both back (tests, readers of
the output topics).
"""
from __future__ import annotations

import io
import struct
from typing import Any, Iterable, Mapping, Optional, Sequence

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

from pipeline.errors import ConfigError, InputError
from pipeline.io.avro import SCHEMA_NAMES, load_schema

SCHEMA_HEADER = "wirepipe.schema"
FINGERPRINT_HEADER = "wirepipe.schema.fingerprint"
FINGERPRINT_ALGORITHM = "CRC-64-AVRO"
CONFLUENT_MAGIC = 0
_CONFLUENT_PREFIX = struct.Struct(">bI")

Headers = Sequence[tuple[str, bytes]]


def schema_fingerprint(schema_name: str) -> str:
    """Return the CRC-64-AVRO fingerprint (hex) of ``schemas/SCHEMA_NAME.avsc`` in Parsing Canonical Form."""
    return fingerprint(to_parsing_canonical_form(load_schema(schema_name)), FINGERPRINT_ALGORITHM)


class AvroValueSerializer:
    """Encode records of one wirepipe schema as Kafka values: ``serializer(record) -> (value, headers)``.

    With ``schema_id`` the value is Confluent-framed (and carries no headers); without, it is schemaless
    Avro with the schema-name and fingerprint headers.
    """

    def __init__(self, schema_name: str, schema_id: Optional[int] = None):
        if schema_id is not None and not (isinstance(schema_id, int) and 0 <= schema_id < 2**31):
            raise ConfigError(f"schema_id must be a non-negative 32-bit int (a registry id), got {schema_id!r}")
        self.schema_name = schema_name
        self.schema_id = schema_id
        self._schema = load_schema(schema_name)  # raises ConfigError for an unknown name
        if schema_id is None:
            self._headers: tuple[tuple[str, bytes], ...] = (
                (SCHEMA_HEADER, self._schema["name"].encode("ascii")),
                (FINGERPRINT_HEADER, schema_fingerprint(schema_name).encode("ascii")),
            )
            self._prefix = b""
        else:
            self._headers = ()
            self._prefix = _CONFLUENT_PREFIX.pack(CONFLUENT_MAGIC, schema_id)

    def __call__(self, record: Mapping[str, Any]) -> tuple[bytes, tuple[tuple[str, bytes], ...]]:
        buf = io.BytesIO()
        buf.write(self._prefix)
        try:
            fastavro.schemaless_writer(buf, self._schema, record)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # fastavro reports a record that does not fit the schema with these.
            raise InputError("avro_encode", f"record does not match schema {self.schema_name}: {exc}") from exc
        return buf.getvalue(), self._headers


class AvroValueDecoder:
    """Decode Kafka values written by :class:`AvroValueSerializer`: ``decoder(value, headers) -> (name, record)``.

    Schemaless values are recognised by their fingerprint header (any wirepipe schema); Confluent-framed
    values by the magic byte, with ``schema_ids`` mapping registry ids to wirepipe schema names.
    Raises :class:`InputError` for a value it cannot decode.
    """

    def __init__(self, schema_names: Iterable[str] = SCHEMA_NAMES, schema_ids: Mapping[int, str] | None = None):
        names = tuple(schema_names)
        self._by_fingerprint = {schema_fingerprint(n): n for n in names}
        self._schema_ids = dict(schema_ids or {})
        for schema_id, name in self._schema_ids.items():
            load_schema(name)  # fail early on an unknown name
            if not isinstance(schema_id, int):
                raise ConfigError(f"schema_ids keys must be int registry ids, got {schema_id!r}")

    def __call__(self, value: bytes, headers: Headers = ()) -> tuple[str, dict]:
        header_map = {name: val for name, val in headers or ()}
        fp = header_map.get(FINGERPRINT_HEADER)
        if fp is not None:
            name = self._by_fingerprint.get(fp.decode("ascii", "replace"))
            if name is None:
                raise InputError("avro_decode", f"unknown schema fingerprint {fp!r}")
            return name, self._read(name, value, 0)
        if len(value) >= _CONFLUENT_PREFIX.size and value[0] == CONFLUENT_MAGIC:
            _, schema_id = _CONFLUENT_PREFIX.unpack_from(value)
            name = self._schema_ids.get(schema_id)
            if name is None:
                raise InputError("avro_decode", f"Confluent-framed value with unknown schema id {schema_id}")
            return name, self._read(name, value, _CONFLUENT_PREFIX.size)
        raise InputError("avro_decode", "value has neither a schema fingerprint header nor Confluent framing")

    @staticmethod
    def _read(name: str, value: bytes, offset: int) -> dict:
        buf = io.BytesIO(value)
        buf.seek(offset)
        try:
            record = fastavro.schemaless_reader(buf, load_schema(name), None)
        except (EOFError, ValueError, TypeError, IndexError, UnicodeDecodeError, StopIteration) as exc:
            raise InputError("avro_decode", f"value is not a valid {name} record: {exc!r}") from exc
        if buf.tell() != len(value):
            raise InputError("avro_decode", f"{len(value) - buf.tell()} trailing bytes after the {name} record")
        return record
