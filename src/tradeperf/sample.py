"""A realistic sample of a trading bot's records, for the demo, for tests and for benchmarks.

`write_sample` writes ``logs/YYYY-MM-DD.jsonl``: one file per day, one line per trade written
when the trade ends (so a trade is in the file of its exit day; a trade still open at the end
of the sample is logged OPEN in the file of its entry day). Deterministic for a given seed.
`generate_trades` returns the same model's CLOSED trades as `Trade` records, in memory;
`generate_events` (and `generate_fills`) a bot's stream of fills, marks and funding payments.

What makes the trades realistic:

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

import dataclasses
import decimal
import heapq
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import islice
from pathlib import Path
from typing import Final, TypeVar, cast

import numpy as np

from tradeperf.records import Fill, FundingPayment, Liquidity, Mark, PositionSide, Side, Trade
from tradeperf.records import TradeStatus as _Status

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
    model = _TradeModel(rng, _DailyCloses(rng, days + 2), end)

    lines: dict[date, list[tuple[datetime, str]]] = {}
    for day_index in range(days):
        for draft in model.day(day_index, start + timedelta(days=day_index)):
            log_time = draft.exit if draft.status is _Status.CLOSED else draft.entry
            lines.setdefault(log_time.date(), []).append((log_time, _log_line(draft)))

    _add_malformed(rng, lines, start, days)

    written: list[Path] = []
    for day_index in range(days):
        day = start + timedelta(days=day_index)
        entries = sorted(lines.get(day, []), key=lambda e: e[0])
        path = logs / f"{day.isoformat()}.jsonl"
        path.write_text("".join(text + "\n" for _, text in entries), encoding="utf-8")
        written.append(path)
    return written


#: The first instant of `generate_trades` and `generate_events` when no ``start`` is given.
DEFAULT_START: Final = datetime(2024, 1, 1, tzinfo=UTC)


def generate_trades(count: int, seed: int = 42, *, start: datetime | None = None) -> list[Trade]:
    """Return ``count`` CLOSED round-trip trades of the sample's model, in exit order.

    The trades `write_sample` logs, as `Trade` records in memory: the same strategies,
    instruments, ticks and lots, fat-tailed returns, regimes and fees, without the log
    layouts' quirks and without CANCELLED, FAILED or OPEN trades.

    Parameters
    ----------
    count
        Number of trades, ≥ 0.
    seed
        The random seed. The same seed (and ``start``) gives the same trades, and the first
        ``n`` trades of a longer list are the ``n`` trades of a shorter one.
    start
        Timezone-aware; no trade enters before it; trading starts on its UTC day.
        Default `DEFAULT_START` (2024-01-01 00:00 UTC).

    Returns
    -------
    list of `Trade`, length ``count``, in `EXIT_ORDER` (exit time, entry time, trade id).
    Times are UTC, milliseconds. ``trade_id`` is unique (``MR-000001``: the strategy's
    prefix and its counter). Money is exact and in USD: prices on the instrument's tick,
    quantities on its lot, ``fees`` and ``net_pnl`` in cents, ``gross_pnl = net_pnl + fees``
    (the gross in cents, as the logs state it: it differs from ``±(exit − entry) ×
    quantity`` by less than a cent), so ``net_pnl == gross_pnl - fees`` exactly.
    ``return_pct`` is ``net_pnl`` over the entry notional.

    Raises
    ------
    ValueError
        If ``count`` is negative or ``start`` is naive.

    Notes
    -----
    About 25 trades a day (fewer at weekends, when stocks do not trade). The trades are the
    model's draws of one `numpy.random.Generator` per stream (trades, daily closes), spawned
    from ``seed``; ``write_sample`` draws both from one generator, so its trades for a seed
    are not these.

    Examples
    --------
    >>> trades = generate_trades(3, seed=1)
    >>> [(t.trade_id, t.symbol, t.side.value, str(t.net_pnl)) for t in trades]
    [('NB-000001', 'SOL-USD', 'long', '40.31'), ('NB-000003', 'BTC-USD', 'long', '2.31'), \
('NB-000002', 'ETH-USD', 'long', '36.56')]
    >>> all(t.net_pnl == t.gross_pnl - t.fees for t in trades)
    True
    >>> generate_trades(2, seed=1) == trades[:2]
    True
    """
    if count < 0:
        raise ValueError(f"count must be ≥ 0, got {count}")
    begin = _aware_start(start)
    trade_seq, price_seq = np.random.SeedSequence(seed).spawn(2)
    closes = _DailyCloses(np.random.default_rng(price_seq), _CLOSES_BLOCK)
    model = _TradeModel(np.random.default_rng(trade_seq), closes, end=None)
    first = begin.date()
    pending: list[tuple[datetime, datetime, str, _Draft]] = []
    out: list[Trade] = []
    day_index = 0
    while len(out) < count:
        day = first + timedelta(days=day_index)
        for d in model.day(day_index, day):
            if d.status is _Status.CLOSED and d.entry >= begin:
                heapq.heappush(pending, (d.exit, d.entry, d.trade_id, d))
        day_index += 1
        # every trade of a later day enters (and so exits) after this boundary
        boundary = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        while pending and pending[0][0] < boundary and len(out) < count:
            out.append(_trade_record(heapq.heappop(pending)[3]))
    return out


def _aware_start(start: datetime | None) -> datetime:
    if start is None:
        return DEFAULT_START
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    return start.astimezone(UTC)


# -- the trade model (shared by write_sample and generate_trades) ---------------------------
_CLOSES_BLOCK: Final = 256  # days of daily closes drawn at a time when the horizon is open


class _DailyCloses:
    """Daily closes per instrument: geometric random walks with a little drift.

    The first ``days`` closes of every instrument are drawn at once, instrument by instrument
    (what `write_sample` has always drawn); later ones, when asked for, in blocks of
    `_CLOSES_BLOCK` days, so a close does not depend on how far the caller goes.
    """

    __slots__ = ("_paths", "_rng")

    def __init__(self, rng: np.random.Generator, days: int) -> None:
        self._rng = rng
        self._paths: dict[str, np.ndarray] = {}
        for inst in _INSTRUMENTS:
            steps = rng.normal(0.0002, inst.daily_vol, size=days)
            self._paths[inst.symbol] = inst.price * np.exp(np.cumsum(steps))

    def level(self, symbol: str, day_index: int, frac: float) -> float:
        """Return the price ``frac`` (0 to 1) of the way through day ``day_index``."""
        while day_index + 1 >= len(self._paths[symbol]):
            for inst in _INSTRUMENTS:
                steps = self._rng.normal(0.0002, inst.daily_vol, size=_CLOSES_BLOCK)
                path = self._paths[inst.symbol]
                more = path[-1] * np.exp(np.cumsum(steps))
                self._paths[inst.symbol] = np.concatenate([path, more])
        path = self._paths[symbol]
        return float(path[day_index] * (1 - frac) + path[day_index + 1] * frac)


@dataclass(frozen=True, slots=True)
class _Draft:
    """One trade of the model: what its log line and its `Trade` record are made from."""

    strategy: _Strategy
    inst: _Instrument
    trade_id: str
    entry: datetime
    exit: datetime
    status: _Status
    short: bool
    entry_price: Decimal
    exit_price: Decimal
    quantity: Decimal
    fees: Decimal  # both sides when CLOSED, the entry's when OPEN, none otherwise
    net: Decimal | None  # in cents; None unless CLOSED
    ret: float | None  # net over the entry notional
    signal_id: str
    # the news layout's
    news_events: tuple[str, ...] = ()
    compound: float = 0.0
    # the canonical layout's
    as_numbers: bool = False
    risk_reward: float | None = None
    exit_reason: str | None = None
    with_gross: bool = False


class _TradeModel:
    """The strategies' trades day by day, drawn from one generator in a fixed order."""

    __slots__ = ("_closes", "_counters", "_end", "_regimes", "_rng")

    def __init__(
        self, rng: np.random.Generator, closes: _DailyCloses, end: datetime | None
    ) -> None:
        self._rng = rng
        self._closes = closes
        self._end = end  # a trade exiting at or after it is OPEN; None: no end
        self._counters = dict.fromkeys((s.name for s in _STRATEGIES), 0)
        self._regimes = dict.fromkeys((s.name for s in _STRATEGIES), True)

    def day(self, day_index: int, day: date) -> list[_Draft]:
        """Draw the trades entered on ``day`` (day ``day_index`` of the closes), in order."""
        rng = self._rng
        day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        weekday = day.weekday() < 5
        out: list[_Draft] = []
        for strat in _STRATEGIES:
            if rng.random() > _REGIME_STAY:
                self._regimes[strat.name] = not self._regimes[strat.name]
            edge = strat.edge_good if self._regimes[strat.name] else strat.edge_bad
            n = int(rng.poisson(strat.trades_per_day))
            for _ in range(n):
                inst = _BY_SYMBOL[strat.symbols[int(rng.integers(len(strat.symbols)))]]
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
                self._counters[strat.name] += 1
                trade_id = f"{strat.prefix}-{self._counters[strat.name]:06d}"
                out.append(self._draft(strat, inst, trade_id, entry, exit_, edge, day_index))
        return out

    def _draft(
        self,
        strat: _Strategy,
        inst: _Instrument,
        trade_id: str,
        entry: datetime,
        exit_: datetime,
        edge: float,
        day_index: int,
    ) -> _Draft:
        rng = self._rng
        frac = (entry.hour * 3600 + entry.minute * 60 + entry.second) / 86400.0
        level = self._closes.level(inst.symbol, day_index, frac)
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
        status = _Status.CLOSED
        if u < 0.01:
            status = _Status.CANCELLED
        elif u < 0.015:
            status = _Status.FAILED
        elif self._end is not None and exit_ >= self._end:
            status = _Status.OPEN
        closed = status is _Status.CLOSED
        fees = (
            fee_in + fee_out if closed else (fee_in if status is _Status.OPEN else Decimal("0.00"))
        )
        net = (gross - fees).quantize(CENT) if closed else None
        ret = float(net / notional_in) if net is not None else None
        common = (strat, inst, trade_id, entry, exit_, status, short, entry_price, exit_price, qty)
        if strat.news_layout:
            n_events = int(rng.integers(1, 4))
            compound = float(np.clip(rng.normal(-0.5 if short else 0.5, 0.25), -1, 1))
            news = tuple(f"nev-{int(rng.integers(1, 10**6)):06d}" for _ in range(n_events))
            return _Draft(*common, fees, net, ret, signal_id, news_events=news, compound=compound)
        as_numbers = bool(rng.random() < 0.25)
        risk_reward = round(float(rng.uniform(0.8, 3.0)), 2)
        exit_reason = (
            strat.exit_reasons[int(rng.integers(len(strat.exit_reasons)))]
            if closed
            else {_Status.CANCELLED: "order_timeout", _Status.FAILED: "exchange_error"}.get(status)
        )
        with_gross = closed and bool(rng.random() < 0.2)
        return _Draft(
            *common,
            fees,
            net,
            ret,
            signal_id,
            as_numbers=as_numbers,
            risk_reward=risk_reward,
            exit_reason=exit_reason,
            with_gross=with_gross,
        )


