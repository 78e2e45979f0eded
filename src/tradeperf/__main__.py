"""`python -m tradeperf` runs the same command line as the `tradeperf` script."""

from tradeperf.cli.app import main

if __name__ == "__main__":
    main()
