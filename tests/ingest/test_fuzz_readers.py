"""Hypothesis corpora for the readers (issue 13): thousands of lines, good and hostile mixed.

Hypothesis draws the plan of a corpus (how many good records, which kinds of damage, the
file's encoding, line endings and layout); a seeded `random.Random` then writes the corpus (each
kind of damage one to six times, at random places), so one example is thousands of lines
without thousands of draws. The oracle is the plan itself: every
good record has a unique id and an exact random P&L, and every hostile line is built to be
invalid as a trade on its own (it cannot parse, or holds a value no trade may hold) and never
to join with its neighbours, except where the spec joins them (a quoted CSV cell spanning
lines). The properties, for JSONL, JSON documents, CSV and Parquet:

- no exception escapes `read_source`;
- every good row is kept, with its exact Decimal P&L;
- every hostile line is rejected exactly once, at its 1-based line (record) number;
- the fast path gives the same table and the same rejects as the row path;
- the good rows do not depend on the order of the lines.

Shrinking is off: a corpus is large and the failure message names the hostile lines that went
wrong (line, kind, reason), which says more than a shrunk seed would.
"""

from __future__ import annotations

import csv
import io
import json
import random
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from tradeperf.ingest import read_source
from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.options import ReadOptions
from tradeperf.records import TRADE_SCHEMA


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
BASE_TIME = datetime(2023, 1, 1, tzinfo=UTC)
#: Bytes a line break is made of in any convention a reader might split on.
LINE_BREAKS = frozenset(b"\n\r\x0b\x0c\x1c\x1d\x1e")
#: Byte sequences that are never valid UTF-8, whatever complete characters surround them.
BAD_UTF8 = (b"\xff", b"\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\xe2\x82", b"\xf8\x88")
SYMBOLS = ("BTCUSDT", "ETH-USD", "EUR/USD", "DAX40€", "日経225", "SOL,USD", 'A"B', "x y")
PLAIN_SYMBOLS = ("BTCUSDT", "ETH-USD", "EUR/USD", "DAX40€", "日経225")
EXIT_REASONS = ("tp", "sl", "stop loss", "trailing, stop", 'said "hi"', "multi\nline", "")
PLAIN_EXIT_REASONS = ("tp", "sl", "stop loss", "")
SIDES = ("long", "short", "buy", "sell", "LONG")
STATUSES = ("CLOSED", "closed", "Closed")


# --- good records: unique ids, exact random P&L --------------------------------------------------


@dataclass(frozen=True)
class Trade:
    trade_id: str
    symbol: str
    side: str
    entry: datetime
    exit: datetime
    entry_price: Decimal
    exit_price: Decimal
    quantity: Decimal
    pnl: Decimal
    fees: Decimal
    status: str
    exit_reason: str


def _amount(rng: random.Random, low: int, high: int, places: int) -> Decimal:
    """An exact decimal with at most 11 significant digits (a float holds it exactly)."""
    return Decimal(rng.randint(low, high)).scaleb(-rng.randint(0, places))


def random_trade(rng: random.Random, trade_id: str, *, plain: bool = False) -> Trade:
    """A valid closed trade; ``plain`` keeps its CSV cells free of quotes and line breaks."""
    entry = BASE_TIME + timedelta(seconds=rng.randint(0, 30_000_000))
    return Trade(
        trade_id=trade_id,
        symbol=rng.choice(PLAIN_SYMBOLS if plain else SYMBOLS),
        side=rng.choice(SIDES),
        entry=entry,
        exit=entry + timedelta(seconds=rng.randint(0, 1_000_000)),
        entry_price=_amount(rng, 1, 10**8, 4),
        exit_price=_amount(rng, 1, 10**8, 4),
        quantity=_amount(rng, 1, 10**6, 6),
        pnl=_amount(rng, -(10**10), 10**10, 8),
        fees=_amount(rng, -100, 10**5, 4),
        status=rng.choice(STATUSES),
        exit_reason=rng.choice(PLAIN_EXIT_REASONS if plain else EXIT_REASONS),
    )


def fixed(d: Decimal) -> str:
    return format(d, "f")


def european(rng: random.Random, d: Decimal) -> str:
    """``d`` as a European writes it: ``-1.234,56`` (thousands grouped or not)."""
    whole, _, fraction = fixed(abs(d)).partition(".")
    if rng.random() < 0.7:
        groups = []
        while len(whole) > 3:
            whole, groups = whole[:-3], [whole[-3:], *groups]
        whole = ".".join([whole, *groups])
    return ("-" if d < 0 else "") + whole + ("," + fraction if fraction else "")


def iso_time(rng: random.Random, t: datetime, *, epoch: bool) -> str:
    choice = rng.randrange(3 if epoch else 2)
    if choice == 0:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if choice == 1:
        return t.strftime("%Y-%m-%d %H:%M:%S")
    return str(int(t.timestamp()))


# --- the oracle and the checks -------------------------------------------------------------------


@dataclass
class Corpus:
    """One file's bytes and what the readers owe for it."""

    name: str
    data: bytes
    good: dict[str, Decimal]
    hostile: dict[int, str]  # 1-based line or record number -> kind of damage
    options: ReadOptions = field(default_factory=ReadOptions)
    #: For a truncated JSON document: rejects from here on (or for the whole file) report the
    #: damage; before it, exactly the hostile elements are rejected.
    damaged_from: int | None = None


