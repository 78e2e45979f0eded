"""Money has a currency: amounts of two currencies are never added, whatever the path."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tests.cli.conftest import Tradeperf


def _log(path: Path, rows: list[tuple[str, str, str | None]]) -> Path:
    lines = []
    for i, (pnl, currency, day) in enumerate(rows):
        row = {"trade_id": f"t{i}", "symbol": "X", "exit_time": f"2024-03-0{day or 1}T10:00:00Z"}
        row["net_pnl"] = pnl
        if currency:
            row["currency"] = currency
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n")
    return path


def _doc(out: str) -> dict[str, object]:
    return json.loads(out, parse_float=Decimal)  # type: ignore[no-any-return]


def test_two_currencies_are_never_added(tradeperf: Tradeperf, tmp_path: Path) -> None:
    log = _log(
        tmp_path / "mixed.jsonl",
        [("10", "USD", "1"), ("1000", "JPY", "1"), ("-4", None, "2"), ("2000", "JPY", "3")],
    )
    ran = tradeperf("report", str(log), "--out", "rep", "--currency", "USD")
    assert ran.code == 0
    assert "not in these USD figures" in ran.err
    doc = _doc((tmp_path / "rep" / "summary.json").read_text())
    # the USD trades (one says USD, one says nothing: the account's) and nothing in JPY
    assert doc["overall"]["net_pnl"] == Decimal(6)  # type: ignore[index]
    assert doc["overall"]["trades"] == 2  # type: ignore[index]
    assert doc["other_currencies"] == {"JPY": 2}
    assert "2 in JPY" in (tmp_path / "rep" / "summary.md").read_text()
    days = [w["figures"]["net_pnl"] for w in doc["windows"]["daily"]]  # type: ignore[index]
    assert Decimal(3000) not in days
    # an account in JPY: the JPY trades, and the trade that names no currency (the account's)
    jpy = _doc(tradeperf("summary", "--format", "json", "--currency", "JPY").out)
    assert jpy["overall"]["net_pnl"] == Decimal(2996)  # type: ignore[index]
    assert jpy["other_currencies"] == {"USD": 1}
    both = _doc(tradeperf("compare", "--by", "currency", "--format", "json").out)
    nets = {c: g["figures"]["net_pnl"] for c, g in both["groups"].items()}  # type: ignore[attr-defined]
    assert nets == {"JPY": Decimal(3000), "USD": Decimal(6)}


def test_records_that_all_name_one_currency_set_the_account_currency(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    log = _log(tmp_path / "usdt.jsonl", [("10", "USDT", "1"), ("-3", "USDT", "2")])
    ran = tradeperf("report", str(log), "--out", "rep")
    assert ran.code == 0
    doc = _doc((tmp_path / "rep" / "summary.json").read_text())
    assert (doc["currency"], doc["overall"]["net_pnl"], doc["other_currencies"]) == (  # type: ignore[index]
        "USDT",
        Decimal(7),
        {},
    )


def test_money_decimals_setting_sets_the_shown_precision(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    log = _log(tmp_path / "btc.jsonl", [("0.123456789", "BTC", "1")])
    ran = tradeperf("report", str(log), "--out", "rep")
    assert "0.12345679" in (tmp_path / "rep" / "summary.md").read_text()  # BTC: 8, half-even
    (tmp_path / "tradeperf.toml").write_text('money_decimals = "BTC=3"\n')
    ran = tradeperf("report", str(log), "--out", "rep3")
    assert ran.code == 0
    text = (tmp_path / "rep3" / "summary.md").read_text()
    assert "0.123" in text
    assert "0.1234" not in text
    assert "0.123" in ran.out  # the terminal table too
    # JSON keeps every digit
    doc = _doc((tmp_path / "rep3" / "summary.json").read_text())
    assert doc["overall"]["net_pnl"] == Decimal("0.123456789")  # type: ignore[index]
    (tmp_path / "tradeperf.toml").write_text('money_decimals = "BTC=x"\n')
    assert tradeperf("report", str(log), "--out", "rep4").code == 3
