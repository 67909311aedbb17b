"""Exact money: integer 分 in the database, yuan with two decimals when shown."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def to_fen(yuan: Decimal | int | float | str) -> int:
    """Yuan to integer 分, rounding half up at the 分."""
    value = Decimal(str(yuan)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(value * 100)


def to_yuan(fen: int | None) -> float:
    """Integer 分 to a float of yuan with at most two decimals (for JSON and cells)."""
    return float(Decimal(fen or 0) / 100)


def format_yuan(fen: int | None) -> str:
    """``12,345.60`` for display."""
    return f"{Decimal(fen or 0) / 100:,.2f}"
