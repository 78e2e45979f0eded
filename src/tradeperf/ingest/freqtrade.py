"""freqtrade backtest results: the trades and the export's own summary figures.

Layouts read: freqtrade's backtest export ``{"strategy": {name: {"trades": [...], ...}}, ...}``
(all strategies in it), a bare list of freqtrade trades, or ``{"trades": [...]}``.

Field mapping (freqtrade name -> ours):

- ``pair`` -> symbol; ``is_short`` -> side (long when false/absent); strategy name -> strategy
  (``freqtrade`` for a bare list, unless a trade carries ``strategy``);
- ``open_date``/``close_date`` (or ``open_timestamp``/``close_timestamp`` in ms) -> entry/exit
  time; ``open_rate``/``close_rate`` -> entry/exit price; ``amount`` -> quantity;
- ``profit_abs`` -> net_pnl AS GIVEN (in the stake currency; it is not recomputed from rates);
- fees = amount x open_rate x fee_open + amount x close_rate x fee_close (fee ratios per side);
  gross_pnl = net_pnl + fees;
- ``profit_ratio`` -> return_pct (a fraction); ``exit_reason`` (or the older ``sell_reason``)
  -> exit_reason; ``enter_tag`` -> tags; stake currency -> currency; ``stake_amount``,
  ``leverage``, ``trade_duration`` and stop-loss fields are kept in metadata;
- ``is_open`` true -> status OPEN, else CLOSED;
- trade_id = ``ft-`` + the first 20 hex digits of SHA-256 of ``run|strategy|pair|open_timestamp``
  (ms), stable across re-reads. The run is the export's ``metadata`` run id or the strategy's
  ``backtest_run_start_ts``, so two backtests of one strategy are two runs (left out when the
  export names no run). A rejected trade's ``line`` is its 1-based position in its
  strategy's trade list.

freqtrade's ``profit_abs`` conventions differ between versions (in some exports it excludes
fees); it is taken as given so that sums equal the file's ``profit_total_abs``.
"""

from __future__ import annotations

import decimal
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Final

from tradeperf.errors import InputError
from tradeperf.ingest.assemble import RowCollector, unreadable
from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.catalog import kind_spec
from tradeperf.ingest.kinds import RowError
from tradeperf.ingest.options import DEFAULT_OPTIONS, Limits
from tradeperf.ingest.rows import is_missing, parse_money, parse_timestamp, to_json_text
from tradeperf.ingest.text import json_depth_exceeds, load_text
from tradeperf.records import RecordKind, to_decimal

_EXACT: Final = decimal.Context(prec=80)
_BARE_STRATEGY: Final = "freqtrade"
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_METADATA_FIELDS: Final = (
    "stake_amount",
    "max_stake_amount",
    "leverage",
    "trade_duration",
    "initial_stop_loss_abs",
    "initial_stop_loss_ratio",
    "stop_loss_abs",
    "stop_loss_ratio",
    "min_rate",
    "max_rate",
    "fee_open",
    "fee_close",
)


@dataclass(frozen=True, slots=True)
class FreqtradeSummary:
    """The figures freqtrade wrote for one strategy of a backtest export.

    Attributes
    ----------
    strategy : the strategy name.
    stake_currency : the currency of stakes and P&L (``BTC``, ``USDT``), or None.
    starting_balance : the wallet at the start, in the stake currency (exact), or None.
    final_balance : the wallet at the end, in the stake currency (exact), or None.
    profit_total_abs : the total P&L, in the stake currency (exact), or None.
    total_trades : the number of trades freqtrade counted, or None.
    figures : every other summary field as freqtrade wrote it (``daily_profit``,
        ``results_per_pair``, ``profit_factor``, ...), numbers as Decimal; ``trades`` left out.
    """

    strategy: str
    stake_currency: str | None
    starting_balance: Decimal | None
    final_balance: Decimal | None
    profit_total_abs: Decimal | None
    total_trades: int | None
    figures: dict[str, object] = field(default_factory=dict)


def _load(path: Path, limits: Limits = DEFAULT_OPTIONS.limits) -> object:
    """Load the export as parsed JSON (freqtrade writes NaN for undefined figures: allowed here).

    Raises
    ------
    ValueError
        If it is not JSON, or nests deeper than ``limits.max_depth``.
    """
    text = load_text(path).data.decode("utf-8")
    if json_depth_exceeds(text, limits.max_depth):
        raise ValueError(f"JSON nested deeper than {limits.max_depth} levels (max_depth)")
    return json.loads(text, parse_float=Decimal)