_BY_SYMBOL: Final = {i.symbol: i for i in _INSTRUMENTS}


def _sentiment(d: _Draft) -> dict[str, float]:
    return {
        "compound": round(d.compound, 3),
        "positive": round(max(d.compound, 0.0), 3),
        "negative": round(max(-d.compound, 0.0), 3),
    }


def _metadata(d: _Draft) -> dict[str, object]:
    meta: dict[str, object] = {
        "strategy": d.strategy.name,
        "direction": "short" if d.short else "long",
        "model": "finbert-v2",
        "headline_count": len(d.news_events),
    }
    if d.status is _Status.FAILED:
        meta["error"] = "exchange rejected order"
    return meta


def _log_line(d: _Draft) -> str:
    """Write the trade's line of the bot's log, in its strategy's layout."""
    closed = d.status is _Status.CLOSED
    net, fees = d.net, d.fees
    row: dict[str, object]
    if d.strategy.news_layout:
        row = {
            "trade_id": d.trade_id,
            "signal_id": d.signal_id,
            "asset": d.inst.symbol,
            "entry_time": d.entry.isoformat(timespec="milliseconds"),
            "exit_time": d.exit.isoformat(timespec="milliseconds") if closed else None,
            "entry_price": _number(d.entry_price),
            "exit_price": _number(d.exit_price) if closed else None,
            "position_size": _number(d.quantity),
            "pnl": _number(net) if net is not None else None,
            "pnl_percentage": round(d.ret * 100, 4) if d.ret is not None else None,
            "status": d.status.value,
            "news_events": list(d.news_events),
            "sentiment_scores": _sentiment(d),
            "fees": _number(fees),
            "metadata": _metadata(d),
        }
    else:

        def money(value: Decimal | None) -> object:
            if value is None:
                return None
            return _number(value) if d.as_numbers else str(value)

        row = {
            "trade_id": d.trade_id,
            "strategy": d.strategy.name,
            "symbol": d.inst.symbol,
            "side": "short" if d.short else "long",
            "status": d.status.value,
            "entry_time": _iso_z(d.entry),
            "exit_time": _iso_z(d.exit) if closed else None,
            "quantity": money(d.quantity),
            "entry_price": money(d.entry_price),
            "exit_price": money(d.exit_price) if closed else None,
            "fees": money(fees),
            "net_pnl": money(net),
            "return_pct": round(d.ret, 6) if d.ret is not None else None,
            "risk_reward": d.risk_reward,
            "signal_id": d.signal_id,
            "exit_reason": d.exit_reason,
            "currency": "USD",
            "venue": d.inst.venue,
            "tags": [d.strategy.name, "crypto" if d.inst.crypto else "equity"],
        }
        if d.with_gross and net is not None:
            row["gross_pnl"] = money(net + fees)
    return json.dumps(row, separators=(", ", ": "))


