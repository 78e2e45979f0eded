"""A realistic sample of a trading bot's trade logs, for the demo and for tests.

`write_sample` writes ``logs/YYYY-MM-DD.jsonl``: one file per day, one line per trade written
when the trade ends (so a trade is in the file of its exit day; a trade still open at the end
of the sample is logged OPEN in the file of its entry day). Deterministic for a given seed.

What makes it realistic:

- three strategies with their own style: ``news_momentum`` (minutes-long trades on news,
  written in the news-bot layout ``asset, position_size, pnl, pnl_percentage, news_events,
  sentiment_scores, metadata``, numbers as JSON numbers, side only in ``metadata.direction``),
  ``mean_reversion`` (hours) and ``breakout`` (about a day), both in the canonical layout with
  money mostly as decimal strings;
- crypto (BTC-USD, ETH-USD, SOL-USD, traded every day and hour) and US stocks (AAPL, TSLA, SPY,
  weekdays in market hours), prices following geometric random walks, rounded to each
  instrument's tick, quantities to its lot size;
- fat-tailed returns (Student-t, 3 degrees of freedom) and a two-state regime per strategy
  (a good and a bad state that persist for days), which gives winning and losing streaks;
- fees: 0.05 % of notional per side on crypto, USD 0.005 a share (at least USD 1) per side on
  stocks, in cents; net P&L in cents;
- about 1.5 % of trades CANCELLED or FAILED, and some OPEN at the end;
- malformed lines as real logs have them, about one of each kind every 60 days (at least one
  of each): a truncated JSON line, a number written as text that is not a number, and a CLOSED
  trade without its exit time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Final

import numpy as np

CENT: Final = Decimal("0.01")

#: The kinds of malformed line the sample contains (the value names the field at fault).
MALFORMED_KINDS: Final = ("truncated", "bad_number", "missing_exit_time")


@dataclass(frozen=True, slots=True)
class _Instrument:
    symbol: str
    price: float
    daily_vol: float
    tick: Decimal
    lot: Decimal
    crypto: bool
    venue: str


@dataclass(frozen=True, slots=True)
class _Strategy:
    name: str
    prefix: str
    symbols: tuple[str, ...]
    trades_per_day: float
    hold_median_min: float
    hold_sigma: float
    edge_good: float
    edge_bad: float
    notional: float
    news_layout: bool
    exit_reasons: tuple[str, ...]


_INSTRUMENTS: Final = (
    _Instrument(
        "BTC-USD", 42000.0, 0.030, Decimal("0.01"), Decimal("0.0001"), crypto=True, venue="coinbase"
    ),
    _Instrument(
        "ETH-USD", 2300.0, 0.035, Decimal("0.01"), Decimal("0.001"), crypto=True, venue="coinbase"
    ),
    _Instrument(
        "SOL-USD", 100.0, 0.050, Decimal("0.001"), Decimal("0.01"), crypto=True, venue="kraken"
    ),
    _Instrument("AAPL", 185.0, 0.015, Decimal("0.01"), Decimal("1"), crypto=False, venue="nasdaq"),
    _Instrument("TSLA", 240.0, 0.030, Decimal("0.01"), Decimal("1"), crypto=False, venue="nasdaq"),
    _Instrument("SPY", 470.0, 0.010, Decimal("0.01"), Decimal("1"), crypto=False, venue="arca"),
)

_STRATEGIES: Final = (
    _Strategy(
        "news_momentum",
        "NB",
        ("BTC-USD", "ETH-USD", "SOL-USD", "AAPL", "TSLA"),
        12.0,
        25.0,
        0.8,
        0.90,
        -0.30,
        4000.0,
        news_layout=True,
        exit_reasons=("take_profit", "stop_loss", "time_exit", "news_reversal"),
    ),
    _Strategy(
        "mean_reversion",
        "MR",
        ("BTC-USD", "ETH-USD", "SOL-USD", "SPY"),
        10.0,
        180.0,
        0.7,
        0.35,
        -0.15,
        8000.0,
        news_layout=False,
        exit_reasons=("take_profit", "stop_loss", "mean_reached", "time_exit"),
    ),
    _Strategy(
        "breakout",
        "BO",
        ("BTC-USD", "ETH-USD", "SOL-USD", "AAPL", "TSLA"),
        6.0,
        1200.0,
        0.6,
        0.35,
        -0.20,
        10000.0,
        news_layout=False,
        exit_reasons=("trailing_stop", "stop_loss", "take_profit", "signal_exit"),
    ),
)

_REGIME_STAY: Final = 0.93


def _iso_z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _quantize(value: float, step: Decimal) -> Decimal:
    q = (Decimal(repr(float(value))) / step).to_integral_value(rounding=ROUND_HALF_EVEN) * step
    return q.quantize(step)


def _number(value: Decimal) -> float:
    # Written as a JSON number: float's shortest repr gives back the same digits.
    return float(value)


def write_sample(
    out_dir: Path | str,
    *,
    seed: int = 7,
    days: int = 365,
    start: date = date(2024, 1, 1),
) -> list[Path]:
    """Write a year (by default) of a trading bot's daily JSONL trade logs.

    Parameters
    ----------
    out_dir
        Folder to write into; files go to ``out_dir/logs/YYYY-MM-DD.jsonl`` (created,
        existing files of the same names are overwritten).
    seed
        The random seed; the same seed gives byte-identical files.
    days
        Number of calendar days, from ``start``.
    start
        The first day (UTC).

    Returns
    -------
    The written files, sorted by date.

    Raises
    ------
    ValueError
        If ``days`` is less than 1.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     len(write_sample(d, days=3))
    3
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    rng = np.random.default_rng(seed)
    logs = Path(out_dir) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    end = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=days)

    # Daily closes per instrument: geometric random walk with a little drift.
    prices: dict[str, np.ndarray] = {}
    for inst in _INSTRUMENTS:
        steps = rng.normal(0.0002, inst.daily_vol, size=days + 2)
        prices[inst.symbol] = inst.price * np.exp(np.cumsum(steps))
    instruments = {i.symbol: i for i in _INSTRUMENTS}

    lines: dict[date, list[tuple[datetime, str]]] = {}
    counters = dict.fromkeys((s.name for s in _STRATEGIES), 0)
    regimes = dict.fromkeys((s.name for s in _STRATEGIES), True)

    for day_index in range(days):
        day = start + timedelta(days=day_index)
        day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        weekday = day.weekday() < 5
        for strat in _STRATEGIES:
            if rng.random() > _REGIME_STAY:
                regimes[strat.name] = not regimes[strat.name]
            edge = strat.edge_good if regimes[strat.name] else strat.edge_bad
            n = int(rng.poisson(strat.trades_per_day))
            for _ in range(n):
                symbol = strat.symbols[int(rng.integers(len(strat.symbols)))]
                inst = instruments[symbol]
                if not inst.crypto and not weekday:
                    continue
                if inst.crypto:
                    # Busier in European and US hours.
                    hour = float(np.clip(rng.normal(14.0, 5.0), 0.0, 23.99))
                else:
                    hour = float(rng.uniform(14.5, 20.9))
                entry = day_start + timedelta(seconds=round(hour * 3600 + rng.uniform(0, 60), 3))
                hold_min = float(strat.hold_median_min * np.exp(rng.normal(0.0, strat.hold_sigma)))
                exit_ = entry + timedelta(seconds=round(max(hold_min, 0.5) * 60, 3))
                counters[strat.name] += 1
                trade_id = f"{strat.prefix}-{counters[strat.name]:06d}"
                line, log_day, log_time = _trade_line(
                    rng, strat, inst, trade_id, entry, exit_, end, edge, prices, day_index
                )
                lines.setdefault(log_day, []).append((log_time, line))

    _add_malformed(rng, lines, start, days)

    written: list[Path] = []
    for day_index in range(days):
        day = start + timedelta(days=day_index)
        entries = sorted(lines.get(day, []), key=lambda e: e[0])
        path = logs / f"{day.isoformat()}.jsonl"
        path.write_text("".join(text + "\n" for _, text in entries), encoding="utf-8")
        written.append(path)
    return written


