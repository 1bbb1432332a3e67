"""Argument types shared by every `badia` subcommand: checked whole numbers with plain messages."""

from __future__ import annotations

import argparse
import re


def whole_number(minimum: int, maximum: int | None = None):  # noqa: ANN201 - an argparse type callable
    """An argparse `type=` that accepts whole numbers >= `minimum` (and <= `maximum` if given)."""
    expected = (f"a whole number between {minimum} and {maximum}" if maximum is not None
                else f"a whole number >= {minimum}")

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, found {text[:40]!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {expected}, found {value}")
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


SCHEDULER_EXAMPLE = "tcp://10.0.0.5:8786"
_SCHEDULER = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})/?$")


def scheduler_address(text: str) -> str:
    """An argparse `type=` for a Dask scheduler address: [PROTOCOL://]HOST:PORT, e.g. tcp://10.0.0.5:8786.

    Only the form is checked here; whether a scheduler answers there is checked when the batch connects.
    """
    match = _SCHEDULER.match(text.strip())
    if match is None or not 0 < int(match.group(1)) < 65536:
        raise argparse.ArgumentTypeError(f"expected a Dask scheduler address PROTOCOL://HOST:PORT such as "
                                         f"{SCHEDULER_EXAMPLE}, found {text[:60]!r}")
    return text.strip()


_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def host_name(text: str) -> str:
    """An argparse `type=` for an address to serve on: an IPv4 or IPv6 address, or a host name (RFC 1123)."""
    import ipaddress

    host = text.strip()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if 0 < len(host) <= 253 and all(_LABEL.match(label) for label in host.rstrip(".").split(".")):
        return host
    raise argparse.ArgumentTypeError(f"expected a host name or IP address such as 127.0.0.1, localhost or 0.0.0.0, "
                                     f"found {text[:60]!r}")
