"""tradeperf: track the performance of trading.

Data flows one way: sources -> ingest -> store -> ledger -> analytics -> reports/CLI
(see ARCHITECTURE.md). The pure cores (`records`, `ledger`, `metrics`) import nothing of the
package but `records`.
"""

__version__ = "0.1.0"

__all__ = ["PerformanceTracker", "Tracker", "__version__", "generate_report"]


def __getattr__(name: str) -> object:
    """Export the Python API lazily, so that ``import tradeperf`` stays fast."""
    if name == "generate_report":
        from tradeperf.api import generate_report

        return generate_report
    if name in ("Tracker", "PerformanceTracker"):
        from tradeperf import tracker

        return getattr(tracker, name)
    raise AttributeError(f"module 'tradeperf' has no attribute {name!r}")