def _strategies(doc: object) -> list[tuple[str, dict[str, object]]]:
    """(strategy name, its result object) for an export; a bare list is one pseudo-strategy."""
    if isinstance(doc, dict) and isinstance(doc.get("strategy"), dict):
        return [(str(k), v) for k, v in doc["strategy"].items() if isinstance(v, dict)]
    if isinstance(doc, dict) and isinstance(doc.get("trades"), list):
        return [(str(doc.get("strategy_name") or _BARE_STRATEGY), doc)]
    if isinstance(doc, list):
        return [(_BARE_STRATEGY, {"trades": doc})]
    return []


def _money_or_none(value: object) -> Decimal | None:
    try:
        return None if is_missing(value) else to_decimal(value)
    except ValueError:
        return None


def freqtrade_summary(path: Path | str) -> dict[str, FreqtradeSummary]:
    """Read the summary figures of each strategy in a freqtrade backtest export.

    The report uses ``starting_balance`` as the capital and ``stake_currency`` as the currency
    when the user gives none.

    Parameters
    ----------
    path
        A freqtrade backtest export (JSON).

    Returns
    -------
    dict of strategy name -> `FreqtradeSummary`; empty for a bare list of trades (it has no
    summary).

    Raises
    ------
    InputError
        If the file cannot be read or is not JSON.
    """
    p = Path(path)
    try:
        doc = _load(p)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=str(p)) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not a JSON document: {exc}", path=str(p)) from None
    if not (isinstance(doc, dict) and isinstance(doc.get("strategy"), dict)):
        return {}
    out: dict[str, FreqtradeSummary] = {}
    for name, result in _strategies(doc):
        figures = {k: v for k, v in result.items() if k != "trades"}
        total = result.get("total_trades")
        currency = result.get("stake_currency")
        out[name] = FreqtradeSummary(
            strategy=name,
            stake_currency=str(currency) if isinstance(currency, str) else None,
            starting_balance=_money_or_none(result.get("starting_balance")),
            final_balance=_money_or_none(result.get("final_balance")),
            profit_total_abs=_money_or_none(result.get("profit_total_abs")),
            total_trades=int(total) if isinstance(total, int) else None,
            figures=figures,
        )
    return out


def freqtrade_trade_id(strategy: str, pair: str, open_timestamp_ms: int, *, run: str = "") -> str:
    """Derive the deterministic id of a freqtrade trade.

    The id is ``ft-`` and the first 20 hex digits of the SHA-256 of run|strategy|pair|open ms
    (strategy|pair|open ms when the export names no run).

    Two backtests of one strategy are two runs whose trades stay apart; the same export read
    twice gives the same ids.

    Parameters
    ----------
    strategy
        The strategy name.
    pair
        The pair, as freqtrade writes it (``ETH/BTC``).
    open_timestamp_ms
        The opening time in epoch milliseconds.
    run
        The backtest run (`freqtrade_run`), empty when unknown.

    Examples
    --------
    >>> a = freqtrade_trade_id("S", "ETH/BTC", 1, run="2024-01-01 00:00:00+00:00")
    >>> a == freqtrade_trade_id("S", "ETH/BTC", 1, run="2024-02-01 00:00:00+00:00")
    False
    """
    text = (
        f"{run}|{strategy}|{pair}|{open_timestamp_ms}"
        if run
        else f"{strategy}|{pair}|{open_timestamp_ms}"
    )
    return f"ft-{hashlib.sha256(text.encode()).hexdigest()[:20]}"


def freqtrade_run(doc: object, strategy: str, result: dict[str, object]) -> str:
    """Tell the backtest run a strategy's result belongs to.

    The run is the export's ``metadata`` run id, else the strategy's ``backtest_run_start_ts``
    (when the backtest was run); empty when neither (a bare list of trades).

    Parameters
    ----------
    doc
        The parsed export.
    strategy
        The strategy name.
    result
        The strategy's result object in the export.
    """
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    entry = meta.get(strategy) if isinstance(meta, dict) else None
    run = entry.get("run_id") if isinstance(entry, dict) else None
    if not run:
        run = result.get("backtest_run_start_ts")
    return str(run) if run else ""