def _trade_record(d: _Draft) -> Trade:
    """Make the CLOSED trade ``d`` a `Trade`: what its log line says, in USD at its venue."""
    assert d.net is not None  # CLOSED
    assert d.ret is not None
    news = d.strategy.news_layout
    return Trade(
        trade_id=d.trade_id,
        symbol=d.inst.symbol,
        side=PositionSide.SHORT if d.short else PositionSide.LONG,
        status=d.status,
        entry_time=d.entry,
        exit_time=d.exit,
        quantity=d.quantity,
        entry_price=d.entry_price,
        exit_price=d.exit_price,
        fees=d.fees,
        gross_pnl=d.net + d.fees,
        net_pnl=d.net,
        strategy=d.strategy.name,
        return_pct=round(d.ret, 6),
        risk_reward=d.risk_reward,
        signal_id=d.signal_id,
        exit_reason=d.exit_reason,
        currency="USD",
        tags=() if news else (d.strategy.name, "crypto" if d.inst.crypto else "equity"),
        news_event_ids=d.news_events,
        sentiment_json=json.dumps(_sentiment(d), separators=(",", ":")) if news else None,
        metadata_json=json.dumps(_metadata(d), separators=(",", ":")) if news else None,
        venue=d.inst.venue,
    )


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


# -- the event stream: fills, marks and funding payments ------------------------------------
#: Symbols and strategies of `generate_events` when none are given.
DEFAULT_SYMBOLS: Final = ("BTC-USD", "ETH-USD", "SOL-USD")
DEFAULT_STRATEGIES: Final = ("news_momentum", "mean_reversion", "breakout")

