"""Fills, quotes and public trades as DuckDB relations for the markout join.

A Parquet file whose columns (after the kind's aliases, `tradeperf.ingest.aliases`) have the
canonical types is read in place: DuckDB scans it, the rows that break the kind's rules are
left out and counted (the first `EXAMPLES` named by row and field), and nothing is copied. Any
other file (CSV, JSONL, a Parquet file of text columns) goes through the readers
(`tradeperf.ingest.read.read_source`), with their validation and quarantine. LEAN tick zips
are read by `tradeperf.mm.lean`. A store's tables are read where they are.

Every relation has the canonical columns: fills those of `FILL_SCHEMA`; quotes ``symbol,
timestamp, seq, bid, ask, bid_size, ask_size`` with ``seq`` the input order (file index·2^40 +
line); public trades those of `PUBLIC_TRADE_SCHEMA` plus ``seq``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from tradeperf.errors import InputError
from tradeperf.ingest.rows import canonical_name
from tradeperf.records import RecordKind

#: Rejected rows named one by one in the output (the rest are counted).
EXAMPLES: Final = 20
_FILE_SHIFT: Final = 1 << 40


@dataclass(slots=True)
class Rejects:
    """Rows left out of a relation: how many, and the first few named by file, row, field."""

    count: int = 0
    examples: list[dict[str, object]] = field(default_factory=list)

    def add(self, source: str, line: int | None, field_: str | None, reason: str) -> None:
        """Count one rejected row; keep it as an example while there are fewer than `EXAMPLES`."""
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(
                {"source": source, "line": line, "field": field_, "reason": reason}
            )


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation registered in the connection, and what was left out of it."""

    name: str
    rows: int
    rejects: Rejects
    quotes: QuoteScan | None = None


@dataclass(frozen=True, slots=True)
class QuoteScan:
    """What the scan of quotes read in place found: each symbol's last time (µs), one-sidedness.

    `tradeperf.mm.markouts.duckdb_markouts` takes it instead of scanning the quotes again.
    """

    ends: dict[str, int]
    one_sided: bool


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _canonical(kind: RecordKind, schema: pa.Schema) -> dict[str, str]:
    """Canonical column -> the file's column, by the kind's aliases."""
    found: dict[str, str] = {}
    for name in schema.names:
        found.setdefault(canonical_name(kind, name), name)
    return found


def _numeric(t: pa.DataType) -> bool:
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t))


#: Per kind: the rules a row must meet in place, as (field, SQL condition, reason).
_RULES: Final = {
    RecordKind.FILLS: (
        ("timestamp", "timestamp IS NOT NULL", "missing timestamp"),
        ("symbol", "symbol IS NOT NULL AND symbol <> ''", "missing symbol"),
        ("side", "upper(side) IN ('BUY', 'SELL')", "side must be BUY or SELL"),
        ("quantity", "quantity > 0 AND isfinite(quantity::DOUBLE)", "quantity must be > 0"),
        ("price", "price > 0 AND isfinite(price::DOUBLE)", "price must be > 0"),
        ("fee", "fee IS NOT NULL AND isfinite(fee::DOUBLE)", "fee must be a number"),
    ),
    RecordKind.QUOTES: (
        ("timestamp", "timestamp IS NOT NULL", "missing timestamp"),
        ("symbol", "symbol IS NOT NULL AND symbol <> ''", "missing symbol"),
        ("bid", "coalesce(bid, 0) >= 0 AND isfinite(coalesce(bid, 0))", "bid must be > 0"),
        ("ask", "coalesce(ask, 0) >= 0 AND isfinite(coalesce(ask, 0))", "ask must be > 0"),
        ("bid", "coalesce(bid, 0) > 0 OR coalesce(ask, 0) > 0", "a quote needs a bid or an ask"),
        ("bid_size", "coalesce(bid_size, 0) >= 0", "bid_size must be >= 0"),
        ("ask_size", "coalesce(ask_size, 0) >= 0", "ask_size must be >= 0"),
    ),
    RecordKind.PUBLIC_TRADES: (
        ("timestamp", "timestamp IS NOT NULL", "missing timestamp"),
        ("symbol", "symbol IS NOT NULL AND symbol <> ''", "missing symbol"),
        ("price", "price > 0 AND isfinite(price)", "price must be > 0"),
        ("quantity", "quantity > 0 AND isfinite(quantity)", "quantity must be > 0"),
    ),
}