def _reject_keys(result: ReadResult) -> list[tuple[bool, int, str, str]]:
    return sorted((r.line is None, r.line or 0, r.field or "", r.reason) for r in result.rejected)


def _explain(corpus: Corpus, result: ReadResult, path_name: str) -> str:
    kept = _kept(result)
    missing = sorted(set(corpus.good) - set(kept))[:10]
    extra = sorted(set(kept) - set(corpus.good))[:10]
    wrong = [(k, kept[k], v) for k, v in corpus.good.items() if k in kept and kept[k] != v][:10]
    got: dict[int | None, list[str]] = {}
    for r in result.rejected:
        got.setdefault(r.line, []).append(r.reason[:120])
    not_rejected = [
        (line, kind) for line, kind in sorted(corpus.hostile.items()) if line not in got
    ][:15]
    unexpected = [
        (line, reasons)
        for line, reasons in got.items()
        if line not in corpus.hostile
        and not (corpus.damaged_from and (line is None or line >= corpus.damaged_from))
    ][:15]
    twice = [(line, got[line]) for line in corpus.hostile if len(got.get(line, [])) > 1][:10]
    return (
        f"{path_name} path, {corpus.name}: unreadable={result.unreadable}, "
        f"{len(kept)} kept of {len(corpus.good)} good, {len(result.rejected)} rejects for "
        f"{len(corpus.hostile)} hostile lines\n"
        f"  good rows lost: {missing}\n  rows kept that are not good: {extra}\n"
        f"  P&L changed: {wrong}\n  hostile lines not rejected (line, kind): {not_rejected}\n"
        f"  rejects of no hostile line (line, reasons): {unexpected}\n"
        f"  hostile lines rejected more than once: {twice}"
    )


def _kept(result: ReadResult) -> dict[str, Decimal]:
    ids = result.table.column("trade_id").to_pylist()
    pnls = result.table.column("net_pnl").to_pylist()
    return dict(zip(ids, pnls, strict=True))


def _owes(corpus: Corpus, result: ReadResult, path_name: str) -> None:
    message = _explain(corpus, result, path_name)
    assert not result.unreadable, message
    assert result.table.schema == TRADE_SCHEMA, message
    assert result.table.num_rows == len(corpus.good), message
    assert _kept(result) == corpus.good, message
    lines = sorted(r.line for r in result.rejected if r.line is not None)
    if corpus.damaged_from is None:
        assert all(r.line is not None for r in result.rejected), message
        assert lines == sorted(corpus.hostile), message
    else:
        before = [line for line in lines if line < corpus.damaged_from]
        assert before == sorted(h for h in corpus.hostile if h < corpus.damaged_from), message
        assert len(result.rejected) > len(before), message


def _read(path: Path, corpus: Corpus, *, fast: bool | None) -> ReadResult:
    return read_source(path, options=corpus.options, fast=fast)


def check(corpus: Corpus, reordered: Corpus | None = None) -> None:
    """Read ``corpus`` on both paths (and ``reordered`` once) and hold them to the oracle."""
    note(f"{corpus.name}: {len(corpus.good)} good, hostile {sorted(corpus.hostile.items())[:40]}")
    with tempfile.TemporaryDirectory(prefix="tradeperf-fuzz-") as folder:
        path = Path(folder) / corpus.name
        path.write_bytes(corpus.data)
        rows = _read(path, corpus, fast=False)
        _owes(corpus, rows, "row")
        fast = _read(path, corpus, fast=True)
        _owes(corpus, fast, "fast")
        assert fast.table.equals(rows.table), "fast path and row path kept different tables"
        assert _reject_keys(fast) == _reject_keys(rows), "fast and row paths reject differently"
        if reordered is not None:
            assert reordered.good == corpus.good
            other = Path(folder) / f"reordered-{reordered.name}"
            other.write_bytes(reordered.data)
            _owes(reordered, _read(other, reordered, fast=None), "reordered")


# --- line-oriented corpora: units of one record each ---------------------------------------------


@dataclass
class Unit:
    """One record as written (no final line break; a CSV quoted cell may hold line breaks)."""

    text: str | bytes
    kind: str | None = None  # None: a good record; "blank": not a row; else the damage
    trade: Trade | None = None
    glued: bool = False  # stays right before the next unit (a CSV line with an open quote)


def blank(rng: random.Random, choices: tuple[str, ...] = ("", "  ", "\t")) -> Unit:
    return Unit(rng.choice(choices), kind="blank")


def chunks(units: list[Unit]) -> list[list[Unit]]:
    """Units grouped so that a glued unit moves with the one after it."""
    out: list[list[Unit]] = []
    for unit in units:
        if out and out[-1][-1].glued:
            out[-1].append(unit)
        else:
            out.append([unit])
    return out


def shuffled(rng: random.Random, units: list[Unit]) -> list[Unit]:
    groups = chunks(units)
    rng.shuffle(groups)
    return [u for group in groups for u in group]


def good_first(units: list[Unit]) -> list[Unit]:
    """Move the first good record to the front (a ``.log`` is told JSONL by its content)."""
    index = next(i for i, u in enumerate(units) if u.kind is None)
    return [units[index], *units[:index], *units[index + 1 :]]


CODECS = {
    "utf-8": (b"", "utf-8"),
    "utf-8-bom": (b"\xef\xbb\xbf", "utf-8"),
    "utf-16-le": (b"\xff\xfe", "utf-16-le"),
    "utf-16-be": (b"\xfe\xff", "utf-16-be"),
}


