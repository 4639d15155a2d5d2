"""The backtest tests' session fixture: seeded synthetic closes."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.builders import synthetic_prices


@pytest.fixture(scope="session")
def prices() -> pd.DataFrame:
    return synthetic_prices()