def _in_place_select(kind: RecordKind, path: Path, index: int, symbol: str | None) -> str | None:
    """Build the canonical SELECT of a Parquet file read in place (None: its types do not fit)."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid):
        return None
    cols = _canonical(kind, schema)
    types = {canonical_name(kind, f.name): f.type for f in schema}

    def take(name: str, default: str = "NULL") -> str:
        return f'"{cols[name]}"' if name in cols else default

    if "timestamp" not in cols or not pa.types.is_timestamp(types["timestamp"]):
        return None
    sym = take("symbol", "NULL" if symbol is None else "'" + symbol.replace("'", "''") + "'")
    if "symbol" in cols and not pa.types.is_string(types["symbol"]):
        return None
    seq = f"({index}::UBIGINT * {_FILE_SHIFT} + file_row_number::UBIGINT)"
    origin = "'" + str(path).replace("'", "''") + "' AS source"
    # a row without an id of its own: file and row, unique across the files of a report
    row_id = f"('row-{index}-' || (file_row_number + 1)::VARCHAR)"
    ts = f"{take('timestamp')}::TIMESTAMPTZ"
    src = f"read_parquet({_quote(path)}, file_row_number = true)"
    if kind is RecordKind.QUOTES:
        if not all(_numeric(types[c]) for c in ("bid", "ask") if c in cols):
            return None
        if "bid" not in cols or "ask" not in cols:
            return None
        return (
            f"SELECT {ts} AS timestamp, {sym} AS symbol, {seq} AS seq, "
            f"nullif({take('bid')}::DOUBLE, 0) AS bid, nullif({take('ask')}::DOUBLE, 0) AS ask, "
            f"{take('bid_size')}::DOUBLE AS bid_size, {take('ask_size')}::DOUBLE AS ask_size, "
            f"{origin}, file_row_number + 1 AS source_line FROM {src}"
        )
    if kind is RecordKind.FILLS:
        needed = ("side", "quantity", "price")
        if not all(c in cols for c in needed) or not all(
            _numeric(types[c]) for c in ("quantity", "price", "fee", "multiplier") if c in cols
        ):
            return None
        return (
            f"SELECT {take('fill_id', row_id)}::VARCHAR AS fill_id, "
            f"{ts} AS timestamp, {sym} AS symbol, upper({take('side')}) AS side, "
            f"{take('quantity')}::DOUBLE AS quantity, {take('price')}::DOUBLE AS price, "
            f"coalesce({take('fee')}::DOUBLE, 0) AS fee, {take('fee_currency')} AS fee_currency, "
            f"{take('currency')} AS currency, {take('liquidity')} AS liquidity, "
            f"coalesce({take('strategy')}, 'default') AS strategy, "
            f"coalesce({take('multiplier')}::DOUBLE, 1) AS multiplier, {seq} AS seq, "
            f"{origin}, file_row_number + 1 AS source_line FROM {src}"
        )
    if not all(c in cols for c in ("price", "quantity")):
        return None
    if "aggressor" in cols:
        aggressor = f"upper({take('aggressor')})"
    elif "buyer_maker" in cols:
        maker = f"lower({take('buyer_maker')}::VARCHAR)"
        aggressor = (
            f"CASE WHEN {maker} IN ('true', '1', 't') THEN 'SELL' "
            f"WHEN {maker} IN ('false', '0', 'f') THEN 'BUY' END"
        )
    else:
        aggressor = "NULL"
    return (
        f"SELECT coalesce({take('trade_id')}::VARCHAR, {row_id}) AS trade_id, "
        f"{ts} AS timestamp, {sym} AS symbol, {take('price')}::DOUBLE AS price, "
        f"{take('quantity')}::DOUBLE AS quantity, {aggressor} AS aggressor, {seq} AS seq, "
        f"{origin}, file_row_number + 1 AS source_line FROM {src}"
    )


@dataclass(slots=True)
class _Scan:
    """What one scan of a file read in place found besides its bad rows."""

    kept: int = 0
    distinct_keys: int | None = None  # keys of fills or prints (None: not counted)
    ends: dict[str, int] = field(default_factory=dict)  # quotes: symbol -> last µs
    one_sided: bool = False  # quotes: some row carries one side only


def _check_in_place(
    con: duckdb.DuckDBPyConnection, kind: RecordKind, select: str, source: str, rejects: Rejects
) -> tuple[str, _Scan]:
    """Count (and name the first of) the rows breaking the kind's rules.

    Returns the SELECT of the rows kept and what the scan found (one scan when every row is
    good): for quotes each symbol's last time and whether a row is one-sided, for fills and
    prints the number of distinct keys.
    """
    rules = list(_RULES[kind])
    ok = " AND ".join(f"coalesce(({c}), false)" for c in dict.fromkeys(c for _, c, _ in rules))
    extra = ""
    if kind is RecordKind.QUOTES:
        extra = (
            f", max(epoch_us(timestamp)) FILTER (WHERE {ok}), "
            f"bool_or(bid IS NULL OR ask IS NULL) FILTER (WHERE {ok})"
        )
    elif kind in _IDENTITY:
        extra = f", count(DISTINCT ({', '.join(_IDENTITY[kind])}))"
    group = " GROUP BY symbol" if kind is RecordKind.QUOTES else ""
    found = con.execute(
        f"SELECT {'symbol, ' if group else ''}count(*), count(*) FILTER (WHERE NOT ({ok})){extra} "
        f"FROM ({select}) q{group}"
    ).fetchall()
    scan = _Scan()
    total = bad = 0
    for row in found:
        values = list(row[1:]) if group else list(row)
        total += int(values[0])
        bad += int(values[1])
        if kind is RecordKind.QUOTES:
            if values[2] is not None and row[0] is not None:
                scan.ends[str(row[0])] = int(values[2])
            scan.one_sided |= bool(values[3])
        elif kind in _IDENTITY:
            scan.distinct_keys = int(values[2])
    if bad:
        examples = con.execute(
            f"SELECT source_line, {', '.join(f'coalesce(({c}), false)' for _, c, _ in rules)} "
            f"FROM ({select}) q WHERE NOT ({ok}) ORDER BY source_line LIMIT {EXAMPLES}"
        ).fetchall()
        for row in examples:
            failed = next(i for i, v in enumerate(row[1:]) if not v)
            field_, _, reason = rules[failed]
            rejects.add(source, int(row[0]), field_, reason)
        rejects.count += bad - len(examples)
    scan.kept = total - bad
    if scan.distinct_keys is not None and scan.distinct_keys < total:
        scan.distinct_keys = None  # some key repeats: `_one_per_key` sorts it out
    return f"SELECT * FROM ({select}) q WHERE {ok}", scan


def register(
    con: duckdb.DuckDBPyConnection,
    name: str,
    kind: RecordKind,
    paths: Sequence[Path],
    *,
    symbol: str | None = None,
) -> Relation:
    """Register the files of ``kind`` as view ``name`` with the canonical columns.

    Raises
    ------
    InputError
        If a file does not exist or holds no records of ``kind``.
    """
    rejects = Rejects()
    parts: list[str] = []
    rows = 0
    scans: list[_Scan | None] = []
    for index, path in enumerate(paths):
        if not path.exists():
            raise InputError(f"{path}: no such file")
        select = _in_place_select(kind, path, index, symbol) if path.suffix == ".parquet" else None
        if select is not None:
            kept, scan = _check_in_place(con, kind, select, str(path), rejects)
            parts.append(kept)
            scans.append(scan)
            rows += scan.kept
            continue
        table = _read_other(kind, path, symbol, rejects)
        rows += table.num_rows
        staged = f"_mm_{name}_{index}"
        con.register(staged, table)
        seq = f"({index}::UBIGINT * {_FILE_SHIFT} + coalesce(source_line, 0)::UBIGINT)"
        parts.append(f"SELECT *, {seq} AS seq FROM {staged}")
        scans.append(None)
    union = " UNION ALL BY NAME ".join(parts)
    in_place = [scan for scan in scans if scan is not None]
    unique = len(scans) == 1 and bool(in_place) and in_place[0].distinct_keys is not None
    if kind in _IDENTITY and not unique:
        con.execute(f"CREATE OR REPLACE TEMP VIEW _mm_{name}_all AS {union}")
        rows -= _one_per_key(con, name, kind, rejects)
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {union}")
    book = None
    if kind is RecordKind.QUOTES and len(in_place) == len(scans):
        ends: dict[str, int] = {}
        for part in in_place:
            for sym, us in part.ends.items():
                ends[sym] = max(us, ends.get(sym, us))
        book = QuoteScan(ends, any(part.one_sided for part in in_place))
    return Relation(name, rows, rejects, book)


#: The natural key of the kinds whose records can arrive twice (a fill, a print).
_IDENTITY: Final = {
    RecordKind.FILLS: ("fill_id",),
    RecordKind.PUBLIC_TRADES: ("symbol", "trade_id"),
}


def _one_per_key(
    con: duckdb.DuckDBPyConnection, name: str, kind: RecordKind, rejects: Rejects
) -> int:
    """Create view ``name``: one row per natural key; return how many rows went.

    The same record twice (every column but where it was read) counts once, the first in
    input order; a key with other content is a conflict: every version is left out and
    named, never one chosen silently (as the store does, `tradeperf.store.identity`).
    """
    source = f"_mm_{name}_all"
    keys = ", ".join(_IDENTITY[kind])
    repeated = con.execute(
        f"SELECT count(*) FROM (SELECT {keys} FROM {source} GROUP BY {keys} HAVING count(*) > 1)"
    ).fetchone()
    if not repeated or not repeated[0]:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {source}")
        return 0
    columns = [r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()]
    content = [c for c in columns if c not in ("source", "source_line", "seq")]
    fields = ", ".join(f'"{c}" := "{c}"' for c in content)
    digest = f"md5(CAST(to_json(struct_pack({fields})) AS VARCHAR))"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _mm_{name}_dups AS SELECT {keys}, "
        f"count(DISTINCT {digest}) AS versions, min(seq) AS first FROM {source} "
        f"GROUP BY {keys} HAVING count(*) > 1"
    )
    match = " AND ".join(f"d.{k} = r.{k}" for k in _IDENTITY[kind])
    for src, line, *key in con.execute(
        f"SELECT r.source, r.source_line, {', '.join(f'r.{k}' for k in _IDENTITY[kind])} "
        f"FROM {source} r JOIN _mm_{name}_dups d ON {match} WHERE d.versions > 1 "
        "ORDER BY r.seq"
    ).fetchall():
        rejects.add(
            str(src),
            None if line is None else int(line),
            _IDENTITY[kind][-1],
            f"conflicting records: {'/'.join(map(str, key))} appears with other content",
        )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT r.* FROM {source} r "
        f"LEFT JOIN _mm_{name}_dups d ON {match} "
        "WHERE d.versions IS NULL OR (d.versions = 1 AND r.seq = d.first)"
    )
    before = con.execute(f"SELECT count(*) FROM {source}").fetchone()
    after = con.execute(f"SELECT count(*) FROM {name}").fetchone()
    return int(before[0]) - int(after[0]) if before and after else 0


def _read_other(kind: RecordKind, path: Path, symbol: str | None, rejects: Rejects) -> pa.Table:
    """Read a file through the readers (or the LEAN reader) into the kind's schema."""
    from tradeperf.ingest.read import read_source
    from tradeperf.mm import lean

    if lean.is_lean_ticks(path):
        result = lean.read_lean_ticks(path, symbol=symbol)
        if result.kind != kind.value:
            raise InputError(f"{path}: holds LEAN {result.kind}, not {kind.value}")
        table, rejected = result.table, result.rejected
    else:
        read = read_source(path)
        if read.unreadable or (read.kind is not kind and read.table.num_rows):
            why = read.rejected[0].reason if read.rejected else f"holds {read.kind}"
            raise InputError(f"{path}: cannot be read as {kind.value}: {why}")
        table, rejected = read.table, read.rejected
    for r in rejected:
        rejects.add(r.source, r.line, r.field, r.reason)
    return table


def store_relations(con: duckdb.DuckDBPyConnection) -> None:
    """Create views ``mm_quotes``/``mm_public_trades`` (with ``seq``) over a store's tables.

    The input order of stored rows is (source, source_line): ``seq`` numbers the sources in
    name order (a small table) times 2^40, plus the line.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _mm_sources AS SELECT source, "
        "(row_number() OVER (ORDER BY source))::UBIGINT AS n FROM "
        "(SELECT DISTINCT source FROM quotes UNION SELECT DISTINCT source FROM public_trades) s"
    )
    for table in ("quotes", "public_trades"):
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW mm_{table} AS SELECT t.*, "
            f"(coalesce(s.n, 0) * {_FILE_SHIFT} + coalesce(t.source_line, 0)::UBIGINT) AS seq "
            f"FROM {table} t LEFT JOIN _mm_sources s ON t.source IS NOT DISTINCT FROM s.source"
        )