def render(
    rng: random.Random,
    units: list[Unit],
    *,
    name: str,
    header: str | None = None,
    encoding: str = "utf-8",
    newline: str = "lf",
    final_newline: bool = True,
    options: ReadOptions | None = None,
) -> Corpus:
    """The file of ``units`` (after ``header``) and the oracle: good ids, hostile lines."""
    bom, codec = CODECS[encoding]
    pieces: list[bytes] = []
    good: dict[str, Decimal] = {}
    hostile: dict[int, str] = {}
    line = 1
    texts: list[str | bytes] = []
    if header is not None:
        texts.append(header)
        line = 2
    for unit in units:
        if unit.kind is None:
            assert unit.trade is not None
            good[unit.trade.trade_id] = unit.trade.pnl
        elif unit.kind != "blank":
            hostile[line] = unit.kind
        breaks = unit.text.count("\n" if isinstance(unit.text, str) else b"\n")
        line += breaks + 1
        texts.append(unit.text)
    for i, text in enumerate(texts):
        if isinstance(text, bytes):
            assert codec == "utf-8", "byte-level damage only in UTF-8 files"
            pieces.append(text)
        else:
            pieces.append(text.encode(codec))
        last = i == len(texts) - 1
        if not last or final_newline:
            ending = {"lf": "\n", "crlf": "\r\n"}.get(newline) or rng.choice(("\n", "\r\n"))
            pieces.append(ending.encode(codec))
    return Corpus(
        name=name,
        data=bom + b"".join(pieces),
        good=good,
        hostile=hostile,
        options=options or ReadOptions(),
    )


def insert(rng: random.Random, text: str, damage: str | bytes) -> str | bytes:
    """``damage`` put between two characters of ``text`` (never inside one)."""
    k = rng.randint(0, len(text))
    if isinstance(damage, str):
        return text[:k] + damage + text[k:]
    return text[:k].encode() + damage + text[k:].encode()


def binary_line(rng: random.Random) -> bytes:
    """Random bytes with no line break, holding NUL (and maybe 0xFF).

    It starts with NUL, which is neither a byte-order mark nor a file magic, so it may also be
    the first line of a file.
    """
    data = bytearray(b for b in rng.randbytes(rng.randint(1, 3000)) if b not in LINE_BREAKS)
    k = rng.randint(0, len(data))
    data[k:k] = rng.choice((b"\x00", b"\xff"))
    return b"\x00" + bytes(data)


# --- JSONL ---------------------------------------------------------------------------------------


def json_record(
    rng: random.Random,
    t: Trade,
    *,
    raw: dict[str, str] | None = None,
    drop: tuple[str, ...] = (),
) -> str:
    """``t`` as a JSON object in random key order, numbers as JSON numbers or strings, with
    ``raw`` values written as given (NaN, a deep list, a lone surrogate escape, ...)."""
    ascii_only = rng.random() < 0.3

    def text(value: str) -> str:
        return json.dumps(value, ensure_ascii=ascii_only)

    def money(d: Decimal) -> str:
        return fixed(d) if rng.random() < 0.5 else text(fixed(d))

    def when(moment: datetime) -> str:
        value = iso_time(rng, moment, epoch=True)
        return value if value.isdigit() else text(value)

    items = {
        "trade_id": text(t.trade_id),
        "symbol": text(t.symbol),
        "side": text(t.side),
        "entry_time": when(t.entry),
        "exit_time": when(t.exit),
        "entry_price": money(t.entry_price),
        "exit_price": money(t.exit_price),
        "quantity": money(t.quantity),
        "pnl": money(t.pnl),
        "fees": money(t.fees),
        "status": text(t.status),
        "exit_reason": text(t.exit_reason),
    }
    items.update(raw or {})
    for key in drop:
        items.pop(key, None)
    keys = list(items)
    rng.shuffle(keys)
    return "{" + ", ".join(f"{json.dumps(k)}: {items[k]}" for k in keys) + "}"


def deep(rng: random.Random, depths: tuple[int, ...]) -> str:
    n = rng.choice(depths)
    return "[" * n + "]" * n if rng.random() < 0.5 else '{"a":' * n + "1" + "}" * n


NON_FINITE = ("NaN", "Infinity", "-Infinity")
WRONG_TYPES = ("[1]", '{"v": 1}', "true", "false", "[]")
#: Fields where each of `WRONG_TYPES` is invalid (a number would pass as text in ``symbol``).
TYPED_FIELDS = (
    "pnl",
    "fees",
    "quantity",
    "entry_price",
    "exit_time",
    "entry_time",
    "symbol",
    "trade_id",
    "side",
)
SURROGATES = (r'"\ud800"', r'"a\udfffb"', r'"\udbff"', r'"\ude00\ud83d"')
NOT_OBJECTS = ("[1, 2]", "42", '"text"', "null", "true", "[]", "{}", '{"note": "no trade"}')


