"""Exact money: integer 分 in the database, yuan with two decimals when shown."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from models.errors import ValidationError

#: no single amount of a township's records comes near this (一千亿元)
LIMIT_YUAN = Decimal(10) ** 11


def to_fen(yuan: Decimal | int | float | str) -> int:
    """Yuan to integer 分, rounding half up at the 分.

    Raises ValueError (with a Chinese sentence) for text that is not a number, for NaN or
    infinity, and for amounts beyond any township's records."""
    text = str(yuan).replace(",", "").replace("，", "").strip() if isinstance(yuan, str) else yuan
    try:
        value = Decimal(str(text).strip() or "0")
    except InvalidOperation as err:
        raise ValueError(f"金额“{yuan}”不是数字") from err
    if not value.is_finite() or abs(value) >= LIMIT_YUAN:
        raise ValueError(f"金额“{yuan}”不合理，请核对")
    return int(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


def parse_fen(yuan: Decimal | int | float | str, label: str) -> int:
    """``to_fen`` for a dialog field: ValidationError naming ``label`` when unreadable."""
    try:
        return to_fen(yuan)
    except ValueError as err:
        raise ValidationError(label, str(err)) from err


def to_yuan(fen: int | None) -> float:
    """Integer 分 to a float of yuan with at most two decimals (for JSON and cells)."""
    return float(Decimal(fen or 0) / 100)


def yuan_text(fen: int | None) -> str:
    """``12.5`` for 1250 分: the exact amount as a dialog field holds it ("" for nothing)."""
    return str(Decimal(fen) / 100) if fen else ""


def format_yuan(fen: int | None) -> str:
    """``12,345.60`` for display."""
    return f"{Decimal(fen or 0) / 100:,.2f}"
