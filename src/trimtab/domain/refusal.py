"""An expected refusal as a value: a code a program can test and a sentence a person reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why something was not done (a plan, an order, an approval)."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
