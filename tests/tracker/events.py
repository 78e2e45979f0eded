"""A deterministic record stream for the tracker's tests (independent of `tradeperf.sample`)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from tradeperf.records import CashFlow, Fill, FundingPayment, Mark

T0 = dt.datetime(2024, 5, 31, 18, tzinfo=dt.UTC)


def stream(
    n: int, seed: int = 3, symbols: tuple[str, ...] = ("X", "Y", "Z"), prefix: str = "f"
) -> list[Fill | Mark | FundingPayment | CashFlow]:
    """``n`` time-ordered records: fills (about half), marks, some funding and cash flows."""
    rnd = random.Random(seed)
    prices = {s: 100 + 10 * i for i, s in enumerate(symbols)}
    out: list[Fill | Mark | FundingPayment | CashFlow] = []
    t = T0
    for i in range(n):
        t += dt.timedelta(seconds=rnd.choice((0, 1, 7, 60, 600)), microseconds=i)
        s = rnd.choice(symbols)
        prices[s] = max(1, prices[s] + rnd.randint(-2, 2))
        price = Decimal(prices[s]) + Decimal(rnd.randint(0, 99)) / 100
        r = rnd.random()
        if r < 0.5:
            out.append(
                Fill(
                    f"{prefix}{i}", t, s, rnd.choice(("BUY", "SELL")), Decimal(rnd.randint(1, 4)),
                    price, fee=Decimal(rnd.randint(0, 9)) / 100, strategy=rnd.choice(("a", "b")),
                )
            )  # fmt: skip
        elif r < 0.95:
            out.append(Mark(t, s, price))
        elif r < 0.98:
            out.append(FundingPayment(t, s, Decimal(rnd.randint(-20, 20)) / 100))
        else:
            out.append(CashFlow(t, Decimal(rnd.choice((-50, 100)))))
    return out


def feed(tracker: object, records: list[object]) -> None:
    """Record each record with the tracker's method for its kind."""
    for r in records:
        if type(r) is Fill:
            tracker.record_fill(r)  # type: ignore[attr-defined]
        elif type(r) is Mark:
            tracker.mark(r)  # type: ignore[attr-defined]
        elif type(r) is FundingPayment:
            tracker.record_funding(r)  # type: ignore[attr-defined]
        else:
            tracker.record_cash_flow(r)  # type: ignore[attr-defined]


#: The snapshot keys that must survive a restart exactly.
EXACT_KEYS = (
    "equity", "realized_pnl", "unrealized_pnl", "fees", "funding", "cash_flows", "net_pnl",
    "peak_equity", "drawdown", "max_drawdown", "trades", "wins", "positions", "by_strategy",
    "by_symbol", "periods",
)  # fmt: skip


def exact_view(snapshot: dict[str, object]) -> dict[str, object]:
    """The parts of a snapshot two equal books give equal (Decimals compared by value)."""
    return {k: snapshot[k] for k in EXACT_KEYS}
