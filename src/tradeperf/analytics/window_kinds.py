"""The calendar window kinds, apart from the window arithmetic.

Kept apart so that naming a kind (a CLI option, a setting) loads no array library.
"""

from __future__ import annotations

import enum


class WindowKind(enum.StrEnum):
    """The calendar windows a summary is broken into."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
