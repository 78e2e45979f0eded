"""The published JSON Schemas of tradeperf's outputs."""
