"""Parse: a :class:`RawRecord` becomes a validated article dict, or an :class:`InputError`.

Pure functions (no Beam); the Beam wrapper is pipeline/transforms/parse_step.py. Field aliases follow
the architecture doc's input contract.
"""
from __future__ import annotations

import base64
import json
import math
import re
import time
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from pipeline import __version__
from pipeline.errors import ConfigError, InputError
from pipeline.model import DeadLetter, RawRecord
from pipeline.nlp.normalize import matching_hash, normalize

DEFAULT_MAX_BODY_BYTES = 1_000_000
DEFAULT_RAW_CAP_BYTES = 64 * 1024
# What a timestamp-millis field can hold for its readers: fastavro (and `wirepipe inspect`) turn it into
# a Python datetime in UTC, which spans the years 1 to 9999. A value outside fails the whole file on read.
MIN_TIMESTAMP_MS = int(datetime(1, 1, 1, tzinfo=timezone.utc).timestamp() * 1000)
MAX_TIMESTAMP_MS = int(datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc).timestamp() * 1000)
# Lone surrogates (a JSON "\ud800" escape) decode into a str that no UTF-8 writer can encode.
_SURROGATE = re.compile("[\ud800-\udfff]")
# A body must have at least one letter or digit: one of only diacritics, tatweel, punctuation or marks
# normalizes to nothing, and every such body would be an exact duplicate of every other.
_WORD_CHAR = re.compile(r"[^\W_]")

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
    obj = _article_object(raw)

    fields = {name: _first(obj, aliases) for name, aliases in ALIASES.items()}
    article_id = _text(fields["id"], "id")
    if not article_id or not article_id.strip():
        raise InputError("missing_id", "no non-empty id (or story_id, guid)")
    try:
        body = _text(fields["body"], "body")
        if body is None or not body.strip():
            raise InputError("empty_body", "no non-empty body (or content, text)")
        size = len(body.encode("utf-8", "surrogatepass"))
        if size > max_body_bytes:
            raise InputError("body_too_large", f"body is {size} bytes, over the limit of {max_body_bytes}")
        matching = normalize(body)
        if not _WORD_CHAR.search(matching):
            raise InputError("empty_body", "the body has no letter or digit (only marks, punctuation or tatweel)")
        published = _published(fields["published_at"], raw)
        article = {
            "id": article_id.strip(),
            "body": body,
            "headline": _text(fields["headline"], "headline"),
            "agency": _text(fields["agency"], "agency") or None,
            "published_at": published,
            "url": _text(fields["url"], "url") or None,
            "author": _text(fields["author"], "author") or None,
            "language": _text(fields["language"], "language") or "ar",
            "version": _text(fields["version"], "version") or None,
            "extra": {_as_string(k): _as_string(v) for k, v in obj.items() if k not in _KNOWN and v is not None},
        }
        _check_text(article)
    except InputError as exc:
        exc.article_id = safe_text(article_id.strip())
        raise
    except RecursionError:
        raise InputError("invalid_json", "a value is nested too deeply", safe_text(article_id.strip())) from None
    return {
        **article,
        "source": raw.source,
        "ingested_at": int(time.time() * 1000),
        "content_hash": matching_hash(matching),
    }


def published_time(raw: RawRecord) -> Optional[int]:
    """The ``published_at`` (ms) that :func:`parse_record` gives ``raw``, read without the rest of the
    parse (no body normalization); None when it has none or the record cannot be read as an article."""
    try:
        return _published(_first(_article_object(raw), ALIASES["published_at"]), raw)
    except (InputError, RecursionError):
        return None


def _article_object(raw: RawRecord) -> Mapping:
    """The article object in ``raw`` (a .txt article, a decoded record or a JSON object); raise InputError otherwise."""
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
    return obj


def _published(value: Any, raw: RawRecord) -> Optional[int]:
    """published_at from the record's own field, else the Kafka record timestamp."""
    published = parse_timestamp(value)
    return published if published is not None else _record_time(raw.timestamp_ms)


