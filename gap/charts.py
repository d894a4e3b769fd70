"""Inline SVG charts for the report and the review workspace: no scripts, no external assets. Pure.

Every label goes through html.escape, so untrusted text cannot break out of the SVG.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from gap.readiness import SEGMENTS, GroupReadiness

COLOURS = {
    "conformant": "#2e7d32", "partial": "#f9a825", "gap": "#c62828", "insufficient-evidence": "#8d6e63",
    "not-applicable": "#90a4ae", "not-assessed": "#e0e0e0",
}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def readiness_bars(rows: Sequence[GroupReadiness], *, title: str, width: int = 760) -> str:
    """One horizontal stacked bar per group, segments in SEGMENTS order, with a legend."""
    label_w, bar_w, row_h = 300, width - 360, 22
    height = 30 + row_h * len(rows) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" class="chart"><title>{_e(title)}</title>',
           f'<text x="0" y="16" font-size="14" font-weight="bold">{_e(title)}</text>']
    for index, row in enumerate(rows):
        y = 28 + index * row_h
        label = row.group if len(row.group) <= 42 else row.group[:41] + "…"
        out.append(f'<text x="0" y="{y + 14}" font-size="12">{_e(label)}<title>{_e(row.group)}</title></text>')
        x = float(label_w)
        total = row.total or 1
        for segment in SEGMENTS:
            count = row.counts.get(segment, 0)
            if not count:
                continue
            w = bar_w * count / total
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" fill="{COLOURS[segment]}">'
                       f'<title>{_e(row.group)}: {count} {_e(segment)}</title></rect>')
            x += w
        out.append(f'<text x="{label_w + bar_w + 6}" y="{y + 14}" font-size="11">'
                   f'{row.counts.get("conformant", 0)}/{row.total}</text>')
    legend_y = 28 + len(rows) * row_h + 14
    x = 0
    for segment in SEGMENTS:
        out.append(f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" fill="{COLOURS[segment]}"/>'
                   f'<text x="{x + 14}" y="{legend_y}" font-size="11">{_e(segment)}</text>')
        x += 20 + 7 * len(segment)
    out.append("</svg>")
    return "".join(out)


def trend_line(points: Sequence[tuple[str, int]], *, title: str, width: int = 360, height: int = 120) -> str:
    """A small line chart of counts over labelled points (e.g. shadow AI per scan)."""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" class="chart"><title>{_e(title)}</title>',
           f'<text x="0" y="14" font-size="13" font-weight="bold">{_e(title)}</text>']
    if not points:
        out.append('<text x="0" y="50" font-size="12">no scans yet</text></svg>')
        return "".join(out)
    top = max(v for _, v in points) or 1
    left, right, upper, lower = 24, width - 10, 26, height - 20
    step = (right - left) / max(1, len(points) - 1)
    coords = [(left + i * step, lower - (lower - upper) * v / top) for i, (_, v) in enumerate(points)]
    out.append('<polyline fill="none" stroke="#c62828" stroke-width="2" points="'
               + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    for (label, value), (x, y) in zip(points, coords):
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#c62828"><title>{_e(label)}: {value}</title>'
                   f'</circle><text x="{x:.1f}" y="{y - 6:.1f}" font-size="10" text-anchor="middle">{value}</text>')
    out.append(f'<text x="{left}" y="{height - 4}" font-size="10">{_e(points[0][0])}</text>')
    if len(points) > 1:
        out.append(f'<text x="{right}" y="{height - 4}" font-size="10" text-anchor="end">{_e(points[-1][0])}</text>')
    out.append("</svg>")
    return "".join(out)


def progress_bar(done: int, total: int, *, title: str, width: int = 360) -> str:
    share = done / total if total else 0.0
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="40" class="chart">'
            f'<title>{_e(title)}</title><text x="0" y="13" font-size="13" font-weight="bold">{_e(title)}: '
            f'{done}/{total}</text><rect x="0" y="20" width="{width}" height="14" fill="#e0e0e0"/>'
            f'<rect x="0" y="20" width="{width * share:.1f}" height="14" fill="#2e7d32"/></svg>')
