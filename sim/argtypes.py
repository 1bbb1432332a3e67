"""Argument types shared by every `badia` subcommand: checked whole numbers with plain messages."""

from __future__ import annotations

import argparse


def whole_number(minimum: int):  # noqa: ANN201 - an argparse type callable
    """An argparse `type=` that accepts whole numbers >= `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, found {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, found {value}")
        return value

    return parse


positive_int = whole_number(1)
seed_int = whole_number(0)


def iso_date(text: str) -> str:
    """An argparse `type=` that accepts an ISO date (2017-05-27) and returns it normalised."""
    from datetime import date

    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2017-05-27, found {text!r}") from None
