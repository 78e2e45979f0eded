"""Performance analytics: booking fills into trades, calendar windows, FX and summary figures."""
