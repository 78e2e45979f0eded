"""A seeded, realistic market-making day: quotes, public trades, the desk's orders and fills.

`generate_mm_day` simulates one UTC day (or its first ``hours``) of a market-making desk on
perpetual futures and returns five Arrow tables (`MMDay`): the venue's top-of-book quotes
(`QUOTE_SCHEMA`), its public trades (`PUBLIC_TRADE_SCHEMA`), the desk's order events
(`ORDER_SCHEMA`), its fills (`FILL_SCHEMA`) and its funding payments (`FUNDING_SCHEMA`).
`write_mm_day` writes them as Parquet or JSON lines; `replay` streams them in time order for a
live tracker. Everything is vectorised with NumPy except bounded loops: one step a minute for
the volatility, one per aggressive order for the desk's inventory (which is path-dependent),
and one per fill and funding payment for their exact decimals.

Units: prices in USD per unit, sizes and quantities in units of the instrument (BTC, ETH,
SOL), fees and funding in USD, rates in basis points where named ``*_bps`` (1 bp = 1e-4).
Timestamps are UTC with microsecond precision.

The model
---------
*Fair value.* The log-mid ``x_i`` of instrument ``i`` moves on a 100 ms grid::

    dx_i = σ_i · √h_m · s(t) · ε_i + J_i + I_i,     ε = L · z,  z ~ N(0, 1) iid,  L Lᵀ = C

``σ_i`` is the calm diffusive volatility per step (``annual_vol`` scaled to 100 ms), ``C`` the
correlation matrix (by default ``C_ij = c_i c_j`` from each instrument's loading
``market_corr`` on a common market shock: ETH–BTC ρ ≈ 0.8), ``L`` its Cholesky factor. ``h_m``
is a market-wide GARCH(1,1) variance state updated every minute,
``h_{m+1} = ω + α e_m + β h_m`` with ``ω = 1 − α − β`` (so ``E h = 1``) and ``e_m`` the mean
over instruments of the squared standardised minute return (jumps included, so a jump raises
the volatility that follows). ``s(t)`` is ``stress_vol`` inside the stress window and 1
outside. ``J`` are market-wide Poisson jumps (``jump_rate`` a day; log size ``≈ 5`` minute
standard deviations, with loading ``market_corr`` on a common draw). ``I`` is the small
impact of informed orders: after an informed aggressive order of sign ``d`` the fair value
moves by ``d · impact_bps · v^0.75`` (lognormal factor, mean 1) as a linear ramp over 2 s,
where ``v = √h_m · s(t)`` is the volatility ratio.

*The venue's book.* It updates at Poisson times (``quote_rate`` per second, twice that in the
stress window). At an update the other participants' spread is
``n = max(1, round(spread_ticks · h_m^{3/8} · w · b · e^η))`` ticks, with ``w = stress_spread``
in the stress window, ``b = 1 + 2 e^{−Δt/20 s}`` after a jump and ``η`` a log-AR(1) with a
30 s memory; their best bid is ``floor(F − (n − 1)/2)`` and best ask ``bid + n`` (``F`` the
fair value in ticks), top-of-book sizes lognormal.

*The desk.* At every book update it requotes around ``F`` skewed by its inventory ``q``::

    c = F − skew · H · q / limit,   bid = min(⌊c − H⌋, ask_o − 1),  ask = max(⌈c + H⌉, bid_o + 1)

with half-spread ``H = desk_half_ticks · v^0.75 · b`` (widening with volatility and after
jumps); orders are post-only, one tick behind the far touch at worst. It quotes ``clip_lots``
a side and pulls the side that would grow ``|q|`` at ``limit_lots``. When a fill takes
``|q|`` to ``hedge_lots`` it cancels that side (until the hedge is done) and hedges back to
half of ``hedge_lots`` with a TAKER order at the far touch 50–400 ms later. The published
book is the better of the others' and the desk's prices (sizes added when equal).

*Order flow.* Aggressive orders arrive at ``fill_rate`` per second per instrument, a share
``informed_share`` of them informed: an informed order buys when the fair value (before
impact) will be higher 2–10 s later and sells when lower, and adds the impact above. That is
the adverse selection: after an informed fill the mid moves against the maker within
seconds, so the desk's maker markouts over 1 s–1 min are negative on average while its
spread capture at 0 s is positive. Each prints a public trade at the touch; it fills the
desk when the desk is alone at the best price, or with probability ``queue_share`` when it
has joined it. Fees are ``notional · bps · 1e-4`` (``maker_fee_bps`` is negative: a rebate),
exact decimals rounded to 1e-8 USD. Funding is paid every ``funding_hours`` from midnight
UTC: ``amount = −position · mark · rate`` (1e-8 USD), the mark being the published mid and
the position the running sum of the desk's signed fills (it starts the day with a carried
inventory).

Seed contract: the same `MMDayConfig` (same seed) gives identical tables (``Table.equals``);
the draws come from `numpy.random.Generator` streams spawned from the seed, one for the market
and one per instrument.

Examples
--------
>>> day = generate_mm_day(MMDayConfig(seed=1, hours=0.05))
>>> day.fills.schema.equals(FILL_SCHEMA), day.quotes.num_rows > 500
(True, True)
>>> import pyarrow.compute as pc
>>> pc.all(pc.less(day.quotes["bid"], day.quotes["ask"])).as_py()
True
>>> day.funding.column("timestamp")[0].as_py().isoformat()
'2026-11-02T00:00:00+00:00'
"""

from __future__ import annotations

import bisect
import heapq
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tradeperf.records.fill import FILL_SCHEMA, FUNDING_SCHEMA
from tradeperf.records.market import PUBLIC_TRADE_SCHEMA, QUOTE_SCHEMA
from tradeperf.records.money import MONEY_TYPE
from tradeperf.records.trade import TIMESTAMP_TYPE

