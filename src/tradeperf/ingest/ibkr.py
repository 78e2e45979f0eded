"""Interactive Brokers Flex Query XML statements: executions, cash report, statement of funds.

`read_flex` parses an Activity Flex statement (``FlexQueryResponse/FlexStatements/
FlexStatement``) with the standard library's ``xml.etree`` (no external entities are
resolved; expat bounds entity expansion). `read_flex_source` is its reader in the format
registry (``ibkr-flex``): the executions as fills, validated and quarantined like the fills of
any other source (a bad ``Trade`` row is one rejected row, its ``line`` the row's 1-based
position among the statement's executions). Each fill keeps its currency; summaries never
add two currencies (`tradeperf.analytics.summary.summarize`).

Mapping
-------
- ``Trade`` rows (``levelOfDetail="EXECUTION"``, also ORDER/CLOSED_LOT are skipped unless they
  are executions) -> `Fill`: ``fill_id`` = ``ibExecID`` (else ``tradeID``), ``timestamp`` =
  ``dateTime`` (or ``tradeDate``/``tradeTime``) read in the statement's local zone (IBKR
  writes exchange/ET local times without a zone; ``tz`` says which), ``side`` = ``buySell``,
  ``quantity`` = |``quantity``|, ``price`` = ``tradePrice``, ``fee`` = −``ibCommission`` (IBKR
  writes commissions paid as negative numbers) in ``ibCommissionCurrency``, ``multiplier``,
  ``currency``, ``account`` = ``accountId``, ``venue`` = ``exchange``, ``order_id`` =
  ``ibOrderID``, ``strategy`` = ``orderReference`` when set, tags = [``assetCategory``].
- ``fxRateToBase`` of each execution -> an exchange rate of its currency to the account's base
  currency on its trade date (`FX_RATE_SCHEMA`), stored with the fills so that summaries
  convert to base with the rate of the booking day. The base currency is
  ``AccountInformation/@currency`` when the statement has it, else the one currency whose
  executions all have ``fxRateToBase="1"``.
- ``CashReportCurrency`` rows -> `CashReportLine` per currency (``BASE_SUMMARY`` is the base).
- ``StatementOfFundsLine`` with ``activityCode`` DEP / WITH -> `CashFlow` (``amount`` signed).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa

from tradeperf.errors import InputError
from tradeperf.ingest.assemble import RowCollector, unreadable
from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.fills import FILLS_SPEC
from tradeperf.ingest.options import DEFAULT_OPTIONS, ReadOptions
from tradeperf.records import FX_RATE_SCHEMA, CashFlow, Fill, RecordKind, RejectedRow, Side

_CASH_FIELDS = (
    "startingCash",
    "endingCash",
    "commissions",
    "cashSettlingMtm",
    "depositWithdrawals",
    "deposits",
    "withdrawals",
    "netTradesSales",
    "netTradesPurchases",
)


@dataclass(frozen=True, slots=True)
class CashReportLine:
    """One ``CashReportCurrency`` row: amounts of one currency (or BASE_SUMMARY) for the period."""

    currency: str
    level: str
    amounts: dict[str, Decimal]


@dataclass(slots=True)
class FlexStatement:
    """What one Flex statement holds.

    Attributes
    ----------
    account : ``accountId`` of the statement.
    base_currency : the account's base currency (see the module docstring), None when the
        statement does not tell it.
    fills : executions as `Fill`, in file order.
    fx_rate_to_base : per fill id, IBKR's ``fxRateToBase`` (currency -> base).
    close_price : per fill id, the statement's ``closePrice`` of the instrument.
    mtm_pnl : per fill id, IBKR's ``mtmPnl`` of the execution.
    cash_report : per currency, the cash report line.
    cash_flows : deposits (+) and withdrawals (−) from the statement of funds.
    fill_rows : the 1-based position of each fill among the statement's executions.
    rejected : rows that could not be read (``line``: the 1-based position of the row among
        the statement's rows of its element, ``field``: the element or attribute).
    """

    account: str | None
    base_currency: str | None = None
    fills: list[Fill] = field(default_factory=list)
    fx_rate_to_base: dict[str, Decimal] = field(default_factory=dict)
    close_price: dict[str, Decimal] = field(default_factory=dict)
    mtm_pnl: dict[str, Decimal] = field(default_factory=dict)
    cash_report: dict[str, CashReportLine] = field(default_factory=dict)
    cash_flows: list[CashFlow] = field(default_factory=list)
    fill_rows: list[int] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)


def _dec(attrs: dict[str, str], name: str) -> Decimal | None:
    text = attrs.get(name, "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise ValueError(f"{name}: not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"{name}: not a finite number: {text!r}")
    return value


def _raw(row: ET.Element) -> str:
    return ET.tostring(row, encoding="unicode")[:2000]


def _when(attrs: dict[str, str], zone: ZoneInfo) -> datetime:
    text = attrs.get("dateTime") or ";".join(
        p for p in (attrs.get("tradeDate", ""), attrs.get("tradeTime", "")) if p
    )
    text = text or attrs.get("date", "")
    for pattern in ("%Y%m%d;%H%M%S", "%Y%m%d %H%M%S", "%Y-%m-%d;%H:%M:%S", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    raise ValueError(f"not an IBKR date/time: {text!r}")


def _fill(attrs: dict[str, str], zone: ZoneInfo) -> Fill:
    qty = _dec(attrs, "quantity")
    price = _dec(attrs, "tradePrice")
    if qty is None or price is None:
        raise ValueError("Trade row without quantity or tradePrice")
    side = attrs.get("buySell", "").split(" ")[0].upper() or ("BUY" if qty > 0 else "SELL")
    commission = _dec(attrs, "ibCommission") or Decimal(0)
    return Fill(
        fill_id=attrs.get("ibExecID") or attrs.get("tradeID") or attrs["transactionID"],
        timestamp=_when(attrs, zone),
        symbol=attrs["symbol"].strip(),
        side=Side(side),
        quantity=abs(qty),
        price=price,
        fee=-commission,
        account=attrs.get("accountId") or "default",
        venue=attrs.get("exchange") or None,
        strategy=attrs.get("orderReference") or "default",
        fee_currency=attrs.get("ibCommissionCurrency") or None,
        order_id=attrs.get("ibOrderID") or None,
        multiplier=_dec(attrs, "multiplier") or Decimal(1),
        currency=attrs.get("currency") or None,
        tags=(attrs["assetCategory"],) if attrs.get("assetCategory") else (),
    )


def read_flex(path: str | Path, *, tz: str = "America/New_York") -> list[FlexStatement]:
    """Read every statement of an IBKR Flex Query XML file.

    Parameters
    ----------
    path
        The XML file.
    tz
        IANA zone of the statement's local times (IBKR: the exchange/ET time, default
        ``America/New_York``).

    Returns
    -------
    One `FlexStatement` per ``FlexStatement`` element (a bare statement file gives one).

    Raises
    ------
    InputError
        If the file is not well-formed XML. A row that cannot be read is not an error: it is
        in the statement's ``rejected``.
    """
    zone = ZoneInfo(tz)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise InputError(f"not a readable Flex XML file: {exc}", path=str(path)) from None
    elements = list(root.iter("FlexStatement")) or [root]
    out = []
    for el in elements:
        st = FlexStatement(account=el.get("accountId"))
        executions = (
            r for r in el.iter("Trade") if r.get("levelOfDetail", "EXECUTION") == "EXECUTION"
        )
        for index, row in enumerate(executions, start=1):
            attrs = dict(row.attrib)
            try:
                f = _fill(attrs, zone)
            except (ValueError, KeyError, ArithmeticError) as exc:
                reason = f"missing attribute {exc}" if isinstance(exc, KeyError) else str(exc)
                st.rejected.append(
                    RejectedRow(str(path), index, "Trade", f"bad Trade row: {reason}", _raw(row))
                )
                continue
            st.fills.append(f)
            st.fill_rows.append(index)
            for name, target in (
                ("fxRateToBase", st.fx_rate_to_base),
                ("closePrice", st.close_price),
                ("mtmPnl", st.mtm_pnl),
            ):
                value = _dec(attrs, name)
                if value is not None:
                    target[f.fill_id] = value
        st.base_currency = _base_currency(el, st)
        for row in el.iter("CashReportCurrency"):
            attrs = dict(row.attrib)
            amounts = {n: v for n in _CASH_FIELDS if (v := _dec(attrs, n)) is not None}
            ccy = attrs.get("currency", "")
            st.cash_report[ccy] = CashReportLine(ccy, attrs.get("levelOfDetail", ""), amounts)
        for index, row in enumerate(el.iter("StatementOfFundsLine"), start=1):
            attrs = dict(row.attrib)
            if attrs.get("activityCode") not in ("DEP", "WITH"):
                continue
            try:
                amount = _dec(attrs, "amount")
                if amount is None:
                    raise ValueError("funds line without amount")
                flow = CashFlow(
                    timestamp=_when(attrs, zone),
                    amount=amount,
                    account=attrs.get("accountId") or "default",
                    currency=attrs.get("currency") or None,
                )
            except (ValueError, ArithmeticError) as exc:
                st.rejected.append(
                    RejectedRow(str(path), index, "StatementOfFundsLine", str(exc), _raw(row))
                )
                continue
            st.cash_flows.append(flow)
        out.append(st)
    return out


def _base_currency(el: ET.Element, st: FlexStatement) -> str | None:
    """Tell the statement's base currency, or None when nothing tells it.

    The base currency is its account information's, else the one currency all of whose
    executions convert to base at exactly 1.
    """
    info = next(el.iter("AccountInformation"), None)
    if info is not None and info.get("currency"):
        return info.get("currency")
    at_one: set[str] = set()
    other: set[str] = set()
    for f in st.fills:
        rate = st.fx_rate_to_base.get(f.fill_id)
        if rate is not None and f.currency:
            (at_one if rate == 1 else other).add(f.currency)
    if len(at_one) == 1 and not at_one & other:
        return at_one.pop()
    return None


def fx_rates_table(st: FlexStatement, source: str, lines: list[int]) -> pa.Table:
    """Tabulate the exchange rates of ``st``'s executions to its base currency.

    The table (`FX_RATE_SCHEMA`) has one row per (trade date, currency, rate); it is empty
    when the base is not known.

    Parameters
    ----------
    st
        The parsed Flex statement.
    source
        The name recorded with the rows.
    lines
        The line of each of ``st``'s fills, numbered as the fills table numbers them.
    """
    rows: dict[tuple[object, str, Decimal], int] = {}
    base = st.base_currency
    for f, line in zip(st.fills, lines, strict=True):
        rate = st.fx_rate_to_base.get(f.fill_id)
        if base is None or rate is None or not f.currency or f.currency == base or rate <= 0:
            continue
        rows.setdefault((f.timestamp.date(), f.currency, rate), line)
    return pa.table(
        {
            "date": [k[0] for k in rows],
            "currency": [k[1] for k in rows],
            "base": [base] * len(rows),
            "rate": [k[2] for k in rows],
            "source": [source] * len(rows),
            "source_line": list(rows.values()),
        },
        schema=FX_RATE_SCHEMA,
    )


def read_flex_source(
    path: Path,
    *,
    source: str | None = None,
    options: ReadOptions = DEFAULT_OPTIONS,
    tz: str = "America/New_York",
) -> ReadResult:
    """Read the executions of an IBKR Flex statement as fills (the reader contract).

    Parameters
    ----------
    path
        The Flex Query XML file.
    source
        The name recorded with rows and rejects (default ``str(path)``).
    options
        The reader options (``limits`` bound the text values; a column mapping does
        not apply to XML attributes).
    tz
        IANA zone of the statement's local times (see `read_flex`).

    Returns
    -------
    ReadResult of FILLS with ``format="ibkr-flex"``: one fill per execution (as `read_flex`
    maps it, then validated like any fill, in its own currency), bad rows quarantined;
    ``currency`` the account's base currency and ``extra`` its exchange rates to it
    (`fx_rates_table`); unreadable when the file is not well-formed XML. The statement's
    cash flows are not part of it (`read_flex` has them).
    """
    name = source or str(path)
    try:
        statements = read_flex(path, tz=tz)
    except InputError as exc:
        return unreadable(name, exc.reason, kind=RecordKind.FILLS, fmt="ibkr-flex")
    collector = RowCollector(FILLS_SPEC, name, {}, limits=options.limits)
    before = 0  # rows of the earlier statements: lines count on through the file
    rates: list[pa.Table] = []
    for st in statements:
        for reject in st.rejected:
            if reject.field == "Trade" and reject.line is not None:
                line = before + reject.line
                collector.reject(line, reject.reason, field=reject.field, raw=reject.raw)
        for fill, row in zip(st.fills, st.fill_rows, strict=True):
            collector.add(before + row, _fill_row(fill), None)
        rates.append(fx_rates_table(st, name, [before + row for row in st.fill_rows]))
        before += len(st.fills) + sum(r.field == "Trade" for r in st.rejected)
    result = collector.result("ibkr-flex")
    bases = {st.base_currency for st in statements if st.fills}
    if len(bases) == 1 and None not in bases:
        result.currency = bases.pop()
    fx = pa.concat_tables(rates) if rates else FX_RATE_SCHEMA.empty_table()
    if fx.num_rows:
        result.extra[RecordKind.FX_RATES] = fx
    return result


def _fill_row(fill: Fill) -> dict[str, object]:
    return {
        "fill_id": fill.fill_id,
        "timestamp": fill.timestamp.isoformat(),
        "symbol": fill.symbol,
        "side": str(fill.side),
        "quantity": fill.quantity,
        "price": fill.price,
        "fee": fill.fee,
        "account": fill.account,
        "venue": fill.venue,
        "strategy": fill.strategy,
        "fee_currency": fill.fee_currency,
        "order_id": fill.order_id,
        "multiplier": fill.multiplier,
        "currency": fill.currency,
        "tags": list(fill.tags),
    }
