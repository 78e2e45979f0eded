"""Readers of source files into validated Arrow records, with quarantine of bad rows."""