def safe_text(text: Optional[str]) -> Optional[str]:
    """``text`` with lone surrogates replaced by U+FFFD, so that any UTF-8 writer can encode it."""
    if text is None or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text)


def _check_text(article: Mapping[str, Any]) -> None:
    """Raise InputError(invalid_text) when a text field holds a lone surrogate (not encodable as UTF-8)."""
    for name, value in article.items():
        values = value.items() if isinstance(value, Mapping) else ((None, value),)
        for key, text in values:
            for part in (key, text):
                if isinstance(part, str) and _SURROGATE.search(part):
                    field = name if key is None else f"{name}.{safe_text(key)}"
                    raise InputError("invalid_text", f"{field} holds a lone UTF-16 surrogate, which is not text")


def _record_time(timestamp_ms: Optional[int]) -> Optional[int]:
    """The Kafka record timestamp as published_at, when it is one a reader can hold (else None)."""
    if timestamp_ms is None or not MIN_TIMESTAMP_MS <= timestamp_ms <= MAX_TIMESTAMP_MS:
        return None
    return int(timestamp_ms)


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
        if not math.isfinite(value):
            raise InputError("invalid_timestamp", f"published_at must be a finite number, got {value!r}")
        # Epoch seconds are below 1e11 until the year 5138; larger values are milliseconds.
        return _in_range(int(value if abs(value) >= 1e11 else value * 1000), value)
    elif isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            if len(text) > 20:  # past any int64; int() of a huge digit string is slow, too
                raise InputError("invalid_timestamp", f"published_at is out of range: {_short(value)}")
            return parse_timestamp(int(text))
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InputError("invalid_timestamp", f"published_at is not ISO-8601 or epoch time: {_short(value)}") from None
    else:
        raise InputError("invalid_timestamp", f"published_at must be a string or number, got {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        millis = int(moment.timestamp() * 1000)
    except (OverflowError, ValueError):
        raise InputError("invalid_timestamp", f"published_at is out of range: {_short(value)}") from None
    return _in_range(millis, value)


def _in_range(millis: int, value: Any) -> int:
    if not MIN_TIMESTAMP_MS <= millis <= MAX_TIMESTAMP_MS:
        raise InputError("invalid_timestamp",
                         f"published_at is out of range (years 1 to 9999 in UTC): {_short(value)}")
    return millis


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


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
    data = bytes(raw.payload) if isinstance(raw.payload, (bytes, bytearray)) else _record_bytes(raw.payload)
    length = raw.raw_length if raw.raw_length is not None else len(data)
    return {
        "id": safe_text(article_id if article_id is not None else _guess_id(raw.payload)),
        "error_kind": kind,
        "error_message": safe_text(message),
        "stage": stage,
        "source": {k: safe_text(v) if isinstance(v, str) else v for k, v in raw.source.items()},
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
    except RecursionError:
        raise InputError("invalid_json", "invalid JSON: nested too deeply") from None


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
        try:
            return str(value)
        except ValueError:  # an int of over 4,300 digits
            raise InputError("invalid_field", f"{name} is a number too long to be an id or a text") from None
    raise InputError("invalid_field", f"{name} must be a string, got {type(value).__name__}")


def _as_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _record_bytes(payload: Any) -> bytes:
    try:
        return json.dumps(payload, ensure_ascii=False, default=_bytes_default).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        try:
            return repr(payload).encode("utf-8", "backslashreplace")
        except RecursionError:
            return f"<{type(payload).__name__} nested too deeply to show>".encode()


def _bytes_default(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _guess_id(payload: Any) -> Optional[str]:
    if isinstance(payload, Mapping):
        value = _first(payload, ALIASES["id"])
        try:
            return str(value) if isinstance(value, (str, int)) and str(value).strip() else None
        except ValueError:
            return None
    return None
