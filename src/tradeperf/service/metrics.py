"""``GET /metrics``: the account's figures and the service's own, in Prometheus text format.

The figures are those of the dashboard's document (`tradeperf.service.figures`), read at
each scrape from the latest one computed (``tradeperf_figures_age_seconds`` says how old);
money is in the account currency (label ``currency``), ratios are fractions (0.1 = 10 %).
The names are those `deploy/` (the Grafana dashboard and the alert rules) reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from tradeperf.service.runtime import Service

__all__ = ["BUCKETS", "ServiceMetrics"]

#: Buckets of the request duration histogram, in seconds.
BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_MONEY: Final = (
    ("equity", "equity", "Equity: capital + cash flows + net P&L"),
    ("net_pnl", "net_pnl", "Net P&L (after fees)"),
    ("realized_pnl", "realized_pnl", "Realized P&L before fees (closed round trips)"),
    ("unrealized_pnl", "unrealized_pnl", "Unrealized P&L of the open positions"),
    ("fees", "fees", "Fees paid"),
    ("drawdown", "drawdown_abs", "Current drawdown from the peak of the daily equity"),
)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class _Figures(Collector):
    """Reads the service's latest figures at each scrape."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        service = self.service
        clients = GaugeMetricFamily("tradeperf_stream_clients", "Open /v1/stream connections")
        clients.add_metric([], service.hub.clients)
        yield clients
        age = service.figures_age
        if age is None:
            return
        doc = service.figures(wait=0)
        currency = str(doc["currency"])
        aged = GaugeMetricFamily(
            "tradeperf_figures_age_seconds", "Seconds since the figures were computed"
        )
        aged.add_metric([], age)
        yield aged
        head = doc["headline"]
        for name, key, text in _MONEY:
            value = _number(head.get(key))
            if value is not None:
                g = GaugeMetricFamily(f"tradeperf_{name}", text, labels=["currency"])
                g.add_metric([currency], value)
                yield g
        for name, key, text in (
            ("drawdown_ratio", "drawdown", "Current drawdown, a fraction of the peak"),
            ("max_drawdown_ratio", "max_drawdown", "Maximum drawdown, a fraction of the peak"),
            ("win_ratio", "win_rate", "Winning closed trades / closed trades"),
            ("trades", "trades", "Closed round trips"),
        ):
            value = _number(head.get(key))
            if value is not None:
                g = GaugeMetricFamily(f"tradeperf_{name}", text)
                g.add_metric([], value)
                yield g
        qty = GaugeMetricFamily(
            "tradeperf_position_quantity", "Signed open quantity", labels=["account", "symbol"]
        )
        unreal = GaugeMetricFamily(
            "tradeperf_position_unrealized_pnl",
            "Unrealized P&L of the position (its currency)",
            labels=["account", "symbol", "currency"],
        )
        for p in doc["positions"]:
            qty.add_metric([p["account"], p["symbol"]], float(p["quantity"]))
            value = _number(p.get("unrealized_pnl"))
            if value is not None:
                unreal.add_metric([p["account"], p["symbol"], str(p["currency"])], value)
        yield qty
        yield unreal
        net = GaugeMetricFamily(
            "tradeperf_strategy_net_pnl", "Net P&L per strategy", labels=["strategy", "currency"]
        )
        trades = GaugeMetricFamily(
            "tradeperf_strategy_trades", "Closed trades per strategy", labels=["strategy"]
        )
        wins = GaugeMetricFamily(
            "tradeperf_strategy_win_ratio", "Win rate per strategy", labels=["strategy"]
        )
        mdd = GaugeMetricFamily(
            "tradeperf_strategy_max_drawdown_ratio",
            "Maximum drawdown per strategy, a fraction",
            labels=["strategy"],
        )
        for g in doc["by_strategy"]:
            name = str(g["name"])
            for family, value, labels in (
                (net, g.get("net_pnl"), [name, currency]),
                (trades, g.get("trades"), [name]),
                (wins, g.get("win_rate"), [name]),
                (mdd, g.get("max_drawdown"), [name]),
            ):
                number = _number(value)
                if number is not None:
                    family.add_metric(labels, number)
        yield from (net, trades, wins, mdd)
        symbols = GaugeMetricFamily(
            "tradeperf_symbol_net_pnl", "Net P&L per symbol", labels=["symbol", "currency"]
        )
        for g in doc["by_symbol"]:
            number = _number(g.get("net_pnl"))
            if number is not None:
                symbols.add_metric([str(g["name"]), currency], number)
        yield symbols
        firing = GaugeMetricFamily(
            "tradeperf_alerts_firing", "Firing alerts by severity", labels=["severity"]
        )
        counts = {"info": 0, "warning": 0, "critical": 0}
        for a in doc["alerts"]:
            if a["status"] == "firing":
                counts[a["severity"]] = counts.get(a["severity"], 0) + 1
        for severity, n in counts.items():
            firing.add_metric([severity], n)
        yield firing


class _Counts(Collector):
    """The service's counts of records ingested and batches refused."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily

        counters = self.service.counters
        ingested = CounterMetricFamily(
            "tradeperf_records_ingested", "Records booked through the API", labels=["kind"]
        )
        for kind, n in sorted(counters.ingested.items()):
            ingested.add_metric([kind], n)
        yield ingested
        rejected = CounterMetricFamily(
            "tradeperf_batches_rejected", "Batches refused whole", labels=["kind", "reason"]
        )
        for (kind, reason), n in sorted(counters.rejected.items()):
            rejected.add_metric([kind, reason], n)
        yield rejected


class ServiceMetrics:
    """The service's registry: its figures, counts and request metrics.

    Examples
    --------
    >>> from prometheus_client import generate_latest
    >>> m = ServiceMetrics(None)
    >>> m.observe("GET", "/v1/summary", 200, 0.012)
    >>> 'route="/v1/summary"' in generate_latest(m.registry).decode()
    True
    """

    def __init__(self, service: Service | None) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        if service is not None:
            self.registry.register(_Figures(service))
            self.registry.register(_Counts(service))
        self.requests = Counter(
            "tradeperf_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "tradeperf_http_request_duration_seconds",
            "Time to answer an HTTP request (a stream: until its headers)",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)
