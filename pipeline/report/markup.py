"""Text with marked spans as HTML: every character of the text is escaped, spans become nested elements.

Entities sit inside quotes, a PARTIAL quote inside its INDIRECT one, and nothing stops two spans from
crossing (an entity that runs past the end of a quote). HTML elements must nest, so a span that
crosses the end of the one it started in is closed there and reopened after it as a continuation
(same ``data-*`` attributes, no ``id``): the marked text of a span is the text of all its pieces.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Mapping, Sequence


@dataclass(frozen=True)
class Span:
    """A run ``text[start:end]`` to wrap in ``<tag class=… id=… attrs…>``; ``order`` breaks ties."""

    start: int
    end: int
    tag: str
    css_class: str
    attrs: Mapping[str, str]
    element_id: str | None = None
    order: int = 0


def _open(span: Span, first: bool) -> str:
    parts = [span.tag, f'class="{html.escape(span.css_class)}{"" if first else " cont"}"']
    if first and span.element_id:
        parts.append(f'id="{html.escape(span.element_id)}"')
    parts.extend(f'{name}="{html.escape(value)}"' for name, value in span.attrs.items())
    return "<" + " ".join(parts) + ">"


def mark(text: str, spans: Sequence[Span]) -> str:
    """Return ``text`` HTML-escaped with ``spans`` as properly nested elements.

    Spans outside the text or empty are left out. Of spans starting at the same offset the longer
    one is the outer element; equal spans nest by ``order``.
    """
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    valid.sort(key=lambda s: (s.start, -s.end, s.order))
    bounds = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    out: list[str] = []
    stack: list[Span] = []
    next_span = 0
    for here, there in zip(bounds, bounds[1:]):
        # Close every span ending here; a span still open above one that ends is closed too and reopened.
        ending = [i for i, s in enumerate(stack) if s.end <= here]
        if ending:
            lowest = ending[0]
            for s in reversed(stack[lowest:]):
                out.append(f"</{s.tag}>")
            survivors = [s for s in stack[lowest:] if s.end > here]
            del stack[lowest:]
            for s in survivors:
                out.append(_open(s, first=False))
                stack.append(s)
        while next_span < len(valid) and valid[next_span].start == here:
            s = valid[next_span]
            out.append(_open(s, first=True))
            stack.append(s)
            next_span += 1
        out.append(html.escape(text[here:there], quote=False))
    out.extend(f"</{s.tag}>" for s in reversed(stack))
    return "".join(out)