def _trade_line(
    rng: np.random.Generator,
    strat: _Strategy,
    inst: _Instrument,
    trade_id: str,
    entry: datetime,
    exit_: datetime,
    end: datetime,
    edge: float,
    prices: dict[str, np.ndarray],
    day_index: int,
) -> tuple[str, date, datetime]:
    """One trade's log line, the day whose file it goes to, and the time it was logged."""
    path = prices[inst.symbol]
    frac = (entry.hour * 3600 + entry.minute * 60 + entry.second) / 86400.0
    level = path[day_index] * (1 - frac) + path[day_index + 1] * frac
    entry_price = _quantize(level * (1 + rng.normal(0, 0.001)), inst.tick)
    short = bool(rng.random() < 0.4)
    sign = -1 if short else 1
    hold_days = max((exit_ - entry).total_seconds() / 86400.0, 1e-4)
    scale = inst.daily_vol * float(np.sqrt(hold_days))
    move = scale * (edge + float(rng.standard_t(3)) / np.sqrt(3.0))
    move = float(np.clip(move, -0.4, 0.4))
    exit_price = _quantize(float(entry_price) * (1 + sign * move), inst.tick)
    qty = _quantize(
        strat.notional * float(np.exp(rng.normal(0, 0.35))) / float(entry_price), inst.lot
    )
    qty = max(qty, inst.lot)
    notional_in = entry_price * qty
    notional_out = exit_price * qty
    if inst.crypto:
        fee_in = (notional_in * Decimal("0.0005")).quantize(CENT)
        fee_out = (notional_out * Decimal("0.0005")).quantize(CENT)
    else:
        fee_in = max(Decimal("1.00"), (qty * Decimal("0.005")).quantize(CENT))
        fee_out = fee_in
    gross = sign * (exit_price - entry_price) * qty
    signal_id = f"sig-{strat.prefix.lower()}-{int(rng.integers(1, 10**8)):08d}"

    u = rng.random()
    status = "CLOSED"
    if u < 0.01:
        status = "CANCELLED"
    elif u < 0.015:
        status = "FAILED"
    elif exit_ >= end:
        status = "OPEN"
    closed = status == "CLOSED"
    fees = fee_in + fee_out if closed else (fee_in if status == "OPEN" else Decimal("0.00"))
    net = (gross - fees).quantize(CENT) if closed else None
    ret = float(net / notional_in) if net is not None else None
    log_time = exit_ if closed else entry
    log_day = log_time.date()

    if strat.news_layout:
        n_events = int(rng.integers(1, 4))
        compound = float(np.clip(rng.normal(-0.5 if short else 0.5, 0.25), -1, 1))
        row: dict[str, object] = {
            "trade_id": trade_id,
            "signal_id": signal_id,
            "asset": inst.symbol,
            "entry_time": entry.isoformat(timespec="milliseconds"),
            "exit_time": exit_.isoformat(timespec="milliseconds") if closed else None,
            "entry_price": _number(entry_price),
            "exit_price": _number(exit_price) if closed else None,
            "position_size": _number(qty),
            "pnl": _number(net) if net is not None else None,
            "pnl_percentage": round(ret * 100, 4) if ret is not None else None,
            "status": status,
            "news_events": [f"nev-{int(rng.integers(1, 10**6)):06d}" for _ in range(n_events)],
            "sentiment_scores": {
                "compound": round(compound, 3),
                "positive": round(max(compound, 0.0), 3),
                "negative": round(max(-compound, 0.0), 3),
            },
            "fees": _number(fees),
            "metadata": {
                "strategy": strat.name,
                "direction": "short" if short else "long",
                "model": "finbert-v2",
                "headline_count": n_events,
            },
        }
        if status == "FAILED":
            row["metadata"] = {**row["metadata"], "error": "exchange rejected order"}  # type: ignore[dict-item]  # metadata is a dict here
    else:
        as_numbers = bool(rng.random() < 0.25)

        def money(value: Decimal | None) -> object:
            if value is None:
                return None
            return _number(value) if as_numbers else str(value)

        row = {
            "trade_id": trade_id,
            "strategy": strat.name,
            "symbol": inst.symbol,
            "side": "short" if short else "long",
            "status": status,
            "entry_time": _iso_z(entry),
            "exit_time": _iso_z(exit_) if closed else None,
            "quantity": money(qty),
            "entry_price": money(entry_price),
            "exit_price": money(exit_price) if closed else None,
            "fees": money(fees),
            "net_pnl": money(net),
            "return_pct": round(ret, 6) if ret is not None else None,
            "risk_reward": round(float(rng.uniform(0.8, 3.0)), 2),
            "signal_id": signal_id,
            "exit_reason": (
                strat.exit_reasons[int(rng.integers(len(strat.exit_reasons)))]
                if closed
                else {"CANCELLED": "order_timeout", "FAILED": "exchange_error"}.get(status)
            ),
            "currency": "USD",
            "venue": inst.venue,
            "tags": [strat.name, "crypto" if inst.crypto else "equity"],
        }
        if closed and rng.random() < 0.2:
            row["gross_pnl"] = money(net + fees if net is not None else None)
    return json.dumps(row, separators=(", ", ": ")), log_day, log_time


