"""docs/configuration.md, generated from `tradeperf.config.SETTINGS` and the commands' options.

``python -m tradeperf.cli.docs > docs/configuration.md`` regenerates it; a test fails when the
file and this output differ, so no setting or option goes undocumented.
"""

from __future__ import annotations

from typing import Any

import typer.main

from tradeperf.cli.app import app
from tradeperf.config import SETTINGS

_HEADER = """# Configuration

Settings are layered: built-in defaults < config file < a `.env` file < environment variables <
command-line flags. A `.env` in the working folder (a bot's, in python-dotenv's format) is read
below the real environment; its `PERFORMANCE_SUMMARY_TIMEZONE` counts as `TRADEPERF_TIMEZONE`
where that is not set. The same `.env` and environment give the alerts'
`TRADEPERF_TARGETS` and `TRADEPERF_ALERT_ROLLING_WINDOW` (or `PERFORMANCE_ALERT_ROLLING_WINDOW`),
and the `TRADEPERF_ALERT_*` settings of the config's `[alerts]` table (repeats, sinks, the
digest, maintenance windows), see [alerts.md](alerts.md). The `[tracker]` table holds the live
tracker's flushing and snapshot retention, see [tracker.md](tracker.md). The `[retention]`
table keeps raw records of each kind for an age (`quotes = "7d"`; default `"forever"`),
applied by `tradeperf store prune` and after each ingest, see [markouts.md](markouts.md).
`TRADEPERF_STORE_WAIT`
is how long a command waits for a DuckDB file another process holds (seconds, default 10; see
[store.md](store.md)).

The config file is TOML: `./tradeperf.toml` when present, or the file named by
`TRADEPERF_CONFIG` or `--config`. Its keys are the setting names below, at top level or under a
`[tradeperf]` table:

```toml
[tradeperf]
store = "duckdb:///var/lib/tradeperf/bot.duckdb"
timezone = "Europe/London"
capital = 25000
currency = "USD"
decimal = ","
```

## Settings

| setting | environment | default | meaning |
|---|---|---|---|
"""

_ENV_NOTE = """
Other environment variables: `TRADEPERF_CONFIG` (the config file). For the test-suite only:
`TRADEPERF_SHARED_DATA` (folder of real data from other projects, read in place) and
`TRADEPERF_TEST_PG` (URL of the PostgreSQL server the store tests use).

## A PostgreSQL password stays out of the URL

A store URL is shown in messages, `tradeperf store info` and errors, always with its password
masked (`postgresql://bot:***@db.example/perf`); better still, keep the password out of the
URL, the config file and the shell history altogether. The URL goes to libpq as it is, so
libpq's own means work:

- a service file: an entry in `~/.pg_service.conf` (or the file named by `PGSERVICEFILE`)

  ```ini
  [perf]
  host=db.example
  port=5432
  dbname=perf
  user=bot
  password=s3cret
  ```

  and the store `postgresql:///?service=perf` (or `postgresql://?service=perf`); the file
  should be readable by its owner only (`chmod 600`);
- a password file: `~/.pgpass` (or the file named by `PGPASSFILE`, mode 600) with lines
  `host:port:dbname:user:password`, and the store `postgresql://bot@db.example/perf`;
- the environment variable `PGPASSWORD` (visible to the processes of the same user; the two
  files above are safer).

## Exit codes

0 success (also when some input was rejected: the figures are then marked `partial`);
1 other error; 2 bad input (a missing path, a folder with no record files, an input of which
nothing at all could be read) or a usage error (an unknown option, a missing argument);
3 a bad option value or setting; 4 the store cannot be opened or written.

## Commands and options
"""


def commands(command: Any, prefix: list[str]) -> list[tuple[list[str], Any]]:
    """Every command under the Click ``command`` as (path of names, command), sorted."""
    if hasattr(command, "commands"):
        out = []
        for name, sub in sorted(command.commands.items()):
            out.extend(commands(sub, [*prefix, name]))
        return out
    return [(prefix, command)]


def render_configuration() -> str:
    """Return the text of docs/configuration.md."""
    lines = [_HEADER.rstrip("\n")]
    lines += [f"| `{s.name}` | `{s.env}` | `{s.default}` | {s.help} |" for s in SETTINGS]
    lines.append(_ENV_NOTE)
    for path, command in commands(typer.main.get_command(app), []):
        lines += [f"### `tradeperf {' '.join(path)}`", ""]
        lines += [(command.help or "").strip().splitlines()[0], ""]
        for p in command.params:
            if p.param_type_name == "argument":
                lines.append(f"- `{p.name.upper()}`: {getattr(p, 'help', '') or ''}")
            elif p.name != "help":
                empty = p.default is None or p.default == [] or p.default == ()
                default = "" if empty else f" Default: `{p.default}`."
                lines.append(f"- `{', '.join(p.opts)}`: {p.help or ''}{default}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_configuration(), end="")
