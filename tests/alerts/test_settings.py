"""The alerts' settings: the config's [alerts] table and the environment (which wins), each
bad value one error naming the file and key or the variable; maintenance windows, recurring
across midnight and DST or once, silence what they match and nothing else."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.alerts.test_check_cli import PNLS, START, _store
from tests.cli.conftest import Tradeperf
from tradeperf.alerts.settings import _KEYS, _WINDOW_KEYS, load_alert_settings
from tradeperf.errors import ConfigError

BERLIN = ZoneInfo("Europe/Berlin")


def _settings(tmp_path: Path, toml: str, env: dict[str, str] | None = None):
    path = tmp_path / "tradeperf.toml"
    path.write_text(toml)
    return load_alert_settings(path, environ=env or {})


def test_the_config_table_and_the_environment_over_it(tmp_path: Path) -> None:
    toml = """
[alerts]
repeat_interval = "1d"
hysteresis = 0.1
log = "none"
webhook = ["https://hooks.example.com/a", "http://127.0.0.1:9/b"]
apprise = "json://127.0.0.1:9/x"
digest_at = 08:30:00
digest_period = "week"
"""
    s = _settings(tmp_path, toml)
    assert s.policy.repeat_interval == dt.timedelta(days=1)
    assert str(s.policy.hysteresis) == "0.1"
    assert s.policy.cooldown == dt.timedelta(minutes=30)  # the default
    assert s.log is None
    assert s.webhooks == ("https://hooks.example.com/a", "http://127.0.0.1:9/b")
    assert s.apprise == ("json://127.0.0.1:9/x",)
    assert (s.digest_at, s.digest_period) == (dt.time(8, 30), "week")
    env = {
        "TRADEPERF_ALERT_REPEAT_INTERVAL": "2h",
        "TRADEPERF_ALERT_DIGEST_AT": "07:00",
        "TRADEPERF_ALERT_APPRISE": "json://a.example/x  tgram://123456789:abcdefgh/42",
    }
    s = _settings(tmp_path, toml, env)
    assert s.policy.repeat_interval == dt.timedelta(hours=2)
    assert s.digest_at == dt.time(7)
    assert len(s.apprise) == 2


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ("[alerts]\nrepeat_every = '1h'\n", "alerts: unknown settings repeat_every"),
        ("[alerts]\ncooldown = 'soon'\n", "tradeperf.toml: alerts.cooldown: duration 'soon'"),
        ("[alerts]\nhysteresis = 2\n", "alerts.hysteresis: a fraction from 0 to 1"),
        ("[alerts]\nwebhook = 'ftp://x/SECRET'\n", "alerts.webhook: an http(s) URL"),
        ("[alerts]\napprise = 'nosuch://SECRET@host'\n", "not a URL Apprise knows: 'nosuch://…'"),
        ("[alerts]\ndigest_at = '25:00'\n", "alerts.digest_at: a local time HH:MM"),
        ("[alerts]\ndigest_period = 'month'\n", "alerts.digest_period: day or week"),
        ("[[alerts.maintenance]]\nstart = '22:00'\n", "alerts.maintenance[0]: start and end"),
        (
            "[[alerts.maintenance]]\nstart = '22:00'\nend = '23:00'\nweekdays = ['fun']\n",
            "alerts.maintenance[0].weekdays: a list of mon",
        ),
        (
            "[[alerts.maintenance]]\nstarts = '2024-05-02T10:00'\nends = '2024-05-02T09:00'\n",
            "alerts.maintenance[0]: ends must come after starts",
        ),
        (
            "[[alerts.maintenance]]\nstart = '22:00'\nend = '23:00'\nstarts = '2024-05-02'\n",
            "either start and end",
        ),
        (
            "[[alerts.maintenance]]\nstart = '22:00'\nend = '23:00'\nwhen = 1\n",
            "alerts.maintenance[0]: unknown keys when",
        ),
    ],
)
def test_a_bad_value_names_the_file_and_key_and_no_secret(
    tmp_path: Path, toml: str, says: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _settings(tmp_path, toml)
    assert says in str(raised.value)
    assert "SECRET" not in str(raised.value)


def test_a_bad_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="TRADEPERF_ALERT_DIGEST_PERIOD: day or week"):
        load_alert_settings(environ={"TRADEPERF_ALERT_DIGEST_PERIOD": "hourly"})


def test_a_recurring_window_across_midnight_on_its_weekdays(tmp_path: Path) -> None:
    s = _settings(
        tmp_path,
        "[[alerts.maintenance]]\nstart = '23:30'\nend = '00:30'\nweekdays = ['sat', 'sun']\n"
        "reason = 'weekly restart'\nrule = 'win_*'\n",
    )

    def at(day: int, hour: int, minute: int) -> dt.datetime:
        return dt.datetime(2024, 3, day, hour, minute, tzinfo=BERLIN)

    # Saturday 2024-03-30 23:30 .. Sunday 00:30 (DST starts that night at 02:00: not inside)
    (silence,) = s.silences_at(at(30, 23, 45), BERLIN)
    assert (silence.starts, silence.ends) == (at(30, 23, 30), at(31, 0, 30))
    assert silence.reason == "maintenance: weekly restart"
    assert silence.rule == "win_*"
    assert s.silences_at(at(31, 0, 10), BERLIN)  # Saturday's window, on Sunday
    assert s.silences_at(at(31, 0, 30), BERLIN) == []  # the end is exclusive
    assert s.silences_at(at(29, 23, 45), BERLIN) == []  # a Friday
    # Sunday's window runs into Monday
    assert s.silences_at(dt.datetime(2024, 4, 1, 0, 15, tzinfo=BERLIN), BERLIN)
    assert s.silences_at(dt.datetime(2024, 4, 1, 23, 45, tzinfo=BERLIN), BERLIN) == []


def test_a_window_once_local_or_with_an_offset(tmp_path: Path) -> None:
    s = _settings(
        tmp_path,
        "[[alerts.maintenance]]\nstarts = '2024-05-02T10:00'\nends = '2024-05-02T12:00'\n"
        "[[alerts.maintenance]]\nstarts = 2024-05-03T10:00:00Z\nends = 2024-05-03T11:00:00Z\n"
        "strategy = 'breakout'\n",
    )
    assert s.silences_at(dt.datetime(2024, 5, 2, 8, 30, tzinfo=dt.UTC), BERLIN)  # 10:30 local
    assert s.silences_at(dt.datetime(2024, 5, 2, 10, 30, tzinfo=dt.UTC), BERLIN) == []
    (silence,) = s.silences_at(dt.datetime(2024, 5, 3, 10, 30, tzinfo=dt.UTC), BERLIN)
    assert silence.strategy == "breakout"


def test_a_maintenance_window_holds_a_critical_alert_back_and_cron_passes(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    _store(tradeperf, tmp_path)
    end = START + dt.timedelta(hours=2 * len(PNLS))
    (tmp_path / "tradeperf.toml").write_text(
        "[targets]\nwindow = '10trades'\nmin_trades = 5\n"
        "[targets.win_rate]\nmin = 0.5\ncritical = 0.3\n"
        f"[[alerts.maintenance]]\nstarts = '{end.isoformat()}'\n"
        f"ends = '{(end + dt.timedelta(hours=1)).isoformat()}'\nreason = 'deploy'\n"
    )
    log = tmp_path / "logs" / "performance-alerts.jsonl"
    ran = tradeperf("alerts", "check", "--at", (end + dt.timedelta(minutes=5)).isoformat())
    assert ran.code == 0, ran.text  # critical, but in the window
    assert not log.exists()
    (alert,) = json.loads(tradeperf("alerts", "list", "--format", "json").out)
    assert alert["status"] == "silenced"
    # the window over, the alert still breached is delivered, and cron fails again
    ran = tradeperf("alerts", "check", "--at", (end + dt.timedelta(minutes=65)).isoformat())
    assert ran.code == 5, ran.text
    assert [json.loads(x)["kind"] for x in log.read_text().splitlines()] == ["unsilenced"]


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["08:00", "2h", "0.1", "none", "day", "week",
    "22:00", "sat", "2024-05-02T10:00", "http://h/x", "json://h/x", "*"]),
    st.times(), st.datetimes(),
)  # fmt: skip
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(sorted(_WINDOW_KEYS)), inner, max_size=4)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*sorted(_KEYS), "other"]), _VALUES, max_size=5))
def test_any_alerts_table_gives_settings_or_one_config_error(table: dict) -> None:
    from tradeperf.alerts.settings import AlertSettings, _resolve

    values = {k: (v, f"f.toml: alerts.{k}") for k, v in table.items() if k != "other"}
    try:
        got = _resolve(values)
    except ConfigError as exc:
        error = str(exc)
        got = None
    else:
        error = None
    if got is None:
        assert (error or "").startswith("f.toml: alerts.")
        return
    assert isinstance(got, AlertSettings)
    now = dt.datetime(2024, 5, 2, 12, tzinfo=dt.UTC)
    for s in got.silences_at(now, BERLIN):  # every window answers, none raises
        assert s.starts <= now < s.ends