Event = Fill | Mark | FundingPayment

_FILL_SHARE: Final = 0.55
_FUNDING_SHARE: Final = 0.02
_MEAN_GAP_MS: Final = 36_000.0  # mean wait for an event (a reacting fill waits less)
_REACT_SHARE: Final = 0.8  # of fills right after a mark: on its symbol, after a latency
_LATENCY_MS: Final = 250.0  # mean
_DAY_MS: Final = 86_400_000
_FUNDING_PERIOD_MS: Final = 8 * 3_600_000
_FILL_NOTIONAL: Final = 5000.0  # median USD notional of a fill that opens or adds
_MAKER_SHARE: Final = 0.4
_REBATE_SHARE: Final = 0.3  # of maker fills: the venue pays a rebate
_TAKER_RATE: Final = 50  # fee rates in tenths of a basis point of notional: 5 bp
_MAKER_RATE: Final = 10  # 1 bp
_REBATE_RATE: Final = -5  # -0.5 bp
_BLOCK: Final = 1 << 16  # events whose random draws are made at once
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_GENERIC = _Instrument("", 100.0, 0.03, Decimal("0.01"), Decimal("0.01"), crypto=True, venue="sim")


def generate_events(
    count: int,
    seed: int = 42,
    *,
    start: datetime | None = None,
    symbols: Sequence[str] = DEFAULT_SYMBOLS,
    strategies: Sequence[str] = DEFAULT_STRATEGIES,
    funding: bool = True,
) -> Iterator[Event]:
    """Yield a bot's stream of ``count`` fills, marks and funding payments, in time order.

    About 55 % fills, 43 % marks and 2 % funding payments (marks instead when ``funding``
    is False or no crypto position is held). Each symbol's price is a geometric random walk
    (the sample's daily volatility, a little drift) rounded to its tick; a mark is the walk.
    Fills trade near it: a taker one or two ticks through it (a buy above, a sell below), a
    maker zero or one. Most fills that follow a mark (80 %) react to it: the same symbol,
    about 250 ms later. One account (``"default"``) holds one position per symbol, which the
    fills open, add to, partly close, close flat and flip; the strategy that opened it (drawn
    from ``strategies``) sends every fill until it is flat again.

    Parameters
    ----------
    count
        Number of events, ≥ 0.
    seed
        The random seed. The same arguments give the same events, and the first ``n`` events
        of a longer stream are the ``n`` events of a shorter one.
    start
        Timezone-aware; every event is after it. Default `DEFAULT_START` (2024-01-01 UTC).
    symbols
        Distinct symbols. One of the sample's instruments (`DEFAULT_SYMBOLS`; also AAPL,
        TSLA and SPY, which here trade round the clock and pay no funding) keeps its price,
        volatility, tick, lot and venue; any other trades like a crypto perpetual at 100,
        tick 0.01, lot 0.01, venue ``"sim"``.
    strategies
        Names of the strategies that send orders (`DEFAULT_STRATEGIES`).
    funding
        Whether held crypto positions receive and pay funding.

    Returns
    -------
    Iterator of `Fill`, `Mark` and `FundingPayment`, lazily made, in strictly increasing
    timestamps (UTC, whole milliseconds; 29 s apart on average, so 1M events span about
    eleven months), which is also the order of `tradeperf.ledger.merge_events`.

    - `Fill`: ``fill_id`` ``fill-000000001`` and ``order_id`` ``ord-000000001``, unique (one
      fill per order); price on the tick, quantity on the lot, multiplier 1, currency USD,
      the venue of the instrument; ``liquidity`` MAKER (40 %) or TAKER; ``fee`` in USD
      rounded to 1e-8: crypto 5 bp of notional for a taker, 1 bp for a maker or a rebate of
      0.5 bp (a negative fee, 30 % of maker fills); stocks USD 0.005 a share, at least USD 1,
      in cents. ``reference_price``, the decision price, is the symbol's last mark (the walk
      before its first mark). A fill that opens or adds trades about USD 5,000 (log-normal);
      one that partly closes, 20 to 80 % of the position; one that flips, the position and
      about USD 5,000 more.
    - `Mark`: the walk at that instant.
    - `FundingPayment`: on a held crypto position (one drawn among them), ``−position ×
      price × rate`` in USD to 1e-8 with the symbol's last price, the rate an 8-hour rate
      drawn each time (mean 1 bp, sd 1.5 bp: longs mostly pay) accrued over the time since
      the position's previous payment or its opening (or flip).

    Raises
    ------
    ValueError
        If ``count`` is negative, ``start`` naive, ``symbols`` empty or repeated, or
        ``strategies`` empty.

    Notes
    -----
    The random draws are made with NumPy, 65,536 events at a time; the records are built in
    one loop, already in the form their constructors give (amounts as Decimals with 18
    fractional digits, enums, aware datetimes) without running those checks again, which
    would take most of the time. Measured (the command is in the docstring of
    ``tests/test_sample_generators.py``): 1,000,000 events in 7.5 s on a machine where
    ``python -m timeit "sum(range(1000))"`` takes 15 µs, about 2.5 times as slow as a
    current desktop. A list of them takes longer, as Python's cyclic garbage collector
    rescans the growing list: 13.5 s there, 7.3 s with the collector paused
    (``gc.disable()`` while building it).

    Examples
    --------
    >>> events = list(generate_events(6, seed=3))
    >>> [type(e).__name__ for e in events]
    ['Fill', 'Fill', 'Mark', 'Mark', 'Fill', 'Fill']
    >>> mark, fill = events[3], events[4]  # a fill that reacts to a mark
    >>> mark.symbol, mark.price.normalize(), fill.timestamp - mark.timestamp
    ('BTC-USD', Decimal('41960.19'), datetime.timedelta(microseconds=101000))
    >>> fill.fill_id, fill.strategy, fill.side.value, fill.liquidity.value
    ('fill-000000003', 'news_momentum', 'SELL', 'TAKER')
    >>> [x.normalize() for x in (fill.quantity, fill.reference_price, fill.price, fill.fee)]
    [Decimal('0.063'), Decimal('41960.19'), Decimal('41960.5'), Decimal('1.32175575')]
    >>> all(a.timestamp < b.timestamp for a, b in zip(events, events[1:]))
    True

    The stream a ledger books (wins and losses, after fees):

    >>> from tradeperf.ledger import Ledger
    >>> trades = Ledger().apply_all(generate_events(2000, seed=3))
    >>> len(trades), sum(t.net_pnl > 0 for t in trades), sum(t.net_pnl < 0 for t in trades)
    (379, 129, 250)
    """
    if count < 0:
        raise ValueError(f"count must be ≥ 0, got {count}")
    return islice(_checked_stream(seed, start, symbols, strategies, with_funding=funding), count)


