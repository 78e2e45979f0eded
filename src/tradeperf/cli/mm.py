"""``tradeperf mm``: market-making figures (markouts) and the market-making demo day."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

mm_app = typer.Typer(
    help="Market making: markouts, spread capture, adverse selection (docs/markouts.md).",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)


@mm_app.command("report")
def report(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for markouts.json, .md and .html.")
    ],
    quotes: Annotated[
        list[Path] | None,
        typer.Option(
            "--quotes",
            help="Quote files: Parquet, CSV, JSONL or LEAN *_quote.zip.",
            show_default=False,
        ),
    ] = None,
    fills: Annotated[
        list[Path] | None,
        typer.Option("--fills", help="The desk's fill files.", show_default=False),
    ] = None,
    public_trades: Annotated[
        list[Path] | None,
        typer.Option(
            "--public-trades",
            help="Public-trade files: Parquet, CSV, JSONL or LEAN *_trade.zip.",
            show_default=False,
        ),
    ] = None,
    public_trades_as: Annotated[
        str | None,
        typer.Option(
            "--public-trades-as",
            help="'maker': read the public trades as the fills of their passive side.",
        ),
    ] = None,
    horizons: Annotated[
        str | None,
        typer.Option(
            "--horizons",
            help="Comma-separated horizons, e.g. 100ms,1s,5s,10s (0s always added; default "
            "100ms,1s,5s,10s,1min,5min).",
        ),
    ] = None,
    fee_bps: Annotated[
        float | None,
        typer.Option("--fee-bps", help="Fee in bps of notional for fills that record none."),
    ] = None,
    reference: Annotated[
        str, typer.Option("--reference", help="mid, weighted_mid or micro_price.")
    ] = "mid",
    symbol: Annotated[
        str | None,
        typer.Option("--symbol", help="Symbol of files that have no symbol column."),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Read the fills (or public trades) and quotes kept in this store instead.",
            show_default=False,
        ),
    ] = None,
    daily: Annotated[
        bool, typer.Option("--daily", help="Also one window per local day of --tz.")
    ] = False,
    tz: Annotated[str, typer.Option("--tz", help="IANA timezone of the --daily windows.")] = "UTC",
) -> None:
    """Compute markouts of fills against quotes; write markouts.json, .md and .html.

    Spread capture, markouts and adverse selection in bps at each horizon, gross and net of
    fees, for every group of symbol x side x liquidity x strategy (docs/markouts.md).
    """
    from tradeperf.mm.job import MarkoutRequest, compute_markouts, write_markouts

    request = MarkoutRequest(
        quotes=quotes or (),
        fills=fills or (),
        public_trades=public_trades or (),
        public_trades_as=public_trades_as,
        horizons=horizons,
        fee_bps=fee_bps,
        reference=reference,
        symbol=symbol,
        store=store,
        daily_tz=tz if daily else None,
    )
    doc = compute_markouts(request)
    paths = write_markouts(doc, out_dir)
    for name, part in doc["inputs"].items():
        if part["rejected"]:
            first = part["examples"][0] if part["examples"] else {}
            err.print(
                f"[yellow]partial:[/] {part['rejected']:,} {name} rows rejected, e.g. "
                f"{first.get('source')} line {first.get('line')} field {first.get('field')}: "
                f"{first.get('reason')}",
                highlight=False,
                soft_wrap=True,
            )
    for note in doc["notes"]:
        err.print(f"note: {note}", highlight=False, soft_wrap=True)
    overall = [
        r
        for r in doc["markouts"]
        if r["symbol"] == r["side"] == r["liquidity"] == r["strategy"] == "*"
        and not r["net_of_fee"]
    ]
    if overall:
        capture = overall[0]  # 0s
        valued = [r for r in overall[1:] if r["count"]] or overall[-1:]
        last = valued[-1]

        def bps(value: float | None) -> str:
            return "n/a (no fill has a value)" if value is None else f"{value:+.3f} bps"

        out.print(
            f"{capture['count']:,} fills with a book ({capture['missing']:,} without): spread "
            f"capture {bps(capture['mean_bps'])}; markout at {last['horizon']} "
            f"{bps(last['mean_bps'])} over {last['count']:,} fills",
            highlight=False,
        )
    out.print(f"wrote {', '.join(str(p) for p in paths)}", highlight=False)


@mm_app.command("demo")
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the day's files and the markouts report.")
    ] = Path("tradeperf-mm-demo"),
    seed: Annotated[int, typer.Option("--seed", help="Seed of the day (same seed, same day).")] = 7,
    hours: Annotated[
        float, typer.Option("--hours", help="Hours of the day to simulate (from 00:00 UTC).")
    ] = 24.0,
    file_format: Annotated[
        str, typer.Option("--format", help="parquet or jsonl (JSON lines take longer).")
    ] = "parquet",
    horizons: Annotated[
        str | None, typer.Option("--horizons", help="Markout horizons of the report.")
    ] = None,
) -> None:
    """Write a seeded, realistic market-making day and its markouts report.

    Quotes, public trades, the desk's orders, fills (maker rebates, taker fees) and perpetual
    funding for three correlated instruments with a stress hour (`tradeperf.mm.generator`);
    then `tradeperf mm report` on its fills and quotes, into OUT/report.
    """
    from tradeperf.errors import ConfigError
    from tradeperf.mm.generator import MMDayConfig, generate_mm_day, write_mm_day
    from tradeperf.mm.job import MarkoutRequest, compute_markouts, write_markouts

    if file_format not in ("parquet", "jsonl"):
        raise ConfigError(f"--format {file_format!r}: use parquet or jsonl")
    try:
        config = MMDayConfig(seed=seed, hours=hours)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    day = generate_mm_day(config)
    files = write_mm_day(day, out_dir, format=file_format)  # type: ignore[arg-type]
    for kind, path in files.items():
        out.print(f"{kind}: {path}", highlight=False)
    doc = compute_markouts(
        MarkoutRequest(quotes=[files["quotes"]], fills=[files["fills"]], horizons=horizons)
    )
    paths = write_markouts(doc, out_dir / "report")
    out.print(f"wrote {', '.join(str(p) for p in paths)}", highlight=False)


StoreArg = Annotated[
    str | None,
    typer.Option("--store", help="Store URL (env TRADEPERF_STORE).", show_default=False),
]
ReferenceOpt = Annotated[str, typer.Option("--reference", help="mid, weighted_mid or micro_price.")]


def _store_url(store: str | None) -> str:
    from tradeperf.config import load_config

    return load_config({"store": store}).store


@mm_app.command("partials")
def partials(
    store: StoreArg = None,
    horizons: Annotated[
        str | None, typer.Option("--horizons", help="Horizons of the partials (default 6).")
    ] = None,
    reference: ReferenceOpt = "mid",
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Build every hour again, not only the new ones.")
    ] = False,
) -> None:
    """Bring the store's hourly markout partials up to date (from the last final hour on).

    Rolling windows (`tradeperf mm rolling`) add them up; raw quotes older than the hours
    built can then be pruned (`tradeperf store prune --kinds quotes`).
    """
    from tradeperf.mm.store_job import build_partials

    done = build_partials(
        _store_url(store), horizons=horizons, reference=reference, rebuild=rebuild
    )
    since = done["since"] or "the start"
    out.print(
        f"markout partials from {since}: {done['fills']:,} fills, {done['rows']:,} rows; "
        f"final up to {done['built_through']}",
        highlight=False,
    )


@mm_app.command("rolling")
def rolling(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for markouts-rolling.json.")],
    store: StoreArg = None,
    windows: Annotated[
        str, typer.Option("--windows", help="Trailing windows, e.g. 24h,7d,30d,90d.")
    ] = "24h,7d,30d,90d",
    at: Annotated[
        str | None,
        typer.Option("--at", help="End of the windows, ISO 8601 with offset (default now)."),
    ] = None,
    reference: ReferenceOpt = "mid",
) -> None:
    """Markouts over trailing windows, added up from the hourly partials (no quotes read)."""
    import datetime as dt
    import json

    from tradeperf.errors import ConfigError
    from tradeperf.mm.report import markouts_markdown
    from tradeperf.mm.store_job import rolling_document
    from tradeperf.reports.schema import validate

    end = None
    if at is not None:
        try:
            end = dt.datetime.fromisoformat(at)
        except ValueError:
            raise ConfigError(f"--at {at!r}: not an ISO 8601 time") from None
        if end.tzinfo is None:
            raise ConfigError(f"--at {at!r}: give an offset (Z or +HH:MM)")
    doc = rolling_document(_store_url(store), windows=windows, at=end, reference=reference)
    validate(doc, "markouts")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "markouts-rolling.json"
    path.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    (out_dir / "markouts-rolling.md").write_text(markouts_markdown(doc), encoding="utf-8")
    out.print(f"{len(doc['markouts']):,} rows; wrote {path}", highlight=False)
