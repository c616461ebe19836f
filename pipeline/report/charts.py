"""Small inline SVG charts (no script, no external resource): horizontal bars and a time histogram."""
from __future__ import annotations

import html
from typing import Optional, Sequence

# In SVG units, with 12-unit text: about one CSS pixel per unit on a phone (the chart fills the
# width), a little larger on a laptop (capped by the stylesheet), so labels stay readable on both.
ROW_HEIGHT = 20
LABEL_WIDTH = 150
LABEL_CHARS = 22
WIDTH = 360


def bar_chart(items: Sequence[tuple[str, int]], title: str, links: Optional[Sequence[Optional[str]]] = None) -> str:
    """Horizontal bars, right to left: the label at the right edge, the bar growing leftwards, its value
    at the bar's end. ``links`` (one href or None per item) makes labels links."""
    if not items:
        return f'<p class="muted">{html.escape(title)}: لا شيء.</p>'
    peak = max(count for _, count in items) or 1
    height = ROW_HEIGHT * len(items) + 4
    bar_room = WIDTH - LABEL_WIDTH - 45
    rows = []
    for row, (label, count) in enumerate(items):
        y = row * ROW_HEIGHT + 2
        width = max(1.0, bar_room * count / peak)
        bar_right = WIDTH - LABEL_WIDTH
        text = html.escape(label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…")
        label_svg = (f'<text x="{WIDTH - 4}" y="{y + 14}" text-anchor="start" direction="rtl">{text}'
                     f'<title>{html.escape(label)}: {count:,}</title></text>')
        if links is not None and links[row]:
            label_svg = f'<a href="{html.escape(links[row])}">{label_svg}</a>'
        rows.append(
            f'{label_svg}<rect class="bar" x="{bar_right - width:.1f}" y="{y + 3}" width="{width:.1f}" height="{ROW_HEIGHT - 6}"/>'
            f'<text class="val" x="{bar_right - width - 4:.1f}" y="{y + 14}" text-anchor="end" direction="ltr">{count:,}</text>')
    return (f'<figure class="chart"><figcaption>{html.escape(title)}</figcaption>'
            f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{html.escape(title)}">{"".join(rows)}</svg></figure>')


def histogram(buckets: Sequence[tuple[str, int]], title: str) -> str:
    """Vertical bars for labelled buckets in time order, the first on the right (the page's reading
    direction); the first and last labels under the axis, each bar's label and count on hover."""
    if not buckets:
        return f'<p class="muted">{html.escape(title)}: لا تواريخ نشر.</p>'
    height, axis = 110, 16
    peak = max(count for _, count in buckets) or 1
    step = WIDTH / len(buckets)
    bars = []
    for number, (label, count) in enumerate(buckets):
        bar = (height - axis - 14) * count / peak
        x = WIDTH - (number + 1) * step
        bars.append(f'<rect class="bar" x="{x + 0.5:.1f}" y="{height - axis - bar:.1f}" width="{max(step - 1, 0.5):.1f}" '
                    f'height="{bar:.1f}"><title>{html.escape(label)}: {count:,}</title></rect>')
    first, last = html.escape(buckets[0][0]), html.escape(buckets[-1][0])
    axis_svg = (f'<text x="{WIDTH - 2}" y="{height - 4}" text-anchor="end" direction="ltr">{first}</text>'
                f'<text x="2" y="{height - 4}" text-anchor="start" direction="ltr">{last}</text>'
                f'<text x="{WIDTH / 2:.0f}" y="12" text-anchor="middle" direction="ltr">max {peak:,}</text>')
    return (f'<figure class="chart"><figcaption>{html.escape(title)}</figcaption>'
            f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{html.escape(title)}">{"".join(bars)}{axis_svg}</svg></figure>')