def generate_fills(
    count: int,
    seed: int = 42,
    *,
    start: datetime | None = None,
    symbols: Sequence[str] = DEFAULT_SYMBOLS,
    strategies: Sequence[str] = DEFAULT_STRATEGIES,
) -> list[Fill]:
    """Return the first ``count`` fills of `generate_events` with the same arguments.

    Parameters
    ----------
    count
        Number of fills, ≥ 0.
    seed
        The random seed (see `generate_events`).
    start
        Timezone-aware; every fill is after it. Default `DEFAULT_START`.
    symbols
        Distinct symbols (see `generate_events`).
    strategies
        Names of the strategies that send orders.

    Returns
    -------
    list of `Fill`, length ``count``, in strictly increasing timestamps.

    Raises
    ------
    ValueError
        As `generate_events`.

    Examples
    --------
    >>> fills = generate_fills(500, seed=3)
    >>> len(fills), len({f.fill_id for f in fills}), sorted({f.strategy for f in fills})
    (500, 500, ['breakout', 'mean_reversion', 'news_momentum'])
    """
    if count < 0:
        raise ValueError(f"count must be ≥ 0, got {count}")
    stream = _checked_stream(seed, start, symbols, strategies, with_funding=True)
    return list(islice((e for e in stream if isinstance(e, Fill)), count))


