"""Parse: a :class:`RawRecord` becomes a validated article dict, or an :class:`InputError`.

Pure functions (no Beam); the Beam wrapper is pipeline/transforms/parse.py. Field aliases follow
the architecture doc's input contract.
"""
from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from pipeline import __version__
from pipeline.errors import ConfigError, InputError
from pipeline.model import DeadLetter, RawRecord
from pipeline.nlp.normalize import content_hash

DEFAULT_MAX_BODY_BYTES = 1_000_000
DEFAULT_RAW_CAP_BYTES = 64 * 1024

ALIASES: Mapping[str, tuple[str, ...]] = {
    "id": ("id", "story_id", "guid"),
    "body": ("body", "content", "text"),
    "headline": ("headline", "title"),
    "agency": ("agency", "source"),
    "published_at": ("published_at", "date", "date_extracted", "published"),
    "url": ("url",),
    "author": ("author",),
    "language": ("language",),
    "version": ("version",),
}
_KNOWN = {alias for names in ALIASES.values() for alias in names}


def parse_record(raw: RawRecord, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict:
    """Return the article in ``raw`` as a dict of WireArticle fields plus ``source``,
    ``ingested_at`` (ms) and ``content_hash``; raise :class:`InputError` when it is not one."""
    if max_body_bytes <= 0:
        raise ConfigError(f"max_body_bytes must be a positive number of bytes, got {max_body_bytes!r}")
    if raw.error is not None:
        raise InputError(*raw.error)
    if raw.fmt == "txt":
        obj = _txt_article(raw)
    elif raw.fmt == "record":
        obj = raw.payload
    else:
        obj = _json_object(raw.payload)
    if not isinstance(obj, Mapping):
        raise InputError("not_an_object", f"expected a JSON object, got {type(obj).__name__}")

    fields = {name: _first(obj, aliases) for name, aliases in ALIASES.items()}
    article_id = _text(fields["id"], "id")
    if not article_id or not article_id.strip():
        raise InputError("missing_id", "no non-empty id (or story_id, guid)")
    try:
        body = _text(fields["body"], "body")
        if body is None or not body.strip():
            raise InputError("empty_body", "no non-empty body (or content, text)")
        size = len(body.encode("utf-8"))
        if size > max_body_bytes:
            raise InputError("body_too_large", f"body is {size} bytes, over the limit of {max_body_bytes}")
        published = parse_timestamp(fields["published_at"])
    except InputError as exc:
        exc.article_id = article_id.strip()
        raise
    if published is None:
        published = raw.timestamp_ms
    return {
        "id": article_id.strip(),
        "body": body,
        "headline": _text(fields["headline"], "headline"),
        "agency": _text(fields["agency"], "agency") or None,
        "published_at": published,
        "url": _text(fields["url"], "url") or None,
        "author": _text(fields["author"], "author") or None,
        "language": _text(fields["language"], "language") or "ar",
        "version": _text(fields["version"], "version") or None,
        "extra": {k: _as_string(v) for k, v in obj.items() if k not in _KNOWN and v is not None},
        "source": raw.source,
        "ingested_at": int(time.time() * 1000),
        "content_hash": content_hash(body),
    }


def parse_timestamp(value: Any) -> Optional[int]:
    """Return epoch milliseconds for ISO-8601 text (naive means UTC), epoch seconds or millis, or a
    datetime; None for None or empty; raise InputError(invalid_timestamp) otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, bool):
        raise InputError("invalid_timestamp", f"published_at must be a time, got {value!r}")
    elif isinstance(value, (int, float)):
        # Epoch seconds are below 1e11 until the year 5138; larger values are milliseconds.
        return int(value if abs(value) >= 1e11 else value * 1000)
    elif isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return parse_timestamp(int(text))
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InputError("invalid_timestamp", f"published_at is not ISO-8601 or epoch time: {value!r}") from None
    else:
        raise InputError("invalid_timestamp", f"published_at must be a string or number, got {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def dead_letter(
    raw: RawRecord,
    kind: str,
    message: str,
    stage: str,
    *,
    article_id: Optional[str] = None,
    raw_cap: int = DEFAULT_RAW_CAP_BYTES,
) -> DeadLetter:
    """Return the dead-letter record of ``raw``: its bytes capped at ``raw_cap``, the error and where it came from."""
    data = raw.payload if isinstance(raw.payload, bytes) else _record_bytes(raw.payload)
    length = raw.raw_length if raw.raw_length is not None else len(data)
    return {
        "id": article_id if article_id is not None else _guess_id(raw.payload),
        "error_kind": kind,
        "error_message": message,
        "stage": stage,
        "source": raw.source,
        "raw": data[:raw_cap],
        "raw_length": length,
        "truncated": length > min(len(data), raw_cap),
        "failed_at": int(time.time() * 1000),
        "pipeline_version": __version__,
    }


def _txt_article(raw: RawRecord) -> dict:
    text = _decode(raw.payload)
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip():
            path = raw.source.get("path") or ""
            stem = path.replace("\\", "/").rsplit("/", 1)[-1]
            stem = stem[: -len(".txt")] if stem.lower().endswith(".txt") else stem
            return {"id": stem, "headline": line.strip(), "body": "".join(lines[index + 1 :]).strip()}
    raise InputError("empty_body", "the .txt file has no text")


def _json_object(payload: Any) -> Any:
    if payload is None:
        raise InputError("empty_record", "the record has no value (null Kafka value or empty line)")
    text = _decode(payload) if isinstance(payload, (bytes, bytearray)) else payload
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError("invalid_json", f"invalid JSON: {exc}") from None


def _decode(data: bytes) -> str:
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("invalid_utf8", f"not UTF-8: {exc}") from None


def _first(obj: Mapping, aliases: tuple[str, ...]) -> Any:
    for name in aliases:
        value = obj.get(name)
        if value is not None and value != "":
            return value
    return None


def _text(value: Any, name: str) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise InputError("invalid_field", f"{name} must be a string, got {type(value).__name__}")


def _as_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _record_bytes(payload: Any) -> bytes:
    try:
        return json.dumps(payload, ensure_ascii=False, default=_bytes_default).encode("utf-8")
    except (TypeError, ValueError):
        return repr(payload).encode("utf-8", "backslashreplace")


def _bytes_default(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _guess_id(payload: Any) -> Optional[str]:
    if isinstance(payload, Mapping):
        value = _first(payload, ALIASES["id"])
        return str(value) if isinstance(value, (str, int)) and str(value).strip() else None
    return None
