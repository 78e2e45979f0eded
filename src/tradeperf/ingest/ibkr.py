"""Interactive Brokers Flex Query XML statements: executions, cash report, statement of funds.

`read_flex` parses an Activity Flex statement (``FlexQueryResponse/FlexStatements/
FlexStatement``) with the standard library's ``xml.etree`` (no DTDs or entities are resolved).

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

from tradeperf.errors import InputError
from tradeperf.records import CashFlow, Fill

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
    fills : executions as `Fill`, in file order.
    fx_rate_to_base : per fill id, IBKR's ``fxRateToBase`` (currency -> base).
    close_price : per fill id, the statement's ``closePrice`` of the instrument.
    mtm_pnl : per fill id, IBKR's ``mtmPnl`` of the execution.
    cash_report : per currency, the cash report line.
    cash_flows : deposits (+) and withdrawals (−) from the statement of funds.
    """

    account: str | None
    fills: list[Fill] = field(default_factory=list)
    fx_rate_to_base: dict[str, Decimal] = field(default_factory=dict)
    close_price: dict[str, Decimal] = field(default_factory=dict)
    mtm_pnl: dict[str, Decimal] = field(default_factory=dict)
    cash_report: dict[str, CashReportLine] = field(default_factory=dict)
    cash_flows: list[CashFlow] = field(default_factory=list)


def _dec(attrs: dict[str, str], name: str) -> Decimal | None:
    text = attrs.get(name, "").strip()
    return Decimal(text) if text else None


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
        side=side,  # type: ignore[arg-type]
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
    path : the XML file.
    tz : IANA zone of the statement's local times (IBKR: the exchange/ET time, default
        ``America/New_York``).

    Returns
    -------
    One `FlexStatement` per ``FlexStatement`` element (a bare statement file gives one).

    Raises
    ------
    InputError
        If the file is not well-formed XML or a row cannot be read (with the row's field).
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
        for row in el.iter("Trade"):
            attrs = dict(row.attrib)
            if attrs.get("levelOfDetail", "EXECUTION") != "EXECUTION":
                continue
            try:
                f = _fill(attrs, zone)
            except (ValueError, KeyError) as exc:
                raise InputError(f"bad Trade row: {exc}", path=str(path), field="Trade") from None
            st.fills.append(f)
            for name, target in (
                ("fxRateToBase", st.fx_rate_to_base),
                ("closePrice", st.close_price),
                ("mtmPnl", st.mtm_pnl),
            ):
                value = _dec(attrs, name)
                if value is not None:
                    target[f.fill_id] = value
        for row in el.iter("CashReportCurrency"):
            attrs = dict(row.attrib)
            amounts = {n: v for n in _CASH_FIELDS if (v := _dec(attrs, n)) is not None}
            ccy = attrs.get("currency", "")
            st.cash_report[ccy] = CashReportLine(ccy, attrs.get("levelOfDetail", ""), amounts)
        for row in el.iter("StatementOfFundsLine"):
            attrs = dict(row.attrib)
            if attrs.get("activityCode") not in ("DEP", "WITH"):
                continue
            amount = _dec(attrs, "amount")
            if amount is None:
                raise InputError("funds line without amount", path=str(path), field="amount")
            st.cash_flows.append(
                CashFlow(
                    timestamp=_when(attrs, zone),
                    amount=amount,
                    account=attrs.get("accountId") or "default",
                    currency=attrs.get("currency") or None,
                )
            )
        out.append(st)
    return out
