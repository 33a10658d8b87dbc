"""Inline SVG charts for the health report: no scripts, no fonts, readable when printed.

Each chart is an image with a text alternative (role="img", an aria-label in words and a
<title>); its numbers are also in the table beside it. A value suppressed for sponsors
draws no bar, only the "<5" label, so its size cannot be read off the picture.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from service.health.figures import Count, Figure

# GOV.UK palette: every colour is at least 4.5:1 on white, so labels in it stay readable.
SERIES = ("#1d70b8", "#00703c", "#4c2c92")
TEXT = "#0b0c0c"
MUTED = "#484949"


def description(fig: Figure, for_sponsors: bool) -> str:
    """The chart in words. For sponsors, built from the (suppressed) table cells, so the
    text alternative can never say more than the table does."""
    if not for_sponsors:
        return fig.description
    parts = [
        f"{label} " + ", ".join(c.text(True) for c in cells if isinstance(c, Count))
        for label, cells in fig.rows
    ]
    return f"{fig.title}: " + "; ".join(parts)


def _open(fig: Figure, width: int, height: int, for_sponsors: bool) -> str:
    k = escape(fig.key)
    said = escape(description(fig, for_sponsors))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' aria-label="{said}"'
        f' aria-describedby="chart-{k}-desc">'
        f'<title id="chart-{k}-title">{escape(fig.title)}</title>'
        f'<desc id="chart-{k}-desc">{said}</desc>'
    )


def _counts(fig: Figure, column: int) -> list[tuple[str, Count | None]]:
    out: list[tuple[str, Count | None]] = []
    for label, cells in fig.rows:
        cell = cells[column] if column < len(cells) else None
        out.append((label, cell if isinstance(cell, Count) else None))
    return out


def bars(fig: Figure, for_sponsors: bool) -> Markup:
    """Horizontal bars of the first column, one row per label."""
    rows = _counts(fig, 0)
    top = max([c.value for _, c in rows if c and not c.hidden(for_sponsors)] + [1])
    label_w, bar_w, row_h = 230, 300, 22
    width, height = label_w + bar_w + 60, row_h * len(rows) + 10
    parts = [_open(fig, width, height, for_sponsors)]
    for i, (label, c) in enumerate(rows):
        y = 5 + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" fill="{TEXT}"'
            f' font-size="13">{escape(label[:34])}</text>'
        )
        if c is None:
            continue
        shown = c.text(for_sponsors)
        w = 0 if c.hidden(for_sponsors) else round(bar_w * c.value / top)
        if w:
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 6}"'
                f' fill="{SERIES[0]}"/>'
            )
        parts.append(
            f'<text x="{label_w + w + 6}" y="{y + 15}" fill="{TEXT}"'
            f' font-size="13">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(fig: Figure, for_sponsors: bool, series: int = 1) -> Markup:
    """Vertical columns over time, the first `series` columns stacked."""
    data = [_counts(fig, s) for s in range(series)]
    n = len(fig.rows)
    totals = [
        sum(c.value for c in (d[i][1] for d in data) if c and not c.hidden(for_sponsors))
        for i in range(n)
    ]
    top = max([*totals, 1])
    left, plot_h, base = 40, 180, 200
    col_w = max(14, min(48, 560 // max(n, 1)))
    width = max(left + col_w * n + 20, left + 110 * series + 20, 320)
    legend_y = base + 48
    parts = [_open(fig, width, legend_y + 10, for_sponsors)]
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{MUTED}"/>'
        f'<text x="{left - 6}" y="{base - plot_h + 10}" text-anchor="end" fill="{MUTED}"'
        f' font-size="11">{top:g}</text>'
        f'<text x="{left - 6}" y="{base}" text-anchor="end" fill="{MUTED}" font-size="11">0</text>'
    )
    for i, (label, _) in enumerate(data[0]):
        x = left + i * col_w + 2
        y = base
        for s, d in enumerate(data):
            c = d[i][1]
            if c is None or c.hidden(for_sponsors) or not c.value:
                continue
            h = round(plot_h * c.value / top)
            y -= h
            parts.append(
                f'<rect x="{x}" y="{y}" width="{col_w - 4}" height="{h}" fill="{SERIES[s]}">'
                f"<title>{escape(label)}: {escape(fig.columns[s])} {escape(c.text(for_sponsors))}"
                "</title></rect>"
            )
        if n <= 16 or i % 2 == 0:
            parts.append(
                f'<text x="{x + (col_w - 4) / 2}" y="{base + 14}" text-anchor="end"'
                f' transform="rotate(-35 {x + (col_w - 4) / 2} {base + 14})" fill="{TEXT}"'
                f' font-size="10">{escape(label.removeprefix("w/c "))}</text>'
            )
    if series > 1:
        x = left
        for s in range(series):
            parts.append(
                f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{SERIES[s]}"/>'
                f'<text x="{x + 14}" y="{legend_y}" fill="{TEXT}" font-size="12">'
                f"{escape(fig.columns[s])}</text>"
            )
            x += 110
    parts.append("</svg>")
    return Markup("".join(parts))


def chart(fig: Figure, for_sponsors: bool) -> Markup:
    if fig.chart == "columns":
        return columns(fig, for_sponsors, series=3 if fig.key == "weekly" else 1)
    return bars(fig, for_sponsors)