def _checked_stream(
    seed: int,
    start: datetime | None,
    symbols: Sequence[str],
    strategies: Sequence[str],
    *,
    with_funding: bool,
) -> Iterator[Event]:
    """Check the arguments (now, not at the first event) and return the endless stream."""
    begin = _aware_start(start)
    names = tuple(symbols)
    if not names or len(set(names)) != len(names):
        raise ValueError(f"symbols must be distinct and at least one, got {names!r}")
    senders = tuple(strategies)
    if not senders:
        raise ValueError("strategies must name at least one strategy")
    return _stream(seed, begin, names, senders, with_funding=with_funding)


_T = TypeVar("_T")


def _builder(cls: type[_T], names: tuple[str, ...]) -> Callable[..., _T]:
    """Return a maker of the frozen, slotted record ``cls`` from the values of ``names``.

    The values must already be what the constructor's checks make of them (exact Decimals
    with 18 fractional digits, enums, aware datetimes): the checks are not run again, which
    is what builds a million records in seconds (a `Fill` costs about a sixth of its
    constructor's time). Fields not named get their defaults.

    Notes
    -----
    The maker is a class with the same slots as ``cls`` and a plain ``__init__`` (written
    out, as `dataclasses` writes one) that fills them and then sets ``__class__`` to ``cls``,
    which Python allows between classes of the same layout: the result is a ``cls`` in every
    respect (``type(x) is cls``, still frozen). ``tests/test_sample_generators.py`` rebuilds
    records through the constructor and compares values and reprs.
    """
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]  # cls is a dataclass
    unknown = set(names) - {f.name for f in fields}
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {sorted(unknown)}")
    env: dict[str, object] = {"_cls": cls}
    body = [f"    self.{n} = {n}" for n in names]
    for f in fields:
        if f.name in names:
            continue
        if f.default is not dataclasses.MISSING:
            env[f"_default_{f.name}"] = f.default
            body.append(f"    self.{f.name} = _default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            env[f"_factory_{f.name}"] = f.default_factory
            body.append(f"    self.{f.name} = _factory_{f.name}()")
        else:
            raise TypeError(f"{cls.__name__}.{f.name} has no default")
    body.append("    self.__class__ = _cls")
    exec(f"def __init__(self, {', '.join(names)}):\n" + "\n".join(body), env)
    slots = cls.__dict__["__slots__"]
    maker = type(f"_{cls.__name__}Maker", (), {"__slots__": slots, "__init__": env["__init__"]})
    return cast("Callable[..., _T]", maker)


_make_fill = _builder(
    Fill,
    (
        "fill_id",
        "timestamp",
        "symbol",
        "side",
        "quantity",
        "price",
        "fee",
        "account",
        "venue",
        "strategy",
        "fee_currency",
        "liquidity",
        "order_id",
        "multiplier",
        "currency",
        "tags",
        "reference_price",
    ),
)
_make_mark = _builder(Mark, ("timestamp", "symbol", "price"))
_make_funding = _builder(FundingPayment, ("timestamp", "symbol", "amount", "account", "currency"))
_WIDE: Final = decimal.Context(prec=60)


def _d18(units: int) -> Decimal:
    """``units`` × 1e-18 as a Decimal with 18 fractional digits (as `to_decimal` gives)."""
    return Decimal(units).scaleb(-18, _WIDE)


def _round_div(n: int, d: int) -> int:
    """Return n / d rounded half-even, for d > 0."""
    q, r = divmod(n, d)
    if 2 * r > d or (2 * r == d and q & 1):
        q += 1
    return q


def _digits(step: Decimal) -> int:
    """Return k of a step 10**-k (the sample's ticks and lots are powers of ten)."""
    sign, digits, exponent = step.as_tuple()
    if sign or digits != (1,) or not isinstance(exponent, int):
        raise ValueError(f"a tick or lot must be a power of ten, got {step}")
    return -exponent


def _stream(
    seed: int,
    begin: datetime,
    names: tuple[str, ...],
    senders: tuple[str, ...],
    *,
    with_funding: bool,
) -> Iterator[Event]:
    """Yield the endless event stream of `generate_events`, block after block of draws."""
    insts = [_BY_SYMBOL.get(n) or dataclasses.replace(_GENERIC, symbol=n) for n in names]
    n_sym = len(insts)
    tick_k = [_digits(i.tick) for i in insts]
    lot_k = [_digits(i.lot) for i in insts]
    price_unit = [10 ** (18 - k) for k in tick_k]
    qty_unit = [10 ** (18 - k) for k in lot_k]
    # fee in 1e-8 USD = price ticks × lots × rate (1e-5) × 10**(3 - tick_k - lot_k)
    fee_mul = [10 ** max(0, 3 - a - b) for a, b in zip(tick_k, lot_k, strict=True)]
    fee_div = [10 ** max(0, a + b - 3) for a, b in zip(tick_k, lot_k, strict=True)]
    share_div = [10 ** (k + 1) for k in lot_k]  # stock fee in cents = lots × 5 / share_div
    funding_div = [10 ** (a + b + 2) for a, b in zip(tick_k, lot_k, strict=True)]
    crypto = [i.crypto for i in insts]
    crypto_idx = [s for s in range(n_sym) if crypto[s]] if with_funding else []
    venue = [i.venue for i in insts]
    # quantities repeat (a few thousand lot counts), prices seldom (the walk moves on)
    qty_cache: list[dict[int, Decimal]] = [{} for _ in insts]
    one = _d18(10**18)
    buy_side, sell_side = Side.BUY, Side.SELL
    maker_liq, taker_liq = Liquidity.MAKER, Liquidity.TAKER
    make_fill, make_mark, make_funding = _make_fill, _make_mark, _make_funding
    fromtimestamp = datetime.fromtimestamp
    utc = UTC
    # whole milliseconds since the epoch; an instant as a float of seconds, ms / 1000, is
    # within half a microsecond of the true one until the year 2242, so fromtimestamp's
    # rounding to the microsecond gives it exactly
    base_ms = (begin - _EPOCH) // timedelta(milliseconds=1)
    funding_cut = 1.0 - _FUNDING_SHARE
    scaleb = _WIDE.scaleb  # x × 10**n, exact: Decimal(units) then scaleb gives 18 digits

    pos = [0] * n_sym  # signed lots
    owner: list[str] = [senders[0]] * n_sym  # the strategy of the position
    last_mark: list[Decimal | None] = [None] * n_sym
    last_ticks = [1] * n_sym
    accrued_from = [0] * n_sym  # ms: funding accrues from here
    walk_log = [float(np.log(i.price)) for i in insts]
    walk_t = [0] * n_sym
    t_last = 0
    prev_kind, prev_sym = 1, 0  # the last event of the previous block
    n_fills = 0
    rng = np.random.default_rng(seed)
    while True:
        b = _BLOCK
        u_kind = rng.random(b)
        kinds = np.where(u_kind < _FILL_SHARE, 1, np.where(u_kind >= funding_cut, 2, 0))
        sym = rng.integers(n_sym, size=b)
        # most fills that follow a mark react to it: its symbol, a moment later
        react = (kinds == 1) & (rng.random(b) < _REACT_SHARE)
        react[0] &= prev_kind == 0
        react[1:] &= kinds[:-1] == 0
        sym[0] = prev_sym if react[0] else sym[0]
        sym[1:] = np.where(react[1:], sym[:-1], sym[1:])
        prev_kind, prev_sym = int(kinds[-1]), int(sym[-1])
        waits = np.where(
            react,
            rng.exponential(_LATENCY_MS - 0.5, b),
            rng.exponential(_MEAN_GAP_MS - 0.5, b),
        )
        t = t_last + np.cumsum(1 + np.floor(waits).astype(np.int64))
        t_last = int(t[-1])
        z = rng.standard_normal(b)
        u_act = rng.random(b)
        buys = rng.random(b) < 0.5
        size_z = rng.normal(0.0, 0.6, b)
        frac = rng.uniform(0.2, 0.8, b)
        maker = rng.random(b) < _MAKER_SHARE
        slip = rng.integers(0, 2, b) + ~maker  # ticks through the walk: maker 0-1, taker 1-2
        rebate = rng.random(b) < _REBATE_SHARE
        fee_rate = np.where(maker, np.where(rebate, _REBATE_RATE, _MAKER_RATE), _TAKER_RATE)
        strat_i = rng.integers(len(senders), size=b)
        rate = rng.normal(1e-4, 1.5e-4, b)
        u_pick = rng.random(b)
        walk_ticks = np.ones(b, np.int64)
        target = np.ones(b, np.int64)
        for s, inst in enumerate(insts):
            idx = np.flatnonzero(sym == s)
            if not len(idx):
                continue
            ts = t[idx]
            dt = np.diff(ts, prepend=walk_t[s]) / _DAY_MS
            log_p = walk_log[s] + np.cumsum(0.0002 * dt + inst.daily_vol * np.sqrt(dt) * z[idx])
            price = np.exp(log_p)
            walk_ticks[idx] = np.maximum(1, np.rint(price / float(inst.tick)))
            lots = _FILL_NOTIONAL * np.exp(size_z[idx]) / (price * float(inst.lot))
            target[idx] = np.maximum(1, np.rint(lots))
            walk_log[s] = float(log_p[-1])
            walk_t[s] = int(ts[-1])

        T, S, KD, P, Q = (
            t.tolist(),
            sym.tolist(),
            kinds.tolist(),
            walk_ticks.tolist(),
            target.tolist(),
        )
        A, BY, FR, MK = u_act.tolist(), buys.tolist(), frac.tolist(), maker.tolist()
        SL, FE, ST = slip.tolist(), fee_rate.tolist(), strat_i.tolist()
        RT, PK = rate.tolist(), u_pick.tolist()
        for j in range(b):
            tj = T[j]
            stamp = fromtimestamp((base_ms + tj) / 1000, utc)
            s = S[j]
            kind = KD[j]
            if kind == 1:
                p = P[j]
                last_ticks[s] = p
                held = pos[s]
                if held == 0:
                    buy = BY[j]
                    q = Q[j]
                    strategy = owner[s] = senders[ST[j]]
                    accrued_from[s] = tj
                else:
                    strategy = owner[s]
                    a = A[j]
                    long = held > 0
                    h = held if long else -held
                    if a < 0.25:  # add
                        buy, q = long, Q[j]
                    else:
                        buy = not long
                        if a < 0.55:  # partly close (all of a single lot)
                            q = int(h * FR[j]) or 1
                        elif a < 0.85:  # close flat
                            q = h
                        else:  # flip
                            q = h + Q[j]
                            accrued_from[s] = tj
                if buy:
                    pos[s] = held + q
                    fp = p + SL[j]
                else:
                    pos[s] = held - q
                    fp = p - SL[j]
                    if fp < 1:
                        fp = 1
                if crypto[s]:
                    d = fee_div[s]
                    fee8, r = divmod(fp * q * FE[j] * fee_mul[s], d)
                else:
                    d = share_div[s]
                    fee8, r = divmod(q * 5, d)
                r += r
                if r > d or (r == d and fee8 & 1):  # half-even
                    fee8 += 1
                if not crypto[s]:
                    fee8 = (fee8 if fee8 > 100 else 100) * 1_000_000
                qc = qty_cache[s]
                qty_d = qc.get(q)
                if qty_d is None:
                    qty_d = qc[q] = scaleb(Decimal(q * qty_unit[s]), -18)
                reference = last_mark[s]
                if reference is None:
                    reference = scaleb(Decimal(p * price_unit[s]), -18)
                n_fills += 1
                fill_id = f"fill-{n_fills:09d}"
                yield make_fill(
                    fill_id,
                    stamp,
                    names[s],
                    buy_side if buy else sell_side,
                    qty_d,
                    scaleb(Decimal(fp * price_unit[s]), -18),
                    scaleb(Decimal(fee8 * 10_000_000_000), -18),
                    "default",
                    venue[s],
                    strategy,
                    None,
                    maker_liq if MK[j] else taker_liq,
                    "ord" + fill_id[4:],
                    one,
                    "USD",
                    (),
                    reference,
                )
                continue
            if kind == 2 and crypto_idx:
                held_now = [x for x in crypto_idx if pos[x]]
                if held_now:
                    x = held_now[int(PK[j] * len(held_now))]
                    accrued = RT[j] * (tj - accrued_from[x]) / _FUNDING_PERIOD_MS
                    accrued_from[x] = tj
                    rate_e10 = round(accrued * 1e10)
                    amount8 = _round_div(-pos[x] * last_ticks[x] * rate_e10, funding_div[x])
                    yield make_funding(stamp, names[x], _d18(amount8 * 10**10), "default", "USD")
                    continue
            p = P[j]
            last_ticks[s] = p
            last_mark[s] = mark = scaleb(Decimal(p * price_unit[s]), -18)
            yield make_mark(stamp, names[s], mark)
