"""Trailing windows, the last N trades, breakdowns and daily series, against pandas.

The trades are random (strategies, sides, tags, exit reasons, exits across the spring DST
change of Europe/Berlin); each figure the command prints is recomputed with pandas from the
same trades as written, never from tradeperf's own code.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.conftest import Tradeperf
from tradeperf.durations import parse_duration, parse_instant, parse_since
from tradeperf.errors import ConfigError

TZ = "Europe/Berlin"
#: Sessions that overlap (asia and europe at 07:00) and one over midnight.
SESSIONS = "asia=00:00-08:00,europe=07:00-16:00,late=22:00-02:00"
T0 = dt.datetime(2024, 3, 25, tzinfo=dt.UTC)  # the DST change is on 31 March
CAPITAL = Decimal(10_000)


def _trades(n: int = 400, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        exit_at = T0 + dt.timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
        if i % 50 == 0:  # some trades exit at the same instant
            exit_at = T0 + dt.timedelta(days=3)
        entry = exit_at - dt.timedelta(minutes=rng.randrange(1, 600))
        pnl = Decimal(rng.randrange(-5000, 6000)).scaleb(-2)
        tags = rng.choice([[], ["breakout"], ["news"], ["breakout", "news"]])
        out.append(
            {
                "trade_id": f"t{i:04d}",
                "strategy": rng.choice(["alpha", "beta", "gamma"]),
                "symbol": rng.choice(["BTC-USD", "ETH-USD"]),
                "side": rng.choice(["long", "short"]),
                "status": "CLOSED",
                "entry_time": entry.isoformat(),
                "exit_time": exit_at.isoformat(),
                "entry_price": "100",
                "exit_price": "101",
                "quantity": "1",
                "fees": "0",
                "net_pnl": str(pnl),
                "exit_reason": rng.choice(["roi", "stop_loss", "signal", None]),
                "tags": tags,
                # where, under the names exports use (aliases of account and venue)
                "account_id": rng.choice(["acc-1", "acc-2", None]),
                "exchange": rng.choice(["binance", "kraken", "", None]),
            }
        )
    return out


@pytest.fixture
def stored(tradeperf: Tradeperf, tmp_path: Path, store_url: str) -> tuple[pd.DataFrame, str]:
    """The random trades ingested into a store (DuckDB, PostgreSQL), and as a DataFrame."""
    trades = _trades()
    (tmp_path / "trades.jsonl").write_text("\n".join(json.dumps(t) for t in trades) + "\n")
    store = store_url
    ran = tradeperf("ingest", str(tmp_path / "trades.jsonl"), "--store", store)
    assert ran.code == 0, ran.err
    df = pd.DataFrame(trades)
    df["exit_time"] = pd.to_datetime(df["exit_time"], utc=True)
    df["entry_time"] = pd.to_datetime(df["entry_time"], utc=True)
    df["pnl"] = df["net_pnl"].map(Decimal)
    # the documented exit order: exit time, entry time, trade id
    df = df.sort_values(["exit_time", "entry_time", "trade_id"], kind="stable")
    return df.reset_index(drop=True), store


def _summary(tradeperf: Tradeperf, store: str, *args: str) -> dict:
    ran = tradeperf(
        "summary", "--store", store, "--tz", TZ, "--capital", str(CAPITAL), "--format", "json",
        *args,
    )  # fmt: skip
    assert ran.code == 0, ran.err
    return json.loads(ran.out, parse_float=Decimal)


def _expect(group: pd.DataFrame) -> dict[str, object]:
    wins = int((group["pnl"] > 0).sum())
    losses = int((group["pnl"] < 0).sum())
    return {
        "trades": len(group),
        "wins": wins,
        "losses": losses,
        "net_pnl": sum(group["pnl"], Decimal(0)),
        "win_rate": wins / len(group),
    }


def _got(figures: dict) -> dict[str, object]:
    return {
        "trades": figures["trades"],
        "wins": figures["wins"],
        "losses": figures["losses"],
        "net_pnl": figures["net_pnl"],
        "win_rate": pytest.approx(float(figures["win_rate"]), abs=0),
    }


def _groups(doc: dict) -> dict[tuple[str, ...], dict]:
    by = doc["breakdown"]["by"]
    return {tuple(g["key"][k] for k in by): g["figures"] for g in doc["breakdown"]["groups"]}


# -- the last N trades -------------------------------------------------------------------
def test_last_n_trades_are_the_last_in_exit_order(tradeperf: Tradeperf, stored) -> None:
    df, store = stored
    doc = _summary(tradeperf, store, "--last", "20")
    assert _got(doc["overall"]) == _expect(df.tail(20))
    # the trades before them are in the starting equity
    assert doc["overall"]["equity_start"] == CAPITAL + sum(df["pnl"].iloc[:-20], Decimal(0))
    assert doc["period"]["last"] == 20


def test_last_n_of_each_group(tradeperf: Tradeperf, stored) -> None:
    df, store = stored
    doc = _summary(tradeperf, store, "--last", "5", "--by", "strategy,side")
    expected = {key: _expect(g.tail(5)) for key, g in df.groupby(["strategy", "side"], sort=True)}
    got = {key: _got(f) for key, f in _groups(doc).items()}
    assert got == expected
    assert doc["breakdown"]["last"] == 5


# -- trailing windows --------------------------------------------------------------------
def test_since_and_at_bound_the_period_to_the_microsecond(tradeperf: Tradeperf, stored) -> None:
    df, store = stored
    at = T0 + dt.timedelta(days=3)  # several trades exit exactly then: not in the window
    since = at - dt.timedelta(hours=36)
    doc = _summary(tradeperf, store, "--since", "36h", "--at", at.isoformat())
    inside = df[(df["exit_time"] >= since) & (df["exit_time"] < at)]
    assert (df["exit_time"] == at).sum() >= 2
    assert _got(doc["overall"]) == _expect(inside)
    assert doc["period"]["since"] == since.isoformat()
    assert doc["period"]["until"] == at.isoformat()
    # a local time without an offset is in the reporting timezone
    local = at.astimezone(dt.timezone(dt.timedelta(hours=1))).replace(tzinfo=None).isoformat()
    again = _summary(tradeperf, store, "--since", "36h", "--at", local)
    assert again["overall"]["trades"] == doc["overall"]["trades"]


def test_since_a_time_counts_a_trade_exiting_at_it(tradeperf: Tradeperf, stored) -> None:
    df, store = stored
    since = T0 + dt.timedelta(days=3)
    doc = _summary(tradeperf, store, "--since", since.isoformat(), "--at", "2024-04-30T00:00Z")
    assert _got(doc["overall"]) == _expect(df[df["exit_time"] >= since])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", dt.timedelta(hours=24)),
        ("7d", dt.timedelta(days=7)),
        ("30min", dt.timedelta(minutes=30)),
        ("500ms", dt.timedelta(milliseconds=500)),
        ("90s", dt.timedelta(seconds=90)),
        ("2w", dt.timedelta(weeks=2)),
        ("1h30min", dt.timedelta(minutes=90)),
        (" 3D ", dt.timedelta(days=3)),
    ],
)
def test_one_duration_grammar(text: str, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["3m", "1mo", "2y", "0h", "h", "-1h", "1.5h", "24 h", ""])
def test_durations_outside_the_grammar_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="duration"):
        parse_duration(text)


def test_a_local_time_across_the_dst_change_is_read_in_the_reporting_timezone() -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo(TZ)
    assert parse_instant("2024-03-30T12:00", berlin) == dt.datetime(2024, 3, 30, 11, tzinfo=dt.UTC)
    assert parse_instant("2024-04-01T12:00", berlin) == dt.datetime(2024, 4, 1, 10, tzinfo=dt.UTC)
    end = dt.datetime(2024, 4, 1, 10, tzinfo=dt.UTC)
    # 24 hours back across the change are 24 hours of instants, not a local day
    assert parse_since("24h", until=end, tz=berlin) == end - dt.timedelta(hours=24)
    with pytest.raises(ConfigError, match="not before"):
        parse_since("2024-05-01", until=end, tz=berlin)


# -- breakdowns --------------------------------------------------------------------------
def _local(df: pd.DataFrame, column: str) -> pd.Series:
    return df[column].dt.tz_convert(TZ)


@pytest.mark.parametrize(
    ("key", "labels"),
    [
        ("hour", lambda df: _local(df, "exit_time").dt.hour.map("{:02d}".format)),
        ("entry_hour", lambda df: _local(df, "entry_time").dt.hour.map("{:02d}".format)),
        ("weekday", lambda df: _local(df, "exit_time").dt.strftime("%a")),
        ("side", lambda df: df["side"]),
        ("exit_reason", lambda df: df["exit_reason"].fillna("(none)")),
        ("account", lambda df: df["account_id"].fillna("(none)")),
        ("venue", lambda df: df["exchange"].replace("", None).fillna("(none)")),
    ],
)
def test_breakdown_by_one_key_equals_pandas(tradeperf: Tradeperf, stored, key, labels) -> None:
    df, store = stored
    doc = _summary(tradeperf, store, "--by", key)
    expected = {(str(k),): _expect(g) for k, g in df.groupby(labels(df))}
    got = {k: _got(f) for k, f in _groups(doc).items()}
    assert got == expected
    assert doc["breakdown"]["overlapping"] is False
    assert sum(f["trades"] for f in _groups(doc).values()) == len(df)


def test_breakdown_by_tag_counts_a_trade_once_per_tag(tradeperf: Tradeperf, stored) -> None:
    df, store = stored
    doc = _summary(tradeperf, store, "--by", "tag")
    tags = df.assign(tag=df["tags"].map(lambda t: t or ["(none)"])).explode("tag")
    expected = {(k,): _expect(g) for k, g in tags.groupby("tag")}
    assert {k: _got(f) for k, f in _groups(doc).items()} == expected
    assert doc["breakdown"]["overlapping"] is True
    assert sum(f["trades"] for f in _groups(doc).values()) > len(df)


def test_breakdown_by_a_pair_of_keys(tradeperf: Tradeperf, stored) -> None:
    df, store = stored
    doc = _summary(tradeperf, store, "--by", "weekday,tag")
    tags = df.assign(
        tag=df["tags"].map(lambda t: t or ["(none)"]),
        weekday=_local(df, "exit_time").dt.strftime("%a"),
    ).explode("tag")
    expected = {k: _expect(g) for k, g in tags.groupby(["weekday", "tag"])}
    got = _groups(doc)
    assert {k: _got(f) for k, f in got.items()} == expected
    days = [k[0] for k in got]  # weekdays in their week order
    assert days == sorted(days, key=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].index)


def test_breakdown_by_account_and_venue_equals_pandas(tradeperf: Tradeperf, stored) -> None:
    df, store = stored
    doc = _summary(tradeperf, store, "--by", "account,venue")
    keys = df.assign(
        account=df["account_id"].fillna("(none)"),
        venue=df["exchange"].replace("", None).fillna("(none)"),  # an empty venue is none
    )
    expected = {k: _expect(g) for k, g in keys.groupby(["account", "venue"])}
    assert {k: _got(f) for k, f in _groups(doc).items()} == expected
    assert len(expected) == 9  # 3 accounts (one none) x 3 venues (one none)


def test_an_unknown_key_is_one_line_and_exit_code(tradeperf: Tradeperf, stored) -> None:
    _, store = stored
    ran = tradeperf("summary", "--store", store, "--by", "colour")
    assert ran.code == 3
    assert "--by 'colour': expected one of strategy" in ran.err
    assert "Traceback" not in ran.text


# -- daily series ------------------------------------------------------------------------
@pytest.mark.parametrize("extra", [(), ("--by", "side")], ids=["partials", "trades"])
def test_daily_series_has_every_day_and_equals_pandas(
    tradeperf: Tradeperf, stored, extra: tuple[str, ...]
) -> None:
    df, store = stored
    doc = _summary(tradeperf, store, *extra)
    day = _local(df, "exit_time").dt.date
    days = pd.date_range(day.min(), day.max(), freq="D").date
    pnl = df.groupby(day)["pnl"].apply(lambda s: sum(s, Decimal(0))).reindex(days)
    pnl = pnl.map(lambda x: Decimal(0) if pd.isna(x) else x)
    counts = df.groupby(day).size().reindex(days, fill_value=0)
    rows = doc["series"]["daily"]
    assert [r["day"] for r in rows] == [d.isoformat() for d in days]
    assert [r["trades"] for r in rows] == counts.tolist()
    assert [r["net_pnl"] for r in rows] == pnl.tolist()
    cumulative = list(pd.Series(pnl.tolist()).cumsum())
    assert [r["cumulative_pnl"] for r in rows] == cumulative
    equity = [CAPITAL + c for c in cumulative]
    assert [r["equity"] for r in rows] == equity
    level = pd.Series([float(CAPITAL), *map(float, equity)])
    underwater = (level / level.cummax() - 1).iloc[1:]
    assert [float(r["drawdown"]) for r in rows] == pytest.approx(underwater.tolist(), abs=1e-12)
    start = pd.Series([float(CAPITAL), *map(float, equity[:-1])])
    returns = pd.Series([float(p) for p in pnl]) / start
    assert [float(r["return"]) for r in rows] == pytest.approx(returns.tolist(), abs=1e-12)
    # the worst fall of the series is the summary's maximum drawdown
    assert -min(float(r["drawdown"]) for r in rows) == pytest.approx(
        float(doc["overall"]["max_drawdown"]), abs=1e-12
    )
    for name, frame in df.groupby("strategy"):
        own = doc["series"]["by_strategy"][name]
        assert len(own) == len(days)
        assert sum((r["net_pnl"] for r in own), Decimal(0)) == sum(frame["pnl"], Decimal(0))


def test_a_trailing_window_without_trades_still_has_its_days(tradeperf: Tradeperf, stored) -> None:
    _, store = stored
    # midnight in Berlin (CEST): the three local days before it
    doc = _summary(tradeperf, store, "--since", "3d", "--at", "2024-06-09T22:00Z")
    rows = doc["series"]["daily"]
    assert [r["day"] for r in rows] == ["2024-06-07", "2024-06-08", "2024-06-09"]
    assert all(r["trades"] == 0 and r["net_pnl"] == 0 for r in rows)
    assert doc["overall"]["trades"] == 0


# -- the engine's partials and the direct path agree ----------------------------------------
def _close(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name, x in a.items():
        y = b[name]
        if isinstance(x, float) and isinstance(y, float):
            assert x == pytest.approx(y, rel=1e-9, abs=1e-12, nan_ok=True), name
        else:
            assert x == y, name


@pytest.mark.parametrize(
    "asked",
    [
        {"last": 25},
        {"since": T0 + dt.timedelta(days=2, hours=7), "until": T0 + dt.timedelta(days=9)},
        {"by": ("hour",)},
        {"by": ("tag", "side")},
        {"by": ("strategy",), "last": 7},
        {"by": ("exit_reason",), "since": T0 + dt.timedelta(days=5)},
        {"by": ("session", "side")},
        {"session": "late", "by": ("weekday",)},
        {"by": ("weekday",)},
        {"by": ("weekday",), "strategies": ("beta",), "start": dt.date(2024, 3, 28)},
        {"by": ("weekday", "hour"), "day_start": dt.time(17)},
        {"by": ("weekday",), "day_start": dt.time(6, 30), "last": 40},
        {"by": ("account", "venue"), "since": T0 + dt.timedelta(days=4, hours=5)},
        {"by": ("venue",)},
    ],
    ids=[
        "last", "since-until", "hour", "tag-side", "strategy-last", "exit-reason-since",
        "session-side", "in-a-session", "weekday", "weekday-of-a-strategy",
        "weekday-hour-cut", "weekday-cut-last", "account-venue-since", "venue",
    ],
)  # fmt: skip
def test_the_engines_partials_give_the_direct_paths_figures(stored, asked: dict) -> None:
    from tradeperf.analytics.summary import SummaryRequest, summarize, summarize_trades
    from tradeperf.sessions import parse_sessions
    from tradeperf.store import open_store

    _, url = stored
    sessions = parse_sessions(SESSIONS)
    request = SummaryRequest(timezone=TZ, capital=CAPITAL, sessions=sessions, **asked)
    with open_store(url) as store:
        sql = summarize(store, request)  # no fills: the engine's partials
        direct = summarize_trades(store, request)
    _close(sql.overall, direct.overall)
    assert sql.by_strategy.keys() == direct.by_strategy.keys()
    for name in sql.by_strategy:
        _close(sql.by_strategy[name], direct.by_strategy[name])
    if "by" in asked:
        assert sql.breakdown is not None
        assert direct.breakdown is not None
        assert [g.key for g in sql.breakdown.groups] == [g.key for g in direct.breakdown.groups]
        for a, b in zip(sql.breakdown.groups, direct.breakdown.groups, strict=True):
            _close(a.figures, b.figures)
    assert sql.series is not None
    assert direct.series is not None
    assert sql.series.equity == direct.series.equity
    for kind, windows in sql.windows.items():
        assert [w.label for w in windows] == [w.label for w in direct.windows[kind]]


# -- the figures of the daily returns and the current streak ---------------------------------
@pytest.mark.parametrize("extra", [(), ("--by", "side")], ids=["partials", "trades"])
def test_daily_return_figures_and_the_current_streak_equal_pandas(
    tradeperf: Tradeperf, stored, extra: tuple[str, ...]
) -> None:
    df, store = stored
    doc = _summary(tradeperf, store, *extra)
    rows = doc["series"]["daily"]
    equity = pd.Series([float(CAPITAL)] + [float(r["equity"]) for r in rows])
    r = (equity.diff() / equity.shift()).dropna()  # no cash flows: day P&L / start equity
    overall = {k: (float(v) if isinstance(v, Decimal) else v) for k, v in doc["overall"].items()}
    n = len(r)
    assert overall["cagr"] == pytest.approx((equity.iloc[-1] / equity.iloc[0]) ** (365 / n) - 1)
    assert overall["annual_volatility"] == pytest.approx(r.std(ddof=1) * 365**0.5)
    assert overall["value_at_risk"] == pytest.approx(r.quantile(0.05))
    assert overall["conditional_value_at_risk"] == pytest.approx(r[r <= r.quantile(0.05)].mean())
    assert overall["tail_ratio"] == pytest.approx(abs(r.quantile(0.95)) / abs(r.quantile(0.05)))
    assert overall["calmar_ratio"] == pytest.approx(
        overall["cagr"] / overall["max_drawdown"], rel=1e-9
    )
    assert 0 <= overall["probabilistic_sharpe_ratio"] <= 1
    # the run the last trades are on, overall and per strategy
    assert overall["current_streak"] == _run(df["pnl"].tolist())
    for name, group in df.groupby("strategy"):
        assert doc["by_strategy"][name]["current_streak"] == _run(group["pnl"].tolist())


def _run(pnls: list[Decimal]) -> int:
    """+n after n wins in a row at the end, -n after n losses, 0 after a breakeven."""
    run = 0
    for p in reversed(pnls):
        s = (p > 0) - (p < 0)
        if s == 0 or (run and (s > 0) != (run > 0)):
            break
        run += s
    return run


# -- rolling figures --------------------------------------------------------------------------
@pytest.mark.parametrize("extra", [(), ("--by", "side")], ids=["partials", "trades"])
def test_rolling_figures_equal_pandas_rolling(
    tradeperf: Tradeperf, stored, extra: tuple[str, ...]
) -> None:
    df, store = stored
    specs = [
        "sharpe_ratio:5d", "annual_volatility:1w", "max_drawdown:4d", "net_pnl:3d",
        "win_rate:20trades", "profit_factor:20trades", "expectancy:20trades", "net_pnl:20trades",
    ]  # fmt: skip
    doc = _summary(tradeperf, store, *extra, *(a for s in specs for a in ("--rolling", s)))
    rolling = doc["rolling"]
    rows = doc["series"]["daily"]
    r = pd.Series([float(x["return"]) for x in rows])

    def values(spec: str) -> list:
        money = spec.startswith(("net_pnl", "expectancy"))  # exact decimals; the rest floats
        return [
            None if v["value"] is None else (v["value"] if money else float(v["value"]))
            for v in rolling[spec]
        ]

    def approx(expected: pd.Series) -> list:
        return [None if pd.isna(x) else pytest.approx(x, rel=1e-9, abs=1e-12) for x in expected]

    sharpe = r.rolling(5).apply(lambda x: x.mean() / x.std(ddof=1) * 365**0.5)
    assert values("sharpe_ratio:5d") == approx(sharpe)
    assert values("annual_volatility:1w") == approx(r.rolling(7).std(ddof=1) * 365**0.5)

    def fall(x: pd.Series) -> float:
        wealth = pd.concat([pd.Series([1.0]), (1 + x).cumprod()])
        return float((1 - wealth / wealth.cummax()).max())

    assert values("max_drawdown:4d") == approx(r.rolling(4).apply(fall))
    day_pnl = [x["net_pnl"] for x in rows]
    assert values("net_pnl:3d") == [
        None if i < 2 else sum(day_pnl[i - 2 : i + 1], Decimal(0)) for i in range(len(rows))
    ]
    assert [v["at"] for v in rolling["sharpe_ratio:5d"]] == [x["day"] for x in rows]
    pnl = df["pnl"].tolist()
    f = pd.Series([float(p) for p in pnl])
    assert values("win_rate:20trades") == approx((f > 0).astype(float).rolling(20).mean())
    gains = f.clip(lower=0).rolling(20).sum()
    losses = (-f.clip(upper=0)).rolling(20).sum()
    assert values("profit_factor:20trades") == approx(gains / losses)
    assert values("net_pnl:20trades") == [
        None if i < 19 else sum(pnl[i - 19 : i + 1], Decimal(0)) for i in range(len(pnl))
    ]
    expectancy = values("expectancy:20trades")
    assert expectancy[19] == (sum(pnl[:20], Decimal(0)) / 20).quantize(Decimal("1e-18"))
    at = [v["at"] for v in rolling["win_rate:20trades"]]
    assert at == [t.isoformat() for t in df["exit_time"].dt.to_pydatetime()]


def test_any_registry_figure_rolls_window_by_window(tradeperf: Tradeperf, stored) -> None:
    """Figures without a vectorised roller: a figure of the daily returns, one of trades."""
    df, store = stored
    doc = _summary(tradeperf, store, "--rolling", "tail_ratio:6d", "--rolling", "sqn:25trades")
    rows = doc["series"]["daily"]
    r = pd.Series([float(x["return"]) for x in rows])

    def tail(x: pd.Series) -> float:  # empyrical's definition, numpy's linear percentiles
        hi, lo = x.quantile(0.95), x.quantile(0.05)
        return abs(hi) / abs(lo) if lo != 0 else float("inf")

    def got(spec: str) -> list:
        return [None if v["value"] is None else float(v["value"]) for v in doc["rolling"][spec]]

    expected = [None if pd.isna(x) else x for x in r.rolling(6).apply(tail)]
    assert got("tail_ratio:6d") == [
        None if x is None or x == float("inf") else pytest.approx(x, rel=1e-9) for x in expected
    ]
    f = pd.Series([float(p) for p in df["pnl"]])
    sqn = f.rolling(25).apply(lambda x: len(x) ** 0.5 * x.mean() / x.std(ddof=1))
    assert got("sqn:25trades") == [None if pd.isna(x) else pytest.approx(x, rel=1e-9) for x in sqn]


@pytest.mark.parametrize(
    "spec",
    [
        "sharpe_ratio:30h",
        "win_rate:30d",
        "colour:5d",
        "sharpe_ratio",
        "net_pnl:0trades",
        "average_win:10trades",
        "realized_pnl:5d",
    ],
)
def test_a_bad_rolling_figure_is_one_line_and_exit_code(tradeperf: Tradeperf, spec: str) -> None:
    ran = tradeperf("summary", "--rolling", spec)
    assert ran.code == 3, ran.err
    assert "--rolling" in ran.err or "duration" in ran.err
    assert "Traceback" not in ran.text


# -- sessions -----------------------------------------------------------------------------------
def _sessions_of(df: pd.DataFrame) -> pd.Series:
    local = _local(df, "exit_time")
    minute = local.dt.hour * 60 + local.dt.minute
    spans = {"asia": (0, 480), "europe": (420, 960), "late": (1320, 120)}

    def named(m: int) -> list[str]:
        inside = [n for n, (a, b) in spans.items() if (a <= m < b if a < b else m >= a or m < b)]
        return inside or ["(none)"]

    return minute.map(named)


def test_breakdown_by_session_equals_pandas(
    tradeperf: Tradeperf, stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    df, store = stored
    monkeypatch.setenv("TRADEPERF_SESSIONS", SESSIONS)
    doc = _summary(tradeperf, store, "--by", "session")
    named = df.assign(session=_sessions_of(df)).explode("session")
    expected = {(k,): _expect(g) for k, g in named.groupby("session")}
    assert {k: _got(f) for k, f in _groups(doc).items()} == expected
    assert doc["breakdown"]["overlapping"] is True


def test_a_session_filters_the_trades_to_its_local_hours(
    tradeperf: Tradeperf, stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    df, store = stored
    monkeypatch.setenv("TRADEPERF_SESSIONS", SESSIONS)
    doc = _summary(tradeperf, store, "--session", "late")
    inside = df[_sessions_of(df).map(lambda names: "late" in names)]
    assert _got(doc["overall"]) == _expect(inside)
    # the starting equity counts only the session's trades before the period, as a filter
    assert doc["overall"]["equity_start"] == CAPITAL


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--session", "nope"), "the sessions are asia, europe, late"),
        (("--by", "session,tag"), "group by one of them"),
    ],
)
def test_bad_session_requests_are_one_line(
    tradeperf: Tradeperf, stored, monkeypatch: pytest.MonkeyPatch, args, message
) -> None:
    _, store = stored
    monkeypatch.setenv("TRADEPERF_SESSIONS", SESSIONS)
    ran = tradeperf("summary", "--store", store, *args)
    assert ran.code == 3
    assert message in ran.err
    assert "Traceback" not in ran.text


def test_without_sessions_a_session_breakdown_says_how_to_set_them(
    tradeperf: Tradeperf, stored
) -> None:
    _, store = stored
    ran = tradeperf("summary", "--store", store, "--by", "session")
    assert ran.code == 3
    assert "no sessions are set" in ran.err


# -- kept breakdown partials follow every write ------------------------------------------------
@pytest.mark.parametrize("key", ["hour", "venue", "tag"])
def test_kept_breakdown_partials_follow_ingest_and_forget(
    tmp_path: Path, store_url: str, key: str
) -> None:
    from tradeperf.analytics.summary import SummaryRequest, summarize, summarize_trades
    from tradeperf.pipeline import ingest_paths
    from tradeperf.store import open_store

    trades = _trades(300, seed=11)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join(json.dumps(t) for t in trades[:200]) + "\n")
    # the second file's trades fall on the same days as the first's
    second.write_text("\n".join(json.dumps(t) for t in trades[200:]) + "\n")
    request = SummaryRequest(timezone=TZ, capital=CAPITAL, by=(key,))

    def check(store) -> None:
        kept = summarize(store, request)  # from the kept partials of the key
        direct = summarize_trades(store, request)
        assert kept.breakdown is not None
        assert direct.breakdown is not None
        assert [g.key for g in kept.breakdown.groups] == [g.key for g in direct.breakdown.groups]
        for a, b in zip(kept.breakdown.groups, direct.breakdown.groups, strict=True):
            _close(a.figures, b.figures)

    with open_store(store_url) as store:
        ingest_paths(store, [first])
        check(store)  # builds them
        assert store.breakdown_partials(TZ, key).num_rows > 0
        ingest_paths(store, [second])
        check(store)  # refreshed for the days the second file touched
        store.forget([str(second.resolve())])
        check(store)


# -- the dict a bot reads -----------------------------------------------------------------------
def test_generate_report_gives_the_dict_a_bot_reads(stored) -> None:
    import tradeperf

    df, store = stored
    report = tradeperf.generate_report(store, timezone=TZ, capital=int(CAPITAL))
    assert report["summary"]["total_pnl"] == sum(df["pnl"], Decimal(0))
    assert report["summary"]["total_trades"] == len(df)
    assert report["summary"]["win_rate"] == pytest.approx(float((df["pnl"] > 0).mean()))
    for symbol, frame in df.groupby("symbol"):
        assert report["by_asset"][symbol]["total_pnl"] == sum(frame["pnl"], Decimal(0))
    day = _local(df, "exit_time").dt.date
    days = pd.date_range(day.min(), day.max(), freq="D").date
    pnl = df.groupby(day)["pnl"].apply(lambda s: sum(s, Decimal(0))).reindex(days)
    pnl = pnl.map(lambda x: Decimal(0) if pd.isna(x) else x)
    assert report["daily_pnl"] == {d.isoformat(): p for d, p in pnl.items()}
    running = pd.Series(pnl.tolist()).cumsum()
    cumulative = dict(zip([d.isoformat() for d in days], running, strict=True))
    assert report["cumulative_pnl"] == cumulative
    assert report["currency"] == "USD"
    assert report["partial"] is False
    # a window as the CLI takes it: the last 20 trades
    last = tradeperf.generate_report(store, timezone=TZ, capital=int(CAPITAL), last=20)
    assert last["summary"]["total_pnl"] == sum(df["pnl"].tail(20), Decimal(0))


def test_a_label_that_looks_like_a_roll_up_is_a_group_like_any_other(
    tradeperf: Tradeperf, tmp_path: Path, store_url: str
) -> None:
    trades = _trades(40, seed=5)
    for t in trades[:7]:
        t["tags"] = ["*"]
    (tmp_path / "t.jsonl").write_text("\n".join(json.dumps(t) for t in trades) + "\n")
    assert tradeperf("ingest", str(tmp_path / "t.jsonl"), "--store", store_url).code == 0
    for extra in ((), ("--since", "60d", "--at", "2024-04-30T00:00Z")):  # kept, then engine
        doc = _summary(tradeperf, store_url, "--by", "tag", *extra)
        assert _groups(doc)[("*",)]["trades"] == 7
