"""Running the ``tradeperf`` command in-process: its real entry point, argv and exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tradeperf.cli.app import main
from tradeperf.config import SETTINGS


@dataclass(frozen=True)
class Ran:
    """What one command did: its exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """Everything printed, stdout then stderr."""
        return self.out + self.err


Tradeperf = Callable[..., Ran]


@pytest.fixture
def tradeperf(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Tradeperf:
    """``tradeperf(*args)`` runs `tradeperf.cli.app.main` with ``args`` as argv, in
    ``tmp_path`` (so the default store is ``tmp_path/tradeperf.duckdb``), with no
    ``TRADEPERF_*`` setting from the environment."""
    for s in SETTINGS:
        monkeypatch.delenv(s.env, raising=False)
    monkeypatch.delenv("TRADEPERF_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Ran:
        monkeypatch.setattr(sys, "argv", ["tradeperf", *args])
        with pytest.raises(SystemExit) as exit_:
            main()
        captured = capsys.readouterr()
        code = exit_.value.code
        return Ran(0 if code is None else int(code), captured.out, captured.err)

    return run
