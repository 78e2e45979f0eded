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

Settings are layered: built-in defaults < config file < environment variables < command-line
flags. The config file is TOML: `./tradeperf.toml` when present, or the file named by
`TRADEPERF_CONFIG` or `--config`. Its keys are the setting names below, at top level or under a
`[tradeperf]` table:

```toml
[tradeperf]
store = "duckdb:///var/lib/tradeperf/bot.duckdb"
timezone = "Europe/London"
capital = 25000
currency = "USD"
```

## Settings

| setting | environment | default | meaning |
|---|---|---|---|
"""

_ENV_NOTE = """
Other environment variables: `TRADEPERF_CONFIG` (the config file). For the test-suite only:
`TRADEPERF_SHARED_DATA` (folder of real data from other projects, read in place) and
`TRADEPERF_TEST_PG` (URL of the PostgreSQL server the store tests use).

## Commands and options
"""


def _commands(command: Any, prefix: list[str]) -> list[tuple[list[str], Any]]:
    if hasattr(command, "commands"):
        out = []
        for name, sub in sorted(command.commands.items()):
            out.extend(_commands(sub, [*prefix, name]))
        return out
    return [(prefix, command)]


def render_configuration() -> str:
    """The text of docs/configuration.md."""
    lines = [_HEADER.rstrip("\n")]
    lines += [f"| `{s.name}` | `{s.env}` | `{s.default}` | {s.help} |" for s in SETTINGS]
    lines.append(_ENV_NOTE)
    for path, command in _commands(typer.main.get_command(app), []):
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
