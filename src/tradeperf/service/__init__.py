"""The service: HTTP API, live dashboard and Prometheus metrics over the tracker (FastAPI).

`tradeperf serve` runs it (`tradeperf.service.server.serve`); `create_app` builds the ASGI
application of a `Service`. Rules: docs/service.md.
"""
