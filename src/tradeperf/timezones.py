"""IANA timezones by name, checked once for every layer (settings, store, windows)."""

from __future__ import annotations

import zoneinfo

from tradeperf.errors import ConfigError

__all__ = ["resolve_timezone"]


def resolve_timezone(name: str) -> zoneinfo.ZoneInfo:
    """Return the IANA timezone called ``name`` (``"UTC"``, ``"Europe/London"``).

    Parameters
    ----------
    name
        The IANA name of the timezone, such as ``"UTC"`` or ``"Europe/London"``.

    Raises
    ------
    ConfigError
        If no such timezone exists.

    Examples
    --------
    >>> resolve_timezone("Europe/London").key
    'Europe/London'
    """
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"unknown timezone {name!r}: use an IANA name such as 'UTC' or 'Europe/London'"
        ) from None
