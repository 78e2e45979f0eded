"""tradeperf: track the performance of trading.

Data flows one way: sources -> ingest -> store -> ledger -> analytics -> reports/CLI
(see ARCHITECTURE.md). The pure cores (`records`, `ledger`, `metrics`) import nothing of the
package but `records`.
"""

__version__ = "0.1.0"