def hostile_record(rng: random.Random, kind: str, t: Trade) -> str:
    """A JSON text that is not a valid trade, of the given kind (shared by JSONL and JSON)."""
    if kind == "deep":
        return deep(rng, (65, 100, 1000, 20_000, 100_000))
    if kind == "deep_field":
        field = rng.choice(("metadata", "sentiment", "tags", "news_events"))
        return json_record(rng, t, raw={field: deep(rng, (100, 1000, 50_000))})
    if kind == "long_field":
        field = rng.choice(("symbol", "exit_reason", "trade_id"))
        return json_record(rng, t, raw={field: json.dumps("x" * rng.randint(65_537, 300_000))})
    if kind == "non_finite":
        constant = rng.choice(NON_FINITE)
        field = rng.choice(
            ("pnl", "fees", "quantity", "entry_price", "exit_price", "risk_reward", "extra")
        )
        if rng.random() < 0.2:
            return json_record(rng, t, raw={"metadata": f'{{"score": {constant}}}'})
        return json_record(rng, t, raw={field: constant})
    if kind == "wrong_type":
        return json_record(rng, t, raw={rng.choice(TYPED_FIELDS): rng.choice(WRONG_TYPES)})
    if kind == "surrogate":
        field = rng.choice(("symbol", "trade_id", "exit_reason"))
        return json_record(rng, t, raw={field: rng.choice(SURROGATES)})
    if kind == "not_object":
        return rng.choice(NOT_OBJECTS)
    assert kind == "bad_value", kind
    if rng.random() < 0.1:
        return json_record(rng, t, drop=("symbol",))
    changes: list[dict[str, str]] = [
        {"pnl": '"abc"'},
        {"pnl": '"1e30"'},  # out of range: 20 integer digits at most
        {"exit_time": '"yesterday"'},
        {"side": '"sideways"'},
        {"quantity": '"-1"'},
        {"entry_price": "-5"},
        {"status": '"MAYBE"'},
        {"symbol": '""'},
        {"exit_time": json.dumps((t.entry - timedelta(hours=1)).isoformat())},
    ]
    return json_record(rng, t, raw=rng.choice(changes))


JSONL_KINDS = (
    "truncated",
    "nul",
    "bad_utf8",
    "binary",
    "deep",
    "deep_field",
    "long_field",
    "non_finite",
    "wrong_type",
    "surrogate",
    "not_object",
    "bad_value",
)
BYTE_KINDS = frozenset({"bad_utf8", "binary"})


def jsonl_line(rng: random.Random, kind: str, t: Trade) -> str | bytes:
    if kind == "truncated":
        text = json_record(rng, t)
        return text[: rng.randint(1, len(text) - 1)]
    if kind == "nul":
        return insert(rng, json_record(rng, t), "\x00")
    if kind == "bad_utf8":
        return insert(rng, json_record(rng, t), rng.choice(BAD_UTF8))
    if kind == "binary":
        return binary_line(rng)
    if kind == "huge":  # past the 1 MiB line limit
        if rng.random() < 0.5:
            return "z" * 3_000_000
        return json_record(rng, replace(t, symbol="S" * 3_000_000))
    return hostile_record(rng, kind, t)


def damage(rng: random.Random, kinds: frozenset[str], *, huge: bool = True) -> list[str]:
    """The hostile lines of a corpus: each kind the plan names one to six times, and in one
    corpus of five a 3 MB line (``huge``; few, they are slow)."""
    lines = [kind for kind in sorted(kinds) for _ in range(rng.randint(1, 6))]
    if huge and rng.random() < 0.2:
        lines.append("huge")
    return lines


@dataclass(frozen=True)
class Plan:
    """What Hypothesis draws; the seed writes the rest."""

    seed: int
    good: int
    kinds: frozenset[str]  # the kinds of damage in the corpus
    encoding: str
    newline: str
    final_newline: bool
    name: str


JSONL_PLANS = st.builds(
    Plan,
    seed=SEEDS,
    good=st.integers(min_value=1000, max_value=2500),
    kinds=st.frozensets(st.sampled_from(JSONL_KINDS), min_size=3),
    encoding=st.sampled_from(tuple(CODECS)),
    newline=st.sampled_from(("lf", "crlf", "mixed")),
    final_newline=st.booleans(),
    name=st.sampled_from(("trades.jsonl", "trades.ndjson", "bot.log")),
)


def _text_only(
    kinds: list[str], encoding: str, replacement: str, *, byte_kinds: frozenset[str] = BYTE_KINDS
) -> list[str]:
    """UTF-16 text cannot hold byte-level damage: such lines become another kind."""
    if encoding.startswith("utf-16"):
        return [replacement if k in byte_kinds else k for k in kinds]
    return kinds