__all__ = [
    "DEFAULT_INSTRUMENTS",
    "KINDS",
    "ORDER_SCHEMA",
    "MMDay",
    "MMDayConfig",
    "MMInstrument",
    "generate_mm_day",
    "replay",
    "write_mm_day",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: Arrow schema of the desk's order events: ``event`` is new, amend, cancel or fill; ``price``
#: in USD and ``quantity`` in units (the order's size for new/amend, the size left for
#: cancel, the size executed for fill).
ORDER_SCHEMA: Final = pa.schema(
    [
        pa.field("order_id", pa.string(), nullable=False),
        pa.field("timestamp", TIMESTAMP_TYPE, nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("side", pa.string(), nullable=False),
        pa.field("event", pa.string(), nullable=False),
        pa.field("price", pa.float64(), nullable=False),
        pa.field("quantity", pa.float64(), nullable=False),
        pa.field("strategy", pa.string(), nullable=False),
    ]
)

#: The tables of a day, in the order `replay` breaks ties of equal timestamps.
KINDS: Final = ("funding", "quotes", "public_trades", "orders", "fills")

_US_PER_S: Final = 1_000_000
_US_PER_H: Final = 3_600 * _US_PER_S
_GRID_US: Final = 100_000  # the fair value's grid: 100 ms
_IMPACT_STEPS: Final = 20  # an informed order's impact ramps in over 2 s
_INFORMED_STEPS: Final = (20, 100)  # the informed see the fair value 2–10 s ahead
_JUMP_SIZE: Final = 5.0  # a jump's log size, in minute standard deviations
_JUMP_DECAY_S: Final = 20.0  # spreads widen after a jump, decaying with this time
_JUMP_WIDEN: Final = 2.0
_SPREAD_MEMORY_S: Final = 30.0
_SPREAD_NOISE: Final = 0.35  # stationary sd of the log-spread noise
_STRESS_QUOTES: Final = 2.0  # book updates are this much more frequent under stress
_HEDGE_LATENCY_US: Final = (50_000, 400_000)
_FEE_QUANTUM: Final = Decimal("1e-8")
_MAX_US: Final = np.iinfo(np.int64).max


@dataclass(frozen=True, slots=True)
class MMInstrument:
    """One perpetual future the desk makes a market in.

    Attributes
    ----------
    symbol : the instrument (``"BTC-PERP"``).
    price : starting mid, USD.
    annual_vol : calm diffusive volatility, fraction per √year (before GARCH and stress).
    tick : price tick, USD (exact decimal, e.g. ``Decimal("0.5")``).
    lot : quantity step, units.
    market_corr : loading on the common market shock (correlation ``c_i c_j`` between two).
    spread_ticks : the other participants' typical spread in calm markets, ticks.
    desk_half_ticks : the desk's calm half-spread, ticks.
    clip_lots : the desk's quote size, lots.
    limit_lots : inventory (lots) at which the desk stops quoting the side that would grow it
        (and the scale of its skew).
    hedge_lots : inventory (lots) at which it hedges back to half that with a TAKER order.
    size_lots : median top-of-book size of the others, lots.
    impact_bps : mean permanent move after an informed order in calm markets, bps.
    funding_rate : mean funding rate per funding interval (fraction: 1e-4 = 0.01 %).
    """

    symbol: str
    price: float
    annual_vol: float
    tick: Decimal
    lot: Decimal
    market_corr: float
    spread_ticks: float
    desk_half_ticks: float
    clip_lots: int
    limit_lots: int
    hedge_lots: int
    size_lots: float
    impact_bps: float
    funding_rate: float


#: BTC, ETH and SOL perpetuals (ETH–BTC correlation 0.8, SOL–BTC 0.72).
DEFAULT_INSTRUMENTS: Final = (
    MMInstrument(
        "BTC-PERP",
        60_000.0,
        0.50,
        Decimal("0.5"),
        Decimal("0.001"),
        0.9,
        spread_ticks=3.0,
        desk_half_ticks=1.2,
        clip_lots=50,
        limit_lots=300,
        hedge_lots=150,
        size_lots=200.0,
        impact_bps=0.3,
        funding_rate=1.0e-4,
    ),
    MMInstrument(
        "ETH-PERP",
        3_000.0,
        0.65,
        Decimal("0.05"),
        Decimal("0.01"),
        0.8 / 0.9,
        spread_ticks=3.0,
        desk_half_ticks=1.2,
        clip_lots=100,
        limit_lots=600,
        hedge_lots=300,
        size_lots=400.0,
        impact_bps=0.4,
        funding_rate=1.0e-4,
    ),
    MMInstrument(
        "SOL-PERP",
        150.0,
        0.85,
        Decimal("0.01"),
        Decimal("0.1"),
        0.8,
        spread_ticks=2.0,
        desk_half_ticks=0.8,
        clip_lots=200,
        limit_lots=1_200,
        hedge_lots=600,
        size_lots=800.0,
        impact_bps=0.6,
        funding_rate=1.5e-4,
    ),
)


@dataclass(frozen=True, slots=True)
class MMDayConfig:
    """What `generate_mm_day` simulates.

    Attributes
    ----------
    seed : the random seed (same config → identical tables).
    day : the UTC day; the simulation starts at its midnight.
    hours : length of the simulated part of the day, hours, in (0, 24].
    instruments : the instruments (`DEFAULT_INSTRUMENTS`).
    correlation : correlation matrix of the diffusive shocks, or None for ``c_i c_j`` from
        the instruments' ``market_corr`` (1 on the diagonal).
    quote_rate : book updates per second per instrument (Poisson), outside stress.
    fill_rate : aggressive orders per second per instrument reaching the top of the book.
    informed_share : share of the aggressive orders that are informed.
    queue_share : probability that an order at the desk's price fills the desk when it has
        joined others there (it always does when the desk is alone at the best price).
    skew : inventory skew: at the limit the desk's quotes move ``skew`` half-spreads.
    maker_fee_bps, taker_fee_bps : fees in bps of notional (negative = rebate).
    funding_hours : funding interval, hours from midnight UTC.
    stress_start, stress_hours : the stress window, hours from midnight (clipped to the day).
    stress_vol : volatility multiplier in the stress window.
    stress_spread : multiplier of the others' spreads in the stress window.
    jump_rate : market-wide jumps per day.
    garch_alpha, garch_beta : GARCH(1,1) coefficients of the minute variance state.
    venue, account, strategy : labels written in the tables.
    """

    seed: int = 7
    day: date = date(2026, 11, 2)
    hours: float = 24.0
    instruments: tuple[MMInstrument, ...] = DEFAULT_INSTRUMENTS
    correlation: tuple[tuple[float, ...], ...] | None = None
    quote_rate: float = 2.0
    fill_rate: float = 0.5
    informed_share: float = 0.35
    queue_share: float = 0.4
    skew: float = 1.0
    maker_fee_bps: Decimal = Decimal("-0.5")
    taker_fee_bps: Decimal = Decimal("2.5")
    funding_hours: float = 8.0
    stress_start: float = 13.5
    stress_hours: float = 1.0
    stress_vol: float = 4.0
    stress_spread: float = 2.5
    jump_rate: float = 4.0
    garch_alpha: float = 0.06
    garch_beta: float = 0.92
    venue: str = "binance"
    account: str = "mm"
    strategy: str = "mm-core"

    def __post_init__(self) -> None:
        """Check the numbers; make the fees exact Decimals.

        Raises
        ------
        ValueError
            If a rate or length is out of range or the correlation is not a valid matrix.
        """
        if not 0 < self.hours <= 24:
            raise ValueError(f"hours must be in (0, 24], got {self.hours}")
        if not self.instruments:
            raise ValueError("instruments must not be empty")
        for name in ("quote_rate", "fill_rate", "funding_hours", "stress_vol", "stress_spread"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        for name in ("informed_share", "queue_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.jump_rate < 0 or self.stress_hours < 0 or self.skew < 0:
            raise ValueError("jump_rate, stress_hours and skew must be ≥ 0")
        if not (self.garch_alpha >= 0 and self.garch_beta >= 0):
            raise ValueError("GARCH coefficients must be ≥ 0")
        if self.garch_alpha + self.garch_beta >= 1:
            raise ValueError("garch_alpha + garch_beta must be < 1")
        for inst in self.instruments:
            if inst.clip_lots < 1 or not 2 <= inst.hedge_lots <= inst.limit_lots:
                raise ValueError(f"{inst.symbol}: need 1 ≤ clip_lots, 2 ≤ hedge_lots ≤ limit_lots")
            if inst.tick <= 0 or inst.lot <= 0 or inst.price <= 0:
                raise ValueError(f"{inst.symbol}: price, tick and lot must be > 0")
        if len({i.symbol for i in self.instruments}) != len(self.instruments):
            raise ValueError("instrument symbols must be unique")
        for name in ("maker_fee_bps", "taker_fee_bps"):
            object.__setattr__(self, name, Decimal(str(getattr(self, name))))
        _cholesky(self)  # raises on a bad matrix


@dataclass(frozen=True, slots=True)
class MMDay:
    """A simulated market-making day: one Arrow table per record kind, each in time order.

    Attributes
    ----------
    quotes : `QUOTE_SCHEMA`, the venue's top of book (both sides on every row).
    fills : `FILL_SCHEMA`, the desk's executions (MAKER quotes filled, TAKER hedges).
    public_trades : `PUBLIC_TRADE_SCHEMA`, the venue's prints with their aggressor side.
    orders : `ORDER_SCHEMA`, the desk's order events.
    funding : `FUNDING_SCHEMA`, funding paid (−) or received (+) by the desk.
    """

    quotes: pa.Table
    fills: pa.Table
    public_trades: pa.Table
    orders: pa.Table
    funding: pa.Table

    def tables(self) -> dict[str, pa.Table]:
        """Return the tables by kind name, in `KINDS` order."""
        return {kind: getattr(self, kind) for kind in KINDS}


# -- public functions -------------------------------------------------------------------------


def generate_mm_day(config: MMDayConfig | None = None) -> MMDay:
    """Simulate a market-making day (see the module docstring for the model).

    Parameters
    ----------
    config
        What to simulate; default `MMDayConfig()` (seed 7, 24 h of 2026-11-02, BTC, ETH and
        SOL perpetuals).

    Returns
    -------
    `MMDay` of five tables sorted by timestamp. The same config gives identical tables.

    Examples
    --------
    >>> a = generate_mm_day(MMDayConfig(seed=3, hours=0.05))
    >>> b = generate_mm_day(MMDayConfig(seed=3, hours=0.05))
    >>> all(a.tables()[k].equals(b.tables()[k]) for k in KINDS)
    True
    """
    cfg = config if config is not None else MMDayConfig()
    start = datetime(cfg.day.year, cfg.day.month, cfg.day.day, tzinfo=UTC)
    origin_us = (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    end_us = 2 * round(cfg.hours * _US_PER_H / 2)  # even: quote times even, events odd
    seeds = np.random.SeedSequence(cfg.seed).spawn(1 + len(cfg.instruments))
    market = _Market(cfg, end_us, np.random.default_rng(seeds[0]))
    sims = [
        _Instrument(cfg, i, market, end_us, np.random.default_rng(seeds[1 + i]))
        for i in range(len(cfg.instruments))
    ]
    return MMDay(
        quotes=_quotes_table(cfg, sims, origin_us),
        fills=_fills_table(cfg, sims, origin_us),
        public_trades=_public_trades_table(cfg, sims, origin_us),
        orders=_orders_table(cfg, sims, origin_us),
        funding=_funding_table(cfg, sims, origin_us, end_us),
    )


def write_mm_day(
    day: MMDay, out: Path | str, *, format: Literal["parquet", "jsonl"] = "parquet"
) -> dict[str, Path]:
    """Write the day's tables to ``out/<kind>.parquet`` (or ``.jsonl``).

    Parameters
    ----------
    day
        The tables, from `generate_mm_day`.
    out
        Folder to write into (created; files of the same names are overwritten).
    format
        ``"parquet"`` (the schemas kept exactly) or ``"jsonl"``: one JSON object a line,
        decimals as strings (``"60000.5"``), timestamps ISO-8601 UTC with ``Z``
        (``"2026-11-02T00:00:01.250000Z"``), nulls as null.

    Returns
    -------
    The written file of each kind: quotes, fills, public_trades, orders, funding.

    Raises
    ------
    ValueError
        If the format is neither parquet nor jsonl.
    """
    if format not in ("parquet", "jsonl"):
        raise ValueError(f"format must be 'parquet' or 'jsonl', got {format!r}")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for kind in ("quotes", "fills", "public_trades", "orders", "funding"):
        table: pa.Table = getattr(day, kind)
        path = folder / f"{kind}.{format}"
        if format == "parquet":
            pq.write_table(table, path)
        else:
            with path.open("w", encoding="utf-8") as fh:
                for _, record in _json_records(table):
                    fh.write(json.dumps(record, separators=(",", ":")) + "\n")
        written[kind] = path
    return written


def replay(
    day: MMDay, *, speed: float = 1.0, start: datetime | None = None
) -> Iterator[tuple[float, str, dict[str, object]]]:
    """Stream the day's records in time order across kinds, for a live consumer.

    Parameters
    ----------
    day
        The tables, from `generate_mm_day`.
    speed
        Replay speed: 1 is real time, 60 a minute a second.
    start
        Timezone-aware instant the replay starts at: earlier records are skipped and the
        delays are counted from it. Default the day's first record.

    Yields
    ------
    ``(delay, kind, record)``: ``delay`` the seconds from the start of the replay at which
    to deliver the record (non-decreasing; the caller sleeps, this never does), ``kind`` one
    of `KINDS` and ``record`` a JSON-able dict as `write_mm_day` writes it in JSON lines.
    Records of equal timestamps come in `KINDS` order, each table's rows in table order.

    Raises
    ------
    ValueError
        If ``speed`` is not > 0 or ``start`` is naive.

    Examples
    --------
    >>> day = generate_mm_day(MMDayConfig(seed=1, hours=0.01))
    >>> delay, kind, record = next(replay(day, speed=10.0))
    >>> delay, kind, record["symbol"], record["timestamp"]
    (0.0, 'funding', 'BTC-PERP', '2026-11-02T00:00:00.000000Z')
    """
    if not speed > 0:
        raise ValueError(f"speed must be > 0, got {speed}")
    start_us: int | None = None
    if start is not None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be timezone-aware")
        start_us = (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return _replay(day, speed, start_us)


def _replay(
    day: MMDay, speed: float, start_us: int | None
) -> Iterator[tuple[float, str, dict[str, object]]]:
    tables = day.tables()
    if start_us is None:
        firsts = [
            int(pc.min(t.column("timestamp")).cast(pa.int64()).as_py())
            for t in tables.values()
            if t.num_rows
        ]
        if not firsts:
            return
        start_us = min(firsts)

    def stream(rank: int, kind: str) -> Iterator[tuple[int, int, int, str, dict[str, object]]]:
        for seq, (ts, record) in enumerate(_json_records(tables[kind])):
            if ts >= start_us:
                yield ts, rank, seq, kind, record

    merged = heapq.merge(*(stream(rank, kind) for rank, kind in enumerate(KINDS)))
    for ts, _, _, kind, record in merged:
        yield (ts - start_us) / _US_PER_S / speed, kind, record


# -- the market: fair values of all instruments -----------------------------------------------


def _cholesky(cfg: MMDayConfig) -> Floats:
    n = len(cfg.instruments)
    if cfg.correlation is None:
        c = np.array([inst.market_corr for inst in cfg.instruments], dtype=np.float64)
        if np.any(np.abs(c) > 1):
            raise ValueError("market_corr must be in [-1, 1]")
        corr = np.outer(c, c)
        np.fill_diagonal(corr, 1.0)
    else:
        corr = np.array(cfg.correlation, dtype=np.float64)
        if corr.shape != (n, n) or not np.allclose(corr, corr.T) or np.any(np.diag(corr) != 1):
            raise ValueError(f"correlation must be a symmetric {n}×{n} matrix with unit diagonal")
    try:
        factor = np.linalg.cholesky(corr).astype(np.float64)
    except np.linalg.LinAlgError:
        raise ValueError("correlation matrix is not positive definite") from None
    return factor


class _Market:
    """The common part: shocks, the GARCH variance state, stress and jumps, on the grid."""

    def __init__(self, cfg: MMDayConfig, end_us: int, rng: np.random.Generator) -> None:
        n_inst = len(cfg.instruments)
        steps = end_us // _GRID_US + 1
        self.steps = steps
        t_us = np.arange(steps, dtype=np.int64) * _GRID_US
        s0, s1 = (
            round(cfg.stress_start * _US_PER_H),
            round((cfg.stress_start + cfg.stress_hours) * _US_PER_H),
        )
        self.stress_us = (s0, s1)
        self.stress = (t_us >= s0) & (t_us < s1)
        shocks = rng.standard_normal((steps, n_inst)) @ _cholesky(cfg).T
        per_minute = 60 * _US_PER_S // _GRID_US
        minute_of = np.arange(steps) // per_minute
        n_min = int(minute_of[-1]) + 1
        starts = np.arange(n_min) * per_minute
        counts = np.diff(np.append(starts, steps))
        z_min = np.add.reduceat(shocks, starts, axis=0) / np.sqrt(counts)[:, None]

        sigma_step = np.array(
            [i.annual_vol for i in cfg.instruments], dtype=np.float64
        ) / math.sqrt(365.25 * 86_400 * _US_PER_S / _GRID_US)
        sigma_min = sigma_step * math.sqrt(per_minute)
        # market-wide jumps: a common draw and an idiosyncratic one per instrument
        n_jumps = int(rng.poisson(cfg.jump_rate * end_us / (24 * _US_PER_H)))
        self.jump_us = np.sort(rng.integers(0, end_us, n_jumps)).astype(np.int64)
        load = np.array([i.market_corr for i in cfg.instruments], dtype=np.float64)
        common = rng.standard_normal(n_jumps)[:, None]
        idio = rng.standard_normal((n_jumps, n_inst))
        jump_std = load * common + np.sqrt(1 - load**2) * idio  # unit variance
        jump_min = np.zeros((n_min, n_inst))
        np.add.at(jump_min, self.jump_us // (60 * _US_PER_S), _JUMP_SIZE * jump_std)

        # GARCH(1,1) on the minute: a bounded loop, one step a minute
        alpha, beta = cfg.garch_alpha, cfg.garch_beta
        omega = 1.0 - alpha - beta
        h = np.empty(n_min)
        h[0] = 1.0
        zl, jl = z_min.tolist(), jump_min.tolist()
        for m in range(n_min - 1):
            root = math.sqrt(h[m])
            e = sum((root * z + j) ** 2 for z, j in zip(zl[m], jl[m], strict=True)) / n_inst
            h[m + 1] = min(omega + alpha * e + beta * h[m], 25.0)
        self.h_minute = h
        stress_mult = np.where(self.stress, cfg.stress_vol, 1.0)
        self.vol_ratio: Floats = np.sqrt(h[minute_of]) * stress_mult  # v on the grid
        increments = shocks * sigma_step * self.vol_ratio[:, None]
        grid_of_jump = self.jump_us // _GRID_US
        np.add.at(increments, grid_of_jump, _JUMP_SIZE * jump_std * sigma_min)
        self.log_mid: Floats = np.vstack(
            [np.zeros((1, n_inst)), np.cumsum(increments[:-1], axis=0)]
        )  # x at each grid point, before informed impact


def _ar1(eps: Floats, phi: float) -> Floats:
    """``y_t = φ y_{t−1} + ε_t`` (``y_{−1} = 0``), vectorised in blocks short enough for φ^−B."""
    n = eps.size
    out = np.empty(n)
    if n == 0:
        return out
    block = n if phi >= 1 else max(1, min(n, int(math.log(1e6) / -math.log(max(phi, 1e-12)))))
    powers = phi ** np.arange(block, dtype=np.float64)
    prev = 0.0
    for s in range(0, n, block):
        e = eps[s : s + block]
        m = e.size
        y = powers[:m] * (phi * prev + np.cumsum(e / powers[:m]))
        out[s : s + m] = y
        prev = float(y[-1])
    return out


def _poisson_times(rng: np.random.Generator, rate_per_s: float, lo: int, hi: int) -> Ints:
    """Poisson arrivals in [lo, hi) µs, sorted (not yet on even/odd microseconds)."""
    if hi <= lo:
        return np.empty(0, dtype=np.int64)
    n = int(rng.poisson(rate_per_s * (hi - lo) / _US_PER_S))
    return np.sort(rng.integers(lo, hi, n)).astype(np.int64)


# -- one instrument: its book, its flow and the desk -----------------------------------------


@dataclass(slots=True)
class _Fill:
    t: int
    k: int  # book interval
    side: int  # +1 desk buys, −1 desk sells
    lots: int
    ticks: int
    taker: bool


@dataclass(slots=True)
class _Hedge:
    trigger: int
    t: int
    side: int
    lots: int


@dataclass(slots=True)
class _Arrivals:
    t: Ints
    side: Ints  # aggressor: +1 buy (hits the ask), −1 sell
    lots: Ints


class _Instrument:
    """One instrument's book updates, aggressive orders, the desk's quotes and fills."""

    def __init__(
        self,
        cfg: MMDayConfig,
        index: int,
        market: _Market,
        end_us: int,
        rng: np.random.Generator,
    ) -> None:
        inst = cfg.instruments[index]
        self.inst = inst
        self.end_us = end_us
        self.tick_num, self.tick_den = _step_parts(inst.tick)
        self.lot_num, self.lot_den = _step_parts(inst.lot)

        # aggressive orders (odd microseconds); the informed know where the fair value goes
        raw = _poisson_times(rng, cfg.fill_rate, 0, end_us)
        t_arr = _unique_sorted(raw // 2 * 2 + 1)
        n_arr = t_arr.size
        informed = rng.random(n_arr) < cfg.informed_share
        side = np.where(rng.random(n_arr) < 0.5, 1, -1).astype(np.int64)
        grid_a = t_arr // _GRID_US
        horizon = rng.integers(_INFORMED_STEPS[0], _INFORMED_STEPS[1] + 1, n_arr)
        path = market.log_mid[:, index]
        ahead = np.sign(path[np.minimum(grid_a + horizon, market.steps - 1)] - path[grid_a])
        side = np.where(informed & (ahead != 0), ahead, side).astype(np.int64)
        lots = np.maximum(
            1,
            np.rint(inst.clip_lots * 0.6 * np.exp(rng.normal(0.0, 1.0, n_arr)) * (1 + informed)),
        ).astype(np.int64)
        self.queue_u = rng.random(n_arr)
        self.arrivals = _Arrivals(t_arr, side, lots)
        v = market.vol_ratio
        amp = (
            side
            * inst.impact_bps
            * 1e-4
            * v[grid_a] ** 0.75
            * np.exp(rng.normal(-0.125, 0.5, n_arr))
        )
        slope = np.zeros(market.steps + _IMPACT_STEPS + 2)
        begin = grid_a[informed] + 1
        np.add.at(slope, begin, amp[informed] / _IMPACT_STEPS)
        np.add.at(slope, begin + _IMPACT_STEPS, -amp[informed] / _IMPACT_STEPS)
        impact = np.cumsum(np.cumsum(slope))[: market.steps]
        log_mid = market.log_mid[:, index] + impact

        # book updates (even microseconds; the first at midnight)
        s0, s1 = market.stress_us
        calm = _poisson_times(rng, cfg.quote_rate, 0, end_us)
        extra = _poisson_times(rng, cfg.quote_rate * (_STRESS_QUOTES - 1), s0, min(s1, end_us))
        self.R: Ints = _unique_sorted(np.concatenate([[0], calm // 2 * 2, extra // 2 * 2]))
        grid_r = self.R // _GRID_US
        k_n = self.R.size
        self.F: Floats = inst.price * np.exp(log_mid[grid_r]) * self.tick_den / self.tick_num
        bump = np.ones(k_n)
        for tj in market.jump_us.tolist():  # a few a day
            lo = int(np.searchsorted(self.R, tj))
            hi = int(np.searchsorted(self.R, tj + int(6 * _JUMP_DECAY_S * _US_PER_S)))
            bump[lo:hi] += _JUMP_WIDEN * np.exp(-(self.R[lo:hi] - tj) / (_JUMP_DECAY_S * 1e6))
        phi = math.exp(-1.0 / (cfg.quote_rate * _SPREAD_MEMORY_S))
        eta = _ar1(rng.normal(0.0, _SPREAD_NOISE * math.sqrt(1 - phi**2), k_n), phi)
        v_r = v[grid_r]
        calm_v = np.sqrt(market.h_minute[grid_r // (60 * _US_PER_S // _GRID_US)])
        widen = np.where(market.stress[grid_r], cfg.stress_spread, 1.0)
        spread = np.maximum(
            1,
            np.rint(
                inst.spread_ticks * calm_v**0.75 * widen * bump * np.exp(eta - _SPREAD_NOISE**2 / 2)
            ),
        ).astype(np.int64)
        self.bid_o: Ints = np.floor(self.F - (spread - 1) / 2).astype(np.int64)
        self.ask_o: Ints = self.bid_o + spread
        self.bid_size_o: Ints = _sizes(rng, inst.size_lots, k_n)
        self.ask_size_o: Ints = _sizes(rng, inst.size_lots, k_n)
        self.H: Floats = inst.desk_half_ticks * v_r**0.75 * bump
        self.inv0 = int(rng.integers(-inst.limit_lots // 2, inst.limit_lots // 2 + 1))
        lat_lo, lat_hi = _HEDGE_LATENCY_US
        self.latency: Ints = rng.integers(lat_lo // 2, lat_hi // 2, n_arr) * 2
        self.k_arr: Ints = np.searchsorted(self.R, t_arr, side="right") - 1
        n_funding = _funding_times(cfg, end_us).size
        spread_rate = 0.5 * abs(inst.funding_rate) + 1e-6
        self.funding_rates: Floats = rng.normal(inst.funding_rate, spread_rate, n_funding)

        self.fills: list[_Fill] = []
        self.hedges: list[_Hedge] = []
        self.cancels: list[tuple[int, int, int, int]] = []  # (t, k, side, lots left)
        self.dead = {1: np.full(k_n, _MAX_US, dtype=np.int64), -1: np.full(k_n, _MAX_US)}
        self._run_desk(cfg)
        self._reconstruct(cfg)

    # the desk's inventory is path-dependent: one step per aggressive order (bounded)
    def _run_desk(self, cfg: MMDayConfig) -> None:
        inst = self.inst
        clip, limit, hedge_at = inst.clip_lots, inst.limit_lots, inst.hedge_lots
        skew, qs = cfg.skew, cfg.queue_share
        R, bo, ao = self.R.tolist(), self.bid_o.tolist(), self.ask_o.tolist()
        F, H = self.F.tolist(), self.H.tolist()
        a = self.arrivals
        inv = self.inv0
        cur = -1
        desk = {1: 0, -1: 0}  # price in ticks by desk side
        left = {1: 0, -1: 0}  # lots left
        pending: _Hedge | None = None
        deaths: list[tuple[int, int, int]] = []

        def settle(hedge: _Hedge) -> int:
            k_h = bisect.bisect_right(R, hedge.t) - 1
            price = ao[k_h] if hedge.side > 0 else bo[k_h]
            self.fills.append(_Fill(hedge.t, k_h, hedge.side, hedge.lots, price, taker=True))
            self.hedges.append(hedge)
            return hedge.side * hedge.lots

        for t, k, aggressor, lots, u, lat in zip(
            a.t.tolist(),
            self.k_arr.tolist(),
            a.side.tolist(),
            a.lots.tolist(),
            self.queue_u.tolist(),
            self.latency.tolist(),
            strict=True,
        ):
            if k != cur:
                if pending is not None and pending.t < R[k]:
                    inv += settle(pending)
                    pending = None
                cur = k
                h = H[k]
                c = F[k] - skew * h * (inv / limit)
                desk[1] = min(math.floor(c - h), ao[k] - 1)
                desk[-1] = max(math.ceil(c + h), bo[k] + 1)
                blocked = 0 if pending is None else -pending.side
                left[1] = clip if inv < limit and blocked != 1 else 0
                left[-1] = clip if inv > -limit and blocked != -1 else 0
            if pending is not None and pending.t < t:
                inv += settle(pending)
                pending = None
            ds = -aggressor  # the desk side an aggressor would fill
            touch = ao[k] if ds < 0 else bo[k]
            price = desk[ds]
            if left[ds] == 0 or price * ds < touch * ds:
                continue  # not quoting, or behind the others' best price
            if price == touch and u >= qs:
                continue  # joined the others and not first in the queue
            q = min(lots, left[ds])
            left[ds] -= q
            inv += ds * q
            self.fills.append(_Fill(t, k, ds, q, price, taker=False))
            if left[ds] == 0:
                deaths.append((k, ds, t))
            if pending is None and abs(inv) >= hedge_at and inv * ds > 0:
                t_h = t + lat
                if t_h < self.end_us:
                    pending = _Hedge(t, t_h, -ds, abs(inv) - hedge_at // 2)
                    if left[ds] > 0:
                        self.cancels.append((t, k, ds, left[ds]))
                        deaths.append((k, ds, t))
                        left[ds] = 0
        if pending is not None:
            inv += settle(pending)
        for k, ds, t in deaths:
            self.dead[ds][k] = t

    # the published book and the desk's quotes at every interval, vectorised
    def _reconstruct(self, cfg: MMDayConfig) -> None:
        inst = self.inst
        R = self.R
        order = sorted(range(len(self.fills)), key=lambda i: self.fills[i].t)
        self.fills = [self.fills[i] for i in order]
        ft = np.array([f.t for f in self.fills], dtype=np.int64)
        signed = np.array([f.side * f.lots for f in self.fills], dtype=np.int64)
        self.fill_t = ft
        self.cum_inv: Ints = self.inv0 + np.concatenate([[0], np.cumsum(signed)]).astype(np.int64)
        inv_q = self.cum_inv[np.searchsorted(ft, R, side="left")]
        c = self.F - cfg.skew * self.H * (inv_q / inst.limit_lots)
        self.desk_px: dict[int, Ints] = {
            1: np.minimum(np.floor(c - self.H), self.ask_o - 1).astype(np.int64),
            -1: np.maximum(np.ceil(c + self.H), self.bid_o + 1).astype(np.int64),
        }
        live = {1: inv_q < inst.limit_lots, -1: inv_q > -inst.limit_lots}
        for hedge in self.hedges:  # the side a pending hedge would trade against is pulled
            lo = int(np.searchsorted(R, hedge.trigger, side="right"))
            hi = int(np.searchsorted(R, hedge.t, side="right"))
            live[-hedge.side][lo:hi] = False
        self.live = live
        # maker fills by desk side, for the size left at any time
        self.maker: dict[int, tuple[Ints, Ints]] = {}
        for ds in (1, -1):
            sel = [f for f in self.fills if not f.taker and f.side == ds]
            times = np.array([f.t for f in sel], dtype=np.int64)
            cum = np.concatenate([[0], np.cumsum([f.lots for f in sel])]).astype(np.int64)
            self.maker[ds] = (times, cum)
        # the desk's price of every maker fill is its live quote at that time
        for f in self.fills:
            if not f.taker and (self.desk_px[f.side][f.k] != f.ticks or not live[f.side][f.k]):
                raise RuntimeError(f"{inst.symbol}: a maker fill is off the desk's quote")

    def desk_left(self, ds: int, times: Ints) -> tuple[Ints, Ints, Bools]:
        """Interval, lots the desk shows and whether it quotes, at each time (after events ≤ t)."""
        k = np.searchsorted(self.R, times, side="right") - 1
        ft, cum = self.maker[ds]
        done = (
            cum[np.searchsorted(ft, times, side="right")]
            - cum[np.searchsorted(ft, self.R[k], side="left")]
        )
        quoting = self.live[ds][k] & (self.dead[ds][k] > times)
        return k, np.where(quoting, self.inst.clip_lots - done, 0), quoting

    def book(self, times: Ints) -> tuple[Ints, Ints, Ints, Ints]:
        """Return the published best bid, ask (ticks) and sizes (lots) after the events ≤ t."""
        k, bid_left, bid_on = self.desk_left(1, times)
        _, ask_left, ask_on = self.desk_left(-1, times)
        db, da = self.desk_px[1][k], self.desk_px[-1][k]
        bo, ao = self.bid_o[k], self.ask_o[k]
        bid = np.where(bid_on, np.maximum(bo, db), bo)
        ask = np.where(ask_on, np.minimum(ao, da), ao)
        bid_size = np.where(bid_on & (db > bo), 0, self.bid_size_o[k]) + np.where(
            bid_on & (db >= bo), bid_left, 0
        )
        ask_size = np.where(ask_on & (da < ao), 0, self.ask_size_o[k]) + np.where(
            ask_on & (da <= ao), ask_left, 0
        )
        return bid, ask, bid_size, ask_size

    def prices(self, ticks: Ints) -> Floats:
        """Ticks as float64 USD, the double nearest the exact decimal."""
        return _scaled(ticks, self.tick_num, self.tick_den)

    def units(self, lots: Ints) -> Floats:
        """Lots as float64 units, the double nearest the exact decimal."""
        return _scaled(lots, self.lot_num, self.lot_den)


def _sizes(rng: np.random.Generator, median: float, n: int) -> Ints:
    return np.maximum(1, np.rint(median * np.exp(rng.normal(0.0, 0.8, n)))).astype(np.int64)


def _step_parts(step: Decimal) -> tuple[int, int]:
    """``step = num / den`` with ``den`` a power of ten: (num, den)."""
    _, digits, exponent = step.normalize().as_tuple()
    assert isinstance(exponent, int)
    num = int("".join(map(str, digits)))
    if exponent >= 0:
        return num * 10**exponent, 1
    return num, 10**-exponent


def _scaled(values: Ints, num: int, den: int) -> Floats:
    return (values * num).astype(np.float64) / float(den)


# -- the tables -----------------------------------------------------------------------------


def _timestamps(us: Ints, origin_us: int) -> pa.Array:
    return pa.array(us + origin_us, type=pa.int64()).cast(TIMESTAMP_TYPE)


def _labels(values: Iterable[str], index: Ints) -> pa.Array:
    return pa.array(list(values), type=pa.string()).take(pa.array(index, type=pa.int64()))


def _constant(value: str, n: int) -> pa.Array:
    return _labels([value], np.zeros(n, dtype=np.int64))


def _ids(prefixes: list[str], code: Ints, number: Ints, width: int) -> pa.Array:
    """``prefixes[code] + zero-padded number`` for every row, built by Arrow."""
    digits = pc.utf8_lpad(pa.array(number, type=pa.int64()).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(_labels(prefixes, code), digits, "")


def _unique_sorted(values: Ints) -> Ints:
    out = np.sort(values)
    return out[np.concatenate([[True], out[1:] != out[:-1]])] if out.size else out


def _ints(values: Iterable[int]) -> Ints:
    return np.fromiter(values, dtype=np.int64)


def _symbols(cfg: MMDayConfig) -> list[str]:
    return [inst.symbol for inst in cfg.instruments]


def _quotes_table(cfg: MMDayConfig, sims: list[_Instrument], origin_us: int) -> pa.Table:
    t_parts, sym_parts, float_parts = [], [], []
    for i, sim in enumerate(sims):
        after_fill = _ints(f.t + 1 for f in sim.fills if not f.taker)  # the book without it
        times = _unique_sorted(np.concatenate([sim.R, after_fill[after_fill < sim.end_us]]))
        bid, ask, bid_size, ask_size = sim.book(times)
        t_parts.append(times)
        sym_parts.append(np.full(times.size, i, dtype=np.int64))
        float_parts.append(
            np.stack([sim.prices(bid), sim.prices(ask), sim.units(bid_size), sim.units(ask_size)])
        )
    t = np.concatenate(t_parts)
    order = np.argsort(t, kind="stable")
    t, sym, values = t[order], np.concatenate(sym_parts)[order], np.hstack(float_parts)[:, order]
    n = t.size
    return pa.table(
        {
            "timestamp": _timestamps(t, origin_us),
            "symbol": _labels(_symbols(cfg), sym),
            "bid": pa.array(values[0]),
            "ask": pa.array(values[1]),
            "bid_size": pa.array(values[2]),
            "ask_size": pa.array(values[3]),
            "venue": _constant(cfg.venue, n),
            "source": pa.nulls(n, pa.string()),
            "source_line": pa.nulls(n, pa.int64()),
        },
        schema=QUOTE_SCHEMA,
    )


def _public_trades_table(cfg: MMDayConfig, sims: list[_Instrument], origin_us: int) -> pa.Table:
    t_parts, sym_parts, px_parts, qty_parts, side_parts = [], [], [], [], []
    for i, sim in enumerate(sims):
        a = sim.arrivals
        bid, ask, _, _ = sim.book(a.t - 1)  # the book the order met
        hedges = [f for f in sim.fills if f.taker]  # the desk's own aggressive orders
        t_parts += [a.t, _ints(f.t for f in hedges)]
        px_parts += [
            sim.prices(np.where(a.side > 0, ask, bid)),
            sim.prices(_ints(f.ticks for f in hedges)),
        ]
        qty_parts += [sim.units(a.lots), sim.units(_ints(f.lots for f in hedges))]
        side_parts += [a.side, _ints(f.side for f in hedges)]
        sym_parts.append(np.full(a.t.size + len(hedges), i, dtype=np.int64))
    t = np.concatenate(t_parts)
    order = np.argsort(t, kind="stable")
    n = t.size
    return pa.table(
        {
            "trade_id": _ids(["T"], np.zeros(n, np.int64), np.arange(1, n + 1), 9),
            "timestamp": _timestamps(t[order], origin_us),
            "symbol": _labels(_symbols(cfg), np.concatenate(sym_parts)[order]),
            "price": pa.array(np.concatenate(px_parts)[order]),
            "quantity": pa.array(np.concatenate(qty_parts)[order]),
            "aggressor": _labels(
                ("SELL", "BUY"), (np.concatenate(side_parts)[order] > 0).astype(np.int64)
            ),
            "venue": _constant(cfg.venue, n),
            "source": pa.nulls(n, pa.string()),
            "source_line": pa.nulls(n, pa.int64()),
        },
        schema=PUBLIC_TRADE_SCHEMA,
    )


def _dec(value: int, step: Decimal) -> Decimal:
    return Decimal(value) * step


def _order_numbers(sim: _Instrument) -> dict[int, Ints]:
    """Return the desk's order number in each book interval, per side (new orders counted)."""
    out: dict[int, Ints] = {}
    for ds in (1, -1):
        alive_end = sim.live[ds] & (sim.dead[ds] == _MAX_US)
        prev = np.concatenate([[False], alive_end[:-1]])
        out[ds] = np.cumsum(sim.live[ds] & ~prev).astype(np.int64)
    return out


def _id_prefixes(cfg: MMDayConfig) -> list[str]:
    """Order id prefixes: code ``3 i + 0/1/2`` is instrument i's bids, asks and hedges."""
    return [f"{s}-{kind}" for s in _symbols(cfg) for kind in ("B", "S", "H")]


def _fills_table(cfg: MMDayConfig, sims: list[_Instrument], origin_us: int) -> pa.Table:
    rows: list[tuple[int, int, int, int, int, int, Decimal, Decimal, Decimal, Decimal]] = []
    for i, sim in enumerate(sims):
        inst = sim.inst
        numbers = _order_numbers(sim)
        bid, ask, _, _ = sim.book(_ints(f.t for f in sim.fills) - 1)
        hedge_no = 0
        for f, b, a in zip(sim.fills, bid.tolist(), ask.tolist(), strict=True):
            quantity, price = _dec(f.lots, inst.lot), _dec(f.ticks, inst.tick)
            bps = cfg.taker_fee_bps if f.taker else cfg.maker_fee_bps
            fee = (quantity * price * bps / 10_000).quantize(_FEE_QUANTUM, ROUND_HALF_EVEN)
            if f.taker:
                hedge_no += 1
                code, number = 3 * i + 2, hedge_no
            else:
                code, number = 3 * i + (0 if f.side > 0 else 1), int(numbers[f.side][f.k])
            mid = _dec(b + a, inst.tick) / 2
            rows.append((f.t, i, f.side, code, number, int(f.taker), quantity, price, fee, mid))
    rows.sort(key=lambda r: (r[0], r[1]))
    n = len(rows)
    cols: list[tuple[object, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 10

    def ints(j: int) -> Ints:
        return np.array(cols[j], dtype=np.int64)

    def money(j: int) -> pa.Array:
        return pa.array(cols[j], type=MONEY_TYPE)

    return pa.table(
        {
            "fill_id": _ids(["mm-"], np.zeros(n, np.int64), np.arange(1, n + 1), 8),
            "timestamp": _timestamps(ints(0), origin_us),
            "account": _constant(cfg.account, n),
            "venue": _constant(cfg.venue, n),
            "strategy": _constant(cfg.strategy, n),
            "symbol": _labels(_symbols(cfg), ints(1)),
            "side": _labels(("SELL", "BUY"), (ints(2) > 0).astype(np.int64)),
            "quantity": money(6),
            "price": money(7),
            "fee": money(8),
            "fee_currency": _constant("USD", n),
            "liquidity": _labels(("MAKER", "TAKER"), ints(5)),
            "order_id": _ids(_id_prefixes(cfg), ints(3), ints(4), 7),
            "multiplier": pa.array([Decimal(1)] * n, type=MONEY_TYPE),
            "currency": _constant("USD", n),
            "tags": pa.nulls(n, pa.list_(pa.string())),
            "source": pa.nulls(n, pa.string()),
            "source_line": pa.nulls(n, pa.int64()),
            "reference_price": money(9),
        },
        schema=FILL_SCHEMA,
    )


_EVENTS: Final = ("new", "amend", "cancel", "fill")
_EVENT_RANK: Final = (0, 1, 3, 2)  # at one instant: new, amend, fill, cancel


class _OrderRows:
    """Columns of order events, gathered in pieces and sorted once."""

    def __init__(self) -> None:
        self.parts: list[list[npt.NDArray[np.generic]]] = [[] for _ in range(8)]

    def add(
        self,
        sym: int,
        t: Ints,
        side: int | Ints,
        event: int,
        code: int,
        number: Ints,
        price: Floats,
        qty: Floats,
    ) -> None:
        n = t.size
        for j, values in enumerate(
            (
                t,
                np.full(n, sym),
                np.broadcast_to(np.asarray(side, dtype=np.int64), (n,)),
                np.full(n, event),
                np.full(n, _EVENT_RANK[event]),
                np.full(n, code),
                number,
                np.stack([price, qty]) if n else np.empty((2, 0)),
            )
        ):
            self.parts[j].append(values)

    def table(self, cfg: MMDayConfig, origin_us: int) -> pa.Table:
        t, sym, side, event, rank, code, number = (
            np.concatenate(p).astype(np.int64) for p in self.parts[:7]
        )
        values = np.hstack(self.parts[7])
        order = np.lexsort((rank, sym, t))
        n = t.size
        return pa.table(
            {
                "order_id": _ids(_id_prefixes(cfg), 3 * sym[order] + code[order], number[order], 7),
                "timestamp": _timestamps(t[order], origin_us),
                "symbol": _labels(_symbols(cfg), sym[order]),
                "side": _labels(("SELL", "BUY"), (side[order] > 0).astype(np.int64)),
                "event": _labels(_EVENTS, event[order]),
                "price": pa.array(values[0][order]),
                "quantity": pa.array(values[1][order]),
                "strategy": _constant(cfg.strategy, n),
            },
            schema=ORDER_SCHEMA,
        )


def _orders_table(cfg: MMDayConfig, sims: list[_Instrument], origin_us: int) -> pa.Table:
    rows = _OrderRows()
    for i, sim in enumerate(sims):
        clip = sim.inst.clip_lots
        numbers = _order_numbers(sim)
        for ds in (1, -1):
            code = 0 if ds > 0 else 1
            live, px, number = sim.live[ds], sim.desk_px[ds], numbers[ds]
            makers = [f for f in sim.fills if not f.taker and f.side == ds]
            filled = np.zeros(live.size, dtype=np.int64)
            np.add.at(filled, _ints(f.k for f in makers), _ints(f.lots for f in makers))
            alive_end = live & (sim.dead[ds] == _MAX_US)
            prev = np.concatenate([[False], alive_end[:-1]])
            prev_px = np.concatenate([px[:1], px[:-1]])
            prev_filled = np.concatenate([[0], filled[:-1]])
            prev_number = np.concatenate([[0], number[:-1]])
            size = sim.units(np.array([clip]))[0]
            new = np.flatnonzero(live & ~prev)
            amend = np.flatnonzero(live & prev & ((px != prev_px) | (prev_filled > 0)))
            gone = np.flatnonzero(~live & prev)
            for event, ks in ((0, new), (1, amend)):
                rows.add(
                    i,
                    sim.R[ks],
                    ds,
                    event,
                    code,
                    number[ks],
                    sim.prices(px[ks]),
                    np.full(ks.size, size),
                )
            rows.add(
                i,
                sim.R[gone],
                ds,
                2,
                code,
                prev_number[gone],
                sim.prices(prev_px[gone]),
                sim.units(clip - prev_filled[gone]),
            )
            cancels = [c for c in sim.cancels if c[2] == ds]  # before a hedge
            ck = _ints(c[1] for c in cancels)
            rows.add(
                i,
                _ints(c[0] for c in cancels),
                ds,
                2,
                code,
                number[ck],
                sim.prices(px[ck]),
                sim.units(_ints(c[3] for c in cancels)),
            )
            fk = _ints(f.k for f in makers)
            rows.add(
                i,
                _ints(f.t for f in makers),
                ds,
                3,
                code,
                number[fk],
                sim.prices(_ints(f.ticks for f in makers)),
                sim.units(_ints(f.lots for f in makers)),
            )
        hedges = [f for f in sim.fills if f.taker]
        h_t, h_side = _ints(f.t for f in hedges), _ints(f.side for f in hedges)
        h_px = sim.prices(_ints(f.ticks for f in hedges))
        h_qty = sim.units(_ints(f.lots for f in hedges))
        h_no = np.arange(1, len(hedges) + 1, dtype=np.int64)
        rows.add(i, h_t, h_side, 0, 2, h_no, h_px, h_qty)
        rows.add(i, h_t, h_side, 3, 2, h_no, h_px, h_qty)
    return rows.table(cfg, origin_us)


def _funding_times(cfg: MMDayConfig, end_us: int) -> Ints:
    return np.arange(0, end_us, round(cfg.funding_hours * _US_PER_H), dtype=np.int64)


def _funding_table(
    cfg: MMDayConfig, sims: list[_Instrument], origin_us: int, end_us: int
) -> pa.Table:
    times = _funding_times(cfg, end_us)
    rows: list[tuple[int, int, Decimal]] = []
    for i, sim in enumerate(sims):
        inst = sim.inst
        bid, ask, _, _ = sim.book(times)
        position = sim.cum_inv[np.searchsorted(sim.fill_t, times, side="left")]
        for t, b, a, q, r in zip(
            times.tolist(),
            bid.tolist(),
            ask.tolist(),
            position.tolist(),
            sim.funding_rates.tolist(),
            strict=True,
        ):
            mark = _dec(b + a, inst.tick) / 2
            rate = Decimal(f"{r:.6f}")
            amount = (-_dec(q, inst.lot) * mark * rate).quantize(_FEE_QUANTUM, ROUND_HALF_EVEN)
            rows.append((t, i, amount))
    rows.sort(key=lambda r: (r[0], r[1]))
    n = len(rows)
    return pa.table(
        {
            "timestamp": _timestamps(_ints(r[0] for r in rows), origin_us),
            "account": _constant(cfg.account, n),
            "symbol": _labels(_symbols(cfg), _ints(r[1] for r in rows)),
            "amount": pa.array([r[2] for r in rows], type=MONEY_TYPE),
            "currency": _constant("USD", n),
            "source": pa.nulls(n, pa.string()),
            "source_line": pa.nulls(n, pa.int64()),
        },
        schema=FUNDING_SCHEMA,
    )


# -- JSON ----------------------------------------------------------------------------------


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _json_records(table: pa.Table) -> Iterator[tuple[int, dict[str, object]]]:
    """``(timestamp µs, record)`` per row: decimals as strings, times ISO-8601 with Z."""
    names = table.column_names
    for batch in table.to_batches(max_chunksize=8_192):
        columns: list[list[object]] = []
        stamps: list[int] = batch.column("timestamp").cast(pa.int64()).to_pylist()
        for name in names:
            array = batch.column(name)
            if pa.types.is_timestamp(array.type):
                text = pc.binary_join_element_wise(
                    pc.strftime(array, format="%Y-%m-%dT%H:%M:%S"), "Z", ""
                )
                columns.append(text.to_pylist())
            elif pa.types.is_decimal(array.type):
                columns.append([None if v is None else _decimal_text(v) for v in array.to_pylist()])
            else:
                columns.append(array.to_pylist())
        for ts, values in zip(stamps, zip(*columns, strict=True), strict=True):
            yield ts, dict(zip(names, values, strict=True))
