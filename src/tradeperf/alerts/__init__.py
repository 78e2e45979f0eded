"""Alerts against targets: the targets a user sets and the rules evaluated on the summaries."""