def jsonl_corpora(plan: Plan) -> tuple[Corpus, Corpus]:
    rng = random.Random(plan.seed)
    units = [Unit(json_record(rng, t), trade=t) for t in _trades(rng, plan.good)]
    kinds = _text_only(damage(rng, plan.kinds), plan.encoding, "truncated")
    for n, kind in enumerate(kinds):
        units.append(Unit(jsonl_line(rng, kind, random_trade(rng, f"bad-{n}")), kind=kind))
    units += [blank(rng) for _ in range(rng.randint(0, plan.good // 50))]

    def write(order: list[Unit]) -> Corpus:
        if plan.name.endswith(".log"):
            order = good_first(order)
        return render(
            rng,
            order,
            name=plan.name,
            encoding=plan.encoding,
            newline=plan.newline,
            final_newline=plan.final_newline,
        )

    return write(shuffled(rng, units)), write(shuffled(rng, units))


def _trades(rng: random.Random, n: int) -> list[Trade]:
    """``n`` good trades with unique ids."""
    return [random_trade(rng, f"t{i}-{rng.getrandbits(24):06x}") for i in range(n)]


@fuzz_settings(20)
@given(plan=JSONL_PLANS)
def test_jsonl_corpus_keeps_every_good_line_and_rejects_each_bad_one_once(plan: Plan) -> None:
    check(*jsonl_corpora(plan))


# --- JSON documents ------------------------------------------------------------------------------

JSON_KINDS = (
    "deep",
    "deep_field",
    "long_field",
    "non_finite",
    "wrong_type",
    "surrogate",
    "not_object",
    "bad_value",
)


@dataclass(frozen=True)
class DocumentPlan:
    seed: int
    good: int
    kinds: frozenset[str]
    wrapped: bool
    separator: str
    bom: bool
    truncated: bool


DOCUMENT_PLANS = st.builds(
    DocumentPlan,
    seed=SEEDS,
    good=st.integers(min_value=1000, max_value=2500),
    kinds=st.frozensets(st.sampled_from(JSON_KINDS), min_size=3),
    wrapped=st.booleans(),
    separator=st.sampled_from((",", ", ", ",\n  ", ",\r\n")),
    bom=st.booleans(),
    truncated=st.integers(0, 2).map(lambda n: n == 0),  # one document in three is cut short
)


def document_corpora(plan: DocumentPlan) -> tuple[Corpus, Corpus | None]:
    rng = random.Random(plan.seed)
    units = [Unit(json_record(rng, t), trade=t) for t in _trades(rng, plan.good)]
    for n, kind in enumerate(damage(rng, plan.kinds, huge=False)):
        units.append(Unit(hostile_record(rng, kind, random_trade(rng, f"bad-{n}")), kind=kind))

    def write(order: list[Unit]) -> Corpus:
        texts = [str(u.text) for u in order]
        head = '{"trades": [' if plan.wrapped else "["
        document = head + plan.separator.join(texts) + ("]}" if plan.wrapped else "]")
        damaged_from = None
        if plan.truncated:
            # Cut inside element k (or just before it), after at least one good record: the
            # elements before k are intact.
            first_good = next(i for i, u in enumerate(order, start=1) if u.kind is None)
            damaged_from = rng.randint(first_good + 1, len(order))
            start = len(head) + sum(len(t) + len(plan.separator) for t in texts[: damaged_from - 1])
            document = document[: start + rng.randint(0, len(texts[damaged_from - 1]) - 1)]
            order = order[: damaged_from - 1]
        good = {u.trade.trade_id: u.trade.pnl for u in order if u.trade is not None}
        hostile = {i: u.kind for i, u in enumerate(order, start=1) if u.kind is not None}
        data = (b"\xef\xbb\xbf" if plan.bom else b"") + document.encode()
        return Corpus("trades.json", data, good, hostile, damaged_from=damaged_from)

    original = write(shuffled(rng, units))
    if plan.truncated:
        return original, None  # a cut document has no other order to compare with
    return original, write(shuffled(rng, units))


@fuzz_settings(15)
@given(plan=DOCUMENT_PLANS)
def test_json_document_keeps_every_good_record_and_rejects_each_bad_one_once(
    plan: DocumentPlan,
) -> None:
    check(*document_corpora(plan))


# --- CSV -----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "trade_id",
    "symbol",
    "side",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "quantity",
    "pnl",
    "fees",
    "status",
    "exit_reason",
)
CSV_KINDS = (
    "nul",
    "bad_utf8",
    "binary",
    "wrong_cells",
    "unbalanced_quote",
    "long_cell",
    "bad_value",
)


@dataclass(frozen=True)
class CsvPlan:
    seed: int
    good: int
    kinds: frozenset[str]  # the kinds of damage in the corpus
    encoding: str
    newline: str
    final_newline: bool
    delimiter: str
    european: bool  # ';' cells, numbers as 1.234,56, read with ReadOptions(decimal=",")


CSV_PLANS = st.builds(
    CsvPlan,
    seed=SEEDS,
    good=st.integers(min_value=1000, max_value=2500),
    kinds=st.frozensets(st.sampled_from(CSV_KINDS), min_size=3),
    encoding=st.sampled_from(tuple(CODECS)),
    newline=st.sampled_from(("lf", "crlf", "mixed")),
    final_newline=st.booleans(),
    delimiter=st.sampled_from((",", ";", "\t")),
    european=st.integers(0, 3).map(lambda n: n == 0),
)


def csv_line(cells: list[str], delimiter: str) -> str:
    """One record as the csv module writes it (quoted where needed; may span lines)."""
    out = io.StringIO()
    # The csv module quotes line breaks only when they occur in its line terminator.
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow(cells)
    return out.getvalue().removesuffix("\r\n")


class CsvWriter:
    """Writes the cells of trades in one file's column order, delimiter and number format."""

    def __init__(self, rng: random.Random, plan: CsvPlan) -> None:
        self.rng = rng
        self.european = plan.european
        self.delimiter = ";" if plan.european else plan.delimiter
        self.columns = list(CSV_COLUMNS)
        rng.shuffle(self.columns)

    def money(self, d: Decimal) -> str:
        return european(self.rng, d) if self.european else fixed(d)

    def cells(self, t: Trade, **changes: str) -> list[str]:
        values = {
            "trade_id": t.trade_id,
            "symbol": t.symbol,
            "side": t.side,
            "entry_time": iso_time(self.rng, t.entry, epoch=not self.european),
            "exit_time": iso_time(self.rng, t.exit, epoch=not self.european),
            "entry_price": self.money(t.entry_price),
            "exit_price": self.money(t.exit_price),
            "quantity": self.money(t.quantity),
            "pnl": self.money(t.pnl),
            "fees": self.money(t.fees),
            "status": t.status,
            "exit_reason": t.exit_reason,
            **changes,
        }
        return [values[c] for c in self.columns]

    def line(self, t: Trade, **changes: str) -> str:
        return csv_line(self.cells(t, **changes), self.delimiter)

    def header(self) -> str:
        return self.delimiter.join(self.columns)

    def bad_value(self, t: Trade) -> str:
        not_a_number = "1,2,3" if self.european else "1.2.3"
        changes = [
            {"pnl": "abc"},
            {"pnl": "Infinity"},
            {"fees": "-inf"},
            {"pnl": not_a_number},
            {"exit_time": "yesterday"},
            {"side": "sideways"},
            {"quantity": "-" + self.money(t.quantity)},
            {"entry_price": "-" + self.money(t.entry_price)},
            {"status": "MAYBE"},
            {"symbol": ""},
            {"exit_time": (t.entry - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")},
        ]
        return self.line(t, **self.rng.choice(changes))

    def hostile(self, kind: str, t: Trade) -> str | bytes:
        """A one-line record (``t`` is plain: no quotes, no line breaks) of the given damage."""
        rng = self.rng
        if kind == "nul":
            return insert(rng, self.line(t), "\x00")
        if kind == "bad_utf8":
            return insert(rng, self.line(t), rng.choice(BAD_UTF8))
        if kind == "binary":
            return binary_line(rng)
        if kind == "wrong_cells":
            cells = self.cells(t)
            if rng.random() < 0.5:
                del cells[rng.randrange(len(cells))]
            else:
                cells.insert(rng.randrange(len(cells) + 1), "extra")
            return csv_line(cells, self.delimiter)
        if kind == "unbalanced_quote":
            cells = self.cells(t)
            k = rng.randrange(len(cells))
            cells[k] = '"' + cells[k]
            return self.delimiter.join(cells)  # as written: one quote, never closed
        if kind == "long_cell":  # past the csv module's 131072 and the 64 Ki field limit
            return self.line(t, exit_reason="x" * rng.randint(131_073, 200_000))
        if kind == "huge":
            return self.line(t, exit_reason="x" * 3_000_000)
        assert kind == "bad_value", kind
        return self.bad_value(t)


def csv_corpora(plan: CsvPlan) -> tuple[Corpus, Corpus]:
    rng = random.Random(plan.seed)
    writer = CsvWriter(rng, plan)
    units = [Unit(writer.line(t), trade=t) for t in _trades(rng, plan.good)]
    # A NUL character in UTF-16 text is not a NUL byte line, and a CSV cell could hold it.
    kinds = _text_only(
        damage(rng, plan.kinds), plan.encoding, "bad_value", byte_kinds=BYTE_KINDS | {"nul"}
    )
    for n, kind in enumerate(kinds):
        t = random_trade(rng, f"bad-{n}", plain=True)
        units.append(Unit(writer.hostile(kind, t), kind=kind, glued=kind == "unbalanced_quote"))
        if kind == "unbalanced_quote":
            # The spec ends a broken quoted cell at the next line that is a complete record on
            # its own; a plain good record right after it is that line.
            follower = random_trade(rng, f"after-{n}", plain=True)
            units.append(Unit(writer.line(follower), trade=follower))
    units += [blank(rng, ("",)) for _ in range(rng.randint(0, plan.good // 50))]
    options = ReadOptions(decimal="," if plan.european else None)
    name = "trades.tsv" if writer.delimiter == "\t" and rng.random() < 0.5 else "trades.csv"

    def write(order: list[Unit]) -> Corpus:
        return render(
            rng,
            order,
            name=name,
            header=writer.header(),
            encoding=plan.encoding,
            newline=plan.newline,
            final_newline=plan.final_newline,
            options=options,
        )

    return write(shuffled(rng, units)), write(shuffled(rng, units))


@fuzz_settings(20)
@given(plan=CSV_PLANS)
def test_csv_corpus_keeps_every_good_record_and_rejects_each_bad_line_once(plan: CsvPlan) -> None:
    check(*csv_corpora(plan))


# --- Parquet -------------------------------------------------------------------------------------

PARQUET_KINDS = (
    "null_symbol",
    "null_exit_time",
    "huge_symbol",
    "negative_quantity",
    "negative_price",
    "bad_side",
    "bad_status",
    "exit_before_entry",
    "non_finite",
    "bad_number",
)
MONEY_TYPES = {
    "float64": pa.float64(),
    "decimal": pa.decimal128(38, 18),
    "string": pa.string(),
}
TIME_TYPES = {"timestamp": pa.timestamp("us", tz="UTC"), "string": pa.string()}


@dataclass(frozen=True)
class ParquetPlan:
    seed: int
    good: int
    kinds: frozenset[str]  # the kinds of damage in the corpus
    money: str
    time: str
    row_group_size: int
    compression: str


PARQUET_PLANS = st.builds(
    ParquetPlan,
    seed=SEEDS,
    good=st.integers(min_value=1000, max_value=2500),
    kinds=st.frozensets(st.sampled_from(PARQUET_KINDS), min_size=3),
    money=st.sampled_from(tuple(MONEY_TYPES)),
    time=st.sampled_from(tuple(TIME_TYPES)),
    row_group_size=st.integers(min_value=100, max_value=5000),
    compression=st.sampled_from(("snappy", "zstd", "none")),
)


def parquet_row(plan: ParquetPlan, t: Trade) -> dict[str, object]:
    def money(d: Decimal) -> object:
        if plan.money == "float64":
            return float(d)  # at most 11 significant digits: the float's repr is d exactly
        return d if plan.money == "decimal" else fixed(d)

    def when(moment: datetime) -> object:
        return moment if plan.time == "timestamp" else moment.isoformat()

    return {
        "trade_id": t.trade_id,
        "symbol": t.symbol,
        "side": t.side,
        "entry_time": when(t.entry),
        "exit_time": when(t.exit),
        "entry_price": money(t.entry_price),
        "exit_price": money(t.exit_price),
        "quantity": money(t.quantity),
        "pnl": money(t.pnl),
        "fees": money(t.fees),
        "status": t.status,
    }


def parquet_hostile(
    rng: random.Random, plan: ParquetPlan, kind: str, t: Trade
) -> dict[str, object]:
    """A typed row no trade may be: a null required field, NaN money, a huge string, ..."""
    if kind == "non_finite" and plan.money != "float64":
        kind = "negative_quantity"
    if kind == "bad_number" and plan.money != "string":
        kind = "bad_side"
    row = parquet_row(plan, t)
    if kind == "null_symbol":
        row["symbol"] = None
    elif kind == "null_exit_time":
        row["exit_time"] = None
    elif kind == "huge_symbol":
        row["symbol"] = "S" * rng.randint(65_537, 200_000)
    elif kind == "huge":
        row["symbol"] = "S" * 3_000_000
    elif kind == "negative_quantity":
        row["quantity"] = parquet_row(plan, replace(t, quantity=-t.quantity))["quantity"]
    elif kind == "negative_price":
        row["entry_price"] = parquet_row(plan, replace(t, entry_price=-t.entry_price))[
            "entry_price"
        ]
    elif kind == "bad_side":
        row["side"] = "sideways"
    elif kind == "bad_status":
        row["status"] = "MAYBE"
    elif kind == "exit_before_entry":
        row["exit_time"] = parquet_row(plan, replace(t, exit=t.entry - timedelta(hours=1)))[
            "exit_time"
        ]
    elif kind == "non_finite":
        column = rng.choice(("pnl", "fees", "quantity", "entry_price", "exit_price"))
        row[column] = rng.choice((float("nan"), float("inf"), float("-inf")))
    else:
        assert kind == "bad_number", kind
        row[rng.choice(("pnl", "fees", "quantity"))] = rng.choice(("abc", "1.2.3", "Infinity"))
    return row


def parquet_corpora(plan: ParquetPlan) -> tuple[Corpus, Corpus]:
    rng = random.Random(plan.seed)
    money, time = MONEY_TYPES[plan.money], TIME_TYPES[plan.time]
    schema = pa.schema(
        [
            ("trade_id", pa.string()),
            ("symbol", pa.string()),
            ("side", pa.string()),
            ("entry_time", time),
            ("exit_time", time),
            ("entry_price", money),
            ("exit_price", money),
            ("quantity", money),
            ("pnl", money),
            ("fees", money),
            ("status", pa.string()),
        ]
    )
    rows: list[tuple[dict[str, object], Trade | None, str | None]] = [
        (parquet_row(plan, t), t, None) for t in _trades(rng, plan.good)
    ]
    for n, kind in enumerate(damage(rng, plan.kinds)):
        t = random_trade(rng, f"bad-{n}")
        rows.append((parquet_hostile(rng, plan, kind, t), None, kind))

    def write(order: list[tuple[dict[str, object], Trade | None, str | None]]) -> Corpus:
        buffer = pa.BufferOutputStream()
        table = pa.Table.from_pylist([row for row, _, _ in order], schema=schema)
        pq.write_table(
            table, buffer, row_group_size=plan.row_group_size, compression=plan.compression
        )
        good = {t.trade_id: t.pnl for _, t, _ in order if t is not None}
        hostile = {i: kind for i, (_, _, kind) in enumerate(order, start=1) if kind is not None}
        return Corpus("trades.parquet", buffer.getvalue().to_pybytes(), good, hostile)

    first = rows[:]
    rng.shuffle(first)
    second = rows[:]
    rng.shuffle(second)
    return write(first), write(second)


@fuzz_settings(15)
@given(plan=PARQUET_PLANS)
def test_parquet_corpus_keeps_every_good_row_and_rejects_each_bad_one_once(
    plan: ParquetPlan,
) -> None:
    check(*parquet_corpora(plan))


# --- files that hold nothing to read -------------------------------------------------------------

ANY_NAME = ("t.jsonl", "t.ndjson", "t.log", "t.csv", "t.tsv", "t.json", "t.parquet", "t.bin", "t")


def _read_both(name: str, data: bytes) -> list[ReadResult]:
    with tempfile.TemporaryDirectory(prefix="tradeperf-fuzz-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return [read_source(path, fast=fast) for fast in (True, False)]


@fuzz_settings(20)
@given(seed=SEEDS, size=st.integers(min_value=1, max_value=200_000), name=st.sampled_from(ANY_NAME))
def test_binary_file_with_no_readable_line_is_unreadable(seed: int, size: int, name: str) -> None:
    data = random.Random(seed).randbytes(size)
    # Every line holds a NUL, and the first byte is NUL: no line of it is text, whatever the
    # name says, and it opens with no byte-order mark and no file magic.
    data = b"\n".join(b"\x00" + piece for piece in data.split(b"\n"))
    for result in _read_both(name, data):
        assert result.unreadable
        assert result.table.num_rows == 0
        assert result.table.schema == TRADE_SCHEMA
        assert [r.line for r in result.rejected] == [None]


@fuzz_settings(30)
@given(
    name=st.sampled_from(ANY_NAME),
    bom=st.sampled_from(tuple(CODECS)),
    lines=st.lists(st.sampled_from(("", " ", "\t", "  \t ")), max_size=20),
    newline=st.sampled_from(("\n", "\r\n")),
)
def test_empty_file_has_no_rows_and_no_rejects(
    name: str, bom: str, lines: list[str], newline: str
) -> None:
    prefix, codec = CODECS[bom]
    data = prefix + "".join(line + newline for line in lines).encode(codec)
    for result in _read_both(name, data):
        assert not result.unreadable, result.rejected
        assert result.rejected == []
        assert result.table.num_rows == 0


# --- damaged Parquet: never raises ---------------------------------------------------------------


@fuzz_settings(25)
@given(
    seed=SEEDS,
    damages=st.lists(
        st.tuples(st.floats(0, 1), st.integers(1, 4096), st.sampled_from(("random", "zeros"))),
        min_size=1,
        max_size=4,
    ),
    cut=st.one_of(st.none(), st.floats(0.05, 0.999)),
)
def test_damaged_parquet_never_raises_and_never_loses_rows_silently(
    seed: int, damages: list[tuple[float, int, str]], cut: float | None
) -> None:
    rng = random.Random(seed)
    plan = ParquetPlan(
        seed,
        2000,
        frozenset(),
        money=rng.choice(tuple(MONEY_TYPES)),
        time="timestamp",
        row_group_size=250,
        compression=rng.choice(("snappy", "none")),
    )
    corpus, _ = parquet_corpora(plan)
    data = bytearray(corpus.data)
    for where, length, filler in damages:
        start = int(where * (len(data) - 1))
        patch = rng.randbytes(length) if filler == "random" else bytes(length)
        data[start : start + length] = patch[: len(data) - start]
    if cut is not None:
        data = data[: int(cut * len(data))]
    for result in _read_both("t.parquet", bytes(data)):
        assert result.table.schema == TRADE_SCHEMA
        if result.unreadable:
            assert result.table.num_rows == 0
            assert [r.line for r in result.rejected] == [None]
        elif result.table.num_rows < len(corpus.good):
            assert result.rejected, "rows were lost without a reject saying so"


# --- any content at all: nothing escapes, both paths agree -------------------------------------

#: Pieces that drive the JSON, CSV and number parsers into their corners.
TEXT_PIECES = st.sampled_from(
    (
        "{",
        "}",
        "[",
        "]",
        '"',
        ",",
        ":",
        ";",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "\\",
        "\\u",
        " ",
        "0",
        "1.5",
        "1.170,50",
        "-",
        "e9",
        "e999999",
        "E-99999999",
        "NaN",
        "Infinity",
        "null",
        "true",
        "é",
        "€",
        '"symbol"',
        '"pnl"',
        "symbol",
        "pnl",
        "exit_time",
        "2024-01-02T11:00:00Z",
        '"trade_id": "t1"',
    )
)
GOOD_JSONL = (
    b'{"trade_id": "g1", "symbol": "X", "exit_time": "2024-01-02T11:00:00Z", "pnl": "1.5"}\n'
)
PREFIXES = st.sampled_from(
    (
        b"",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        GOOD_JSONL,
        b"trade_id,symbol,exit_time,pnl\ng1,X,2024-01-02T11:00:00Z,1.5\n",
        b"trade_id;symbol;exit_time;pnl\ng1;X;2024-01-02T11:00:00Z;1,5\n",
        b"[" + GOOD_JSONL.strip() + b",",
        b'{"trades": [' + GOOD_JSONL.strip() + b",",
    )
)
#: Pieces that are not text: NUL, a BOM inside a line, an encoded lone surrogate.
BYTE_PIECES = st.sampled_from(("\x00", "\ufeff", "\ud800"))
#: Whole lines past the limits of Python's json and csv modules.
BIG_LINES = st.sampled_from(
    (
        "[" * 1500,
        '{"a":' * 1500 + "1",
        "x" * 140_000,
        'g2,"' + "x" * 140_000,
        '{"symbol": "' + "x" * 70_000 + '", "pnl": 1}',
    )
)
LINE = st.one_of(
    st.lists(TEXT_PIECES, max_size=25).map("".join),
    st.lists(st.one_of(TEXT_PIECES, BYTE_PIECES), max_size=25).map("".join),
    BIG_LINES,
)
LINES = st.lists(LINE, max_size=25).map("\n".join)
CONTENT = st.one_of(
    st.binary(max_size=3000),
    LINES.map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)  # small: shrinks
@given(prefix=PREFIXES, content=CONTENT, name=st.sampled_from(ANY_NAME))
def test_any_content_never_raises_and_reads_the_same_on_both_paths(
    prefix: bytes, content: bytes, name: str
) -> None:
    fast, rows = _read_both(name, prefix + content)
    for result in (fast, rows):
        assert all(r.line is None or r.line >= 1 for r in result.rejected)
        if result.unreadable:
            assert result.table.num_rows == 0
            assert [r.line for r in result.rejected] == [None]
    assert fast.unreadable == rows.unreadable
    assert fast.table.equals(rows.table)
    assert _reject_keys(fast) == _reject_keys(rows)
