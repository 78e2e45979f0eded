"""The incremental ledger's state as a JSON document, and back: what lets books resume.

`dump_ledger` gives a plain dict (text, numbers, lists) of everything a `Ledger` needs to go
on exactly as it was: each open position with its lots and its open round trip, the latest
marks, and the totals. `load_ledger` rebuilds the ledger; the rebuilt one gives the same
Decimals (value and exponent) as the original for every later event. Amounts are written as
decimal text (``str(Decimal)``, exact), times as ISO-8601 UTC text.

The ledger must keep no history (``keep_history=False``): a document holds what is open,
not what was closed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from tradeperf.ledger.basis import CostBasis
from tradeperf.ledger.incremental import Ledger, _Episode, _Lot, _Position
from tradeperf.ledger.model import RoundTrip
from tradeperf.records import Fill, Side

__all__ = ["dump_ledger", "load_ledger"]

_EPISODE_MONEY = (
    "entry_fees",
    "entry_notional",
    "entry_qty",
    "exit_fees",
    "exit_notional",
    "funding",
    "realized",
)


def _d(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _t(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _lot(lot: _Lot) -> dict[str, Any]:
    f = lot.fill
    return {
        "fill_id": f.fill_id,
        "time": lot.time.isoformat(),
        "side": f.side.value,
        "strategy": f.strategy,
        "venue": f.venue,
        "fill_price": str(f.price),
        "fill_qty": str(lot.fill_qty),
        "multiplier": str(f.multiplier),
        "price": str(lot.price),
        "qty": str(lot.qty),
        "fee": str(lot.fee),
        "alloc": str(lot.alloc),
    }


def _episode(ep: _Episode | None) -> dict[str, Any] | None:
    if ep is None:
        return None
    out: dict[str, Any] = {name: str(getattr(ep, name)) for name in _EPISODE_MONEY}
    out.update(
        number=ep.number,
        sign=ep.sign,
        entry_time=ep.entry_time.isoformat(),
        strategy=ep.strategy,
        venue=ep.venue,
        pmin=_d(ep.pmin),
        pmax=_d(ep.pmax),
    )
    return out


def dump_ledger(ledger: Ledger) -> dict[str, Any]:
    """Return the state of ``ledger`` as a JSON-able dict.

    Raises
    ------
    ValueError
        If the ledger keeps history (its closed trades and fill ids are not in a document).

    Examples
    --------
    >>> from datetime import UTC
    >>> t = datetime(2024, 1, 2, tzinfo=UTC)
    >>> led = Ledger(keep_history=False)
    >>> _ = led.apply(Fill("1", t, "X", "BUY", Decimal(2), Decimal(10), fee=Decimal("0.1")))
    >>> again = load_ledger(dump_ledger(led))
    >>> _ = again.apply(Fill("2", t, "X", "SELL", Decimal(2), Decimal(11)))
    >>> again.realized_pnl == 2, again.fees
    (True, Decimal('0.100000000000000000'))
    """
    if ledger._keep:
        raise ValueError("only a ledger without history (keep_history=False) can be saved")
    positions = []
    for (account, symbol), pos in ledger._positions.items():
        positions.append(
            {
                "account": account,
                "symbol": symbol,
                "multiplier": str(pos.multiplier),
                "currency": pos.currency,
                "qty": str(pos.qty),
                "sign": pos.sign,
                "cost": str(pos.cost),
                "episodes": pos.episodes,
                "lots": [_lot(lot) for lot in pos.lots],
                "episode": _episode(pos.episode),
            }
        )
    return {
        "cost_basis": ledger.cost_basis.value,
        "round_trips": ledger._round_trips,
        "round_trip": ledger.round_trip.value,
        "capital": str(ledger.capital),
        "realized_pnl": str(ledger.realized_pnl),
        "fees": str(ledger.fees),
        "fees_other": {k: str(v) for k, v in ledger.fees_other.items()},
        "funding": str(ledger.funding),
        "cash_flows": str(ledger.cash_flows),
        "cash": str(ledger.cash),
        "last_time": _t(ledger.last_time),
        "marks": {k: str(v) for k, v in ledger._marks.items()},
        "positions": positions,
    }


def load_ledger(doc: dict[str, Any]) -> Ledger:
    """Rebuild the ledger `dump_ledger` saved (without history).

    Raises
    ------
    KeyError, ValueError
        If the document is not one `dump_ledger` wrote.
    """
    led = Ledger(
        cost_basis=CostBasis(doc["cost_basis"]),
        round_trip=RoundTrip(doc["round_trip"]),
        capital=Decimal(doc["capital"]),
        keep_history=False,
        round_trips=doc.get("round_trips", True),
    )
    led.realized_pnl = Decimal(doc["realized_pnl"])
    led.fees = Decimal(doc["fees"])
    led.fees_other = {k: Decimal(v) for k, v in doc["fees_other"].items()}
    led.funding = Decimal(doc["funding"])
    led.cash_flows = Decimal(doc["cash_flows"])
    led.cash = Decimal(doc["cash"])
    led.last_time = None if doc["last_time"] is None else datetime.fromisoformat(doc["last_time"])
    led._marks = {k: Decimal(v) for k, v in doc["marks"].items()}
    for p in doc["positions"]:
        currency = p["currency"]
        pos = _Position(p["account"], p["symbol"], Decimal(p["multiplier"]), currency)
        pos.qty = Decimal(p["qty"])
        pos.sign = int(p["sign"])
        pos.cost = Decimal(p["cost"])
        pos.episodes = int(p["episodes"])
        for lot in p["lots"]:
            time = datetime.fromisoformat(lot["time"])
            fill = Fill(
                lot["fill_id"],
                time,
                p["symbol"],
                Side(lot["side"]),
                Decimal(lot["fill_qty"]),
                Decimal(lot["fill_price"]),
                account=p["account"],
                venue=lot["venue"],
                strategy=lot["strategy"],
                multiplier=Decimal(lot["multiplier"]),
                currency=currency,
            )
            kept = _Lot(fill, Decimal(lot["qty"]), Decimal(lot["fee"]), Decimal(lot["alloc"]))
            kept.price = Decimal(lot["price"])
            kept.fill_qty = Decimal(lot["fill_qty"])
            pos.lots.append(kept)
        e = p["episode"]
        if e is not None:
            ep = _Episode(
                int(e["number"]),
                int(e["sign"]),
                datetime.fromisoformat(e["entry_time"]),
                e["strategy"],
                e["venue"],
            )
            for name in _EPISODE_MONEY:
                setattr(ep, name, Decimal(e[name]))
            ep.pmin = None if e["pmin"] is None else Decimal(e["pmin"])
            ep.pmax = None if e["pmax"] is None else Decimal(e["pmax"])
            pos.episode = ep
        led._positions[(pos.account, pos.symbol)] = pos
        led._by_symbol.setdefault(pos.symbol, []).append(pos)
    return led
