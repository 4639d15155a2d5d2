"""trimtab's own venue errors: what the caller may do next, not what the venue said.

The ccxt adapter translates ccxt's exceptions into these once, by the
operation first (a read, a cancel, a placement) and the exception second, so
that nothing above the venue layer needs to know ccxt. Messages never carry
credentials: the adapter scrubs them before raising.
"""

from __future__ import annotations


class VenueError(Exception):
    """Base of every venue failure; `venue` and `operation` say where it happened."""

    def __init__(self, venue: str, operation: str, message: str) -> None:
        super().__init__(f"{venue} {operation}: {message}")
        self.venue = venue
        self.operation = operation


class Retryable(VenueError):
    """A read or a cancel that failed transiently (network, rate limit): retry with backoff."""


class OutcomeUnknown(VenueError):
    """A placement that may have reached the venue: resolve it by lookup, never resend."""


class Rejected(VenueError):
    """The venue refused the request (insufficient funds, invalid order): stop and report."""


class InsufficientFunds(Rejected):
    """The venue refused an order for lack of balance."""


class Fatal(VenueError):
    """Nothing to retry: bad credentials, unsupported operation, unknown exchange."""
