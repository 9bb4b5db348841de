"""Self-contained HTML pages: sections of text, tables and matplotlib figures embedded as PNG.

Nothing on a page refers to another file or the network, so a report can be mailed or archived
alone. Figures are drawn with matplotlib's non-interactive Agg backend (no screen needed).
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass, field

import matplotlib
import pandas as pd

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; } p.note { color: #555; font-size: 0.9em; }
"""


def figure_tag(fig: Figure, alt: str, tight: bool = True) -> str:
    """``fig`` as an ``<img>`` tag carrying the PNG inline (base64 data URI).

    ``tight`` trims the image to what is drawn, which costs a second drawing of the figure;
    a figure whose margins are set (``Figure.subplots_adjust``) can go without it.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight" if tight else None)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def table(frame: pd.DataFrame) -> str:
    """``frame`` as an HTML table: its column names as the header, each value as escaped text.

    Missing values (None, NaN, NA) show as empty cells; format numbers before passing them.
    """
    head = "".join(f"<th>{html.escape(str(name))}</th>" for name in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>"
                   for row in frame.itertuples(index=False, name=None))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _cell(value: object) -> str:
    missing = value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    return "" if missing else html.escape(str(value))


def note(text: str) -> str:
    """A short explanatory paragraph (escaped), e.g. how to read the figure above it."""
    return f'<p class="note">{html.escape(text)}</p>'


@dataclass
class Section:
    """One titled part of a page; ``parts`` are HTML fragments (figures, tables, paragraphs)."""

    title: str
    parts: list[str] = field(default_factory=list)


def page(title: str, sections: list[Section], intro: str = "") -> str:
    """A whole HTML document with ``sections`` in order."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    if intro:
        body.append(f"<p>{html.escape(intro)}</p>")
    for section in sections:
        body.append(f"<h2>{html.escape(section.title)}</h2>")
        body.extend(section.parts)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")