def _add_malformed(
    rng: np.random.Generator,
    lines: dict[date, list[tuple[datetime, str]]],
    start: date,
    days: int,
) -> None:
    """Spoil a few lines the way real logs get spoiled."""
    per_kind = max(1, days // 60)
    candidates = sorted(d for d in lines if lines[d] and (d - start).days < days)
    if not candidates:
        return
    spoilt: set[tuple[date, int]] = set()
    for kind in MALFORMED_KINDS:
        picks = rng.choice(len(candidates), size=min(per_kind, len(candidates)), replace=False)
        for pick in sorted(int(p) for p in picks):
            day_lines = lines[candidates[pick]]
            closed = [
                i
                for i, (_, text) in enumerate(day_lines)
                if '"status": "CLOSED"' in text and (candidates[pick], i) not in spoilt
            ]
            if not closed:
                continue
            i = closed[int(rng.integers(len(closed)))]
            t, text = day_lines[i]
            row = json.loads(text)
            if kind == "truncated":
                spoiled = text[: max(10, int(len(text) * 0.6))]
            elif kind == "bad_number":
                key = "entry_price"
                row[key] = "12,345.6O"
                spoiled = json.dumps(row, separators=(", ", ": "))
            else:
                row["exit_time"] = None
                spoiled = json.dumps(row, separators=(", ", ": "))
            day_lines[i] = (t, spoiled)
            spoilt.add((candidates[pick], i))
