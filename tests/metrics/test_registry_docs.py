"""The registry and docs/metrics.md describe the same figures.

What is checked is read from the registry (`tradeperf.metrics.registry`), from what the summaries
and the terminal table emit, and from the docs, never from a list kept here: a figure added to the
registry without a section in docs/metrics.md, a section left empty or a section of no figure
fails.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from tradeperf.metrics import FIGURES, get_figure, registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
_HEADING = re.compile(r"^(#{1,3}) +(.*?)\s*$", re.MULTILINE)


def sections(text: str) -> list[tuple[str, str]]:
    """Every ``###`` section of ``text`` as (heading, body up to the next heading), in order."""
    out = []
    marks = list(_HEADING.finditer(text))
    for i, m in enumerate(marks):
        if m.group(1) == "###":
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            out.append((m.group(2), text[m.end() : end].strip()))
    return out


def doc_sections() -> list[tuple[str, str]]:
    return sections(DOC.read_text(encoding="utf-8"))


def test_sections_are_read_from_markdown() -> None:
    text = "# T\n\n## Family\n\n### a\nFirst.\n\n### b\n\n## Next\n\n### c\nThird\nline.\n"
    assert sections(text) == [("a", "First."), ("b", ""), ("c", "Third\nline.")]


def test_the_docs_have_one_section_per_registry_figure_in_registry_order() -> None:
    # a duplicate, a missing or an extra section (or one under another heading) all differ
    assert [heading for heading, _ in doc_sections()] == list(FIGURES)


def test_every_registry_figure_section_defines_it() -> None:
    bodies = dict(doc_sections())
    empty = [name for name in FIGURES if not bodies.get(name)]
    assert empty == [], f"docs/metrics.md has no definition of {empty}"


def test_units_are_the_registry_units_and_names_match_keys() -> None:
    units = set(typing.get_args(registry.Unit))
    assert units
    for key, fig in FIGURES.items():
        assert fig.name == key
        assert fig.unit in units
        assert fig.higher_is_better in (True, False, None)
        assert fig.description.strip()
        assert fig.function is None or callable(fig.function)


def test_unknown_figure_names_the_known_ones() -> None:
    with pytest.raises(KeyError) as err:
        get_figure("sharp")
    known = str(err.value.args[0]).split("known: ", 1)[1].split(", ")
    assert sorted(known) == sorted(FIGURES)
    for name in FIGURES:
        assert get_figure(name) is FIGURES[name]


def test_every_figure_a_summary_emits_is_registered_and_in_the_schema() -> None:
    import datetime as dt
    import json
    from decimal import Decimal
    from importlib import resources

    import numpy as np

    from tradeperf.analytics.figures import DAILY_RETURN_FIGURES, ClosedTrades, group_figures

    ints = np.empty(0, np.int64)
    labels = np.empty(0, object)
    days = np.empty(0, "datetime64[D]")
    empty = ClosedTrades([], [], [], np.empty(0), ints, ints, days, labels, labels)
    figures = group_figures(
        empty, equity_start=Decimal(1), first_day=dt.date(2024, 1, 1), last_day=dt.date(2024, 1, 2)
    )
    keys = set(figures)
    assert keys
    assert keys - set(FIGURES) == set()
    schema = json.loads(
        resources.files("tradeperf.reports.schemas").joinpath("figures.schema.json").read_text()
    )
    # every row has the required figures; the period's rows also those of the daily returns
    window = group_figures(
        empty,
        equity_start=Decimal(1),
        first_day=dt.date(2024, 1, 1),
        last_day=dt.date(2024, 1, 2),
        returns_figures=False,
    )
    assert set(schema["required"]) == set(window) == keys - set(DAILY_RETURN_FIGURES)
    assert set(DAILY_RETURN_FIGURES) <= keys & set(schema["properties"])
    assert set(schema["properties"]) - {"null_reasons"} - set(FIGURES) == set()


def test_every_column_of_the_terminal_table_is_a_registry_figure() -> None:
    from tradeperf.cli.app import TERMINAL_COLUMNS

    assert [name for name, _ in TERMINAL_COLUMNS if name not in FIGURES] == []
