"""The ``tradeperf`` command-line interface (`tradeperf.cli.app`) and its documentation."""