def freqtrade_row(
    trade: dict[str, object], *, strategy: str, currency: str | None, run: str = ""
) -> dict[str, object]:
    """Translate one freqtrade trade into a canonical trade row (before validation).

    Parameters
    ----------
    trade
        One element of freqtrade's ``trades`` list.
    strategy
        The strategy it belongs to.
    currency
        The stake currency, if known.
    run
        The backtest run (`freqtrade_run`): part of the trade id, kept in the metadata.

    Raises
    ------
    RowError
        When a field needed for the id or the fees is missing or not a number.
    """
    pair = trade.get("pair")
    if is_missing(pair):
        raise RowError("missing pair", field="pair")
    open_value = trade.get("open_date", trade.get("open_timestamp"))
    opened = parse_timestamp(open_value, "open_date")
    if opened is None:
        raise RowError("missing open_date", field="open_date")
    close_value = trade.get("close_date", trade.get("close_timestamp"))
    amount = parse_money(trade.get("amount"), "amount")
    open_rate = parse_money(trade.get("open_rate"), "open_rate")
    close_rate = parse_money(trade.get("close_rate"), "close_rate")
    fee_open = parse_money(trade.get("fee_open"), "fee_open")
    fee_close = parse_money(trade.get("fee_close"), "fee_close")
    net = parse_money(trade.get("profit_abs"), "profit_abs")
    is_open = trade.get("is_open") is True
    fees: Decimal | None = None
    with decimal.localcontext(_EXACT):
        if amount is not None and open_rate is not None:
            fees = amount * open_rate * (fee_open or 0)
            if close_rate is not None and not is_open:
                fees += amount * close_rate * (fee_close or 0)
            fees = to_decimal(fees)
        gross = None if net is None or fees is None else to_decimal(net + fees)
    open_ms = (opened - _EPOCH) // timedelta(milliseconds=1)
    metadata = {k: trade[k] for k in _METADATA_FIELDS if not is_missing(trade.get(k))}
    if run:
        metadata["run"] = run
    tag = trade.get("enter_tag")
    row: dict[str, object] = {
        "trade_id": freqtrade_trade_id(strategy, str(pair), open_ms, run=run),
        "strategy": str(trade.get("strategy") or strategy),
        "symbol": pair,
        "side": "short" if trade.get("is_short") is True else "long",
        "status": "OPEN" if is_open else "CLOSED",
        "entry_time": opened,
        "exit_time": None if is_open else close_value,
        "quantity": amount,
        "entry_price": open_rate,
        "exit_price": None if is_open else close_rate,
        "fees": fees,
        "gross_pnl": None if is_open else gross,
        "net_pnl": None if is_open else net,
        "return_pct": trade.get("profit_ratio"),
        "exit_reason": trade.get("exit_reason", trade.get("sell_reason")),
        "currency": currency,
        "tags": [tag] if isinstance(tag, str) and tag else [],
        "metadata_json": metadata or None,
    }
    return row


def read_freqtrade(
    path: Path, *, source: str | None = None, limits: Limits = DEFAULT_OPTIONS.limits
) -> ReadResult:
    """Read the trades of a freqtrade backtest export (every strategy in it).

    Parameters
    ----------
    path
        The export (JSON), a bare list of freqtrade trades, or ``{"trades": [...]}``.
    source
        The name recorded with rows and rejects (default ``str(path)``).
    limits
        A document nested deeper than ``limits.max_depth`` is unreadable; a text value
        longer than ``limits.max_field_chars`` rejects its trade.

    Returns
    -------
    ReadResult of TRADES with ``format="freqtrade"``; unreadable when the file is not JSON or
    holds no freqtrade trades.
    """
    name = source or str(path)
    try:
        doc = _load(path, limits)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        return unreadable(name, f"not a valid JSON document: {exc}", fmt="freqtrade")
    except ValueError as exc:  # nested too deep, NaN
        return unreadable(name, str(exc), fmt="freqtrade")
    strategies = _strategies(doc)
    if not strategies:
        return unreadable(name, "no freqtrade trades in this JSON document", fmt="freqtrade")
    collector = RowCollector(kind_spec(RecordKind.TRADES), name, {}, limits=limits)
    for strategy, result in strategies:
        trades = result.get("trades")
        currency = result.get("stake_currency")
        run = freqtrade_run(doc, strategy, result)
        if not isinstance(trades, list):
            collector.reject(
                None, f"strategy {strategy!r} has no trades list", field="trades", raw=None
            )
            continue
        for index, trade in enumerate(trades, start=1):
            raw = _dump(trade)
            if not isinstance(trade, dict):
                collector.reject(index, "expected a JSON object", field=None, raw=raw)
                continue
            try:
                row = freqtrade_row(
                    trade,
                    strategy=strategy,
                    currency=currency if isinstance(currency, str) else None,
                    run=run,
                )
            except RowError as exc:
                collector.reject(index, exc.reason, field=exc.field, raw=raw)
                continue
            collector.add(index, row, raw)
    read = collector.result("freqtrade")
    for _, first in strategies[:1]:  # the account of the export: its first strategy's
        stake = first.get("stake_currency")
        read.capital = _money_or_none(first.get("starting_balance"))
        read.currency = stake if isinstance(stake, str) and stake else None
    return read


def _dump(obj: object) -> str:
    try:
        return to_json_text(obj)
    except (TypeError, ValueError):
        return repr(obj)
