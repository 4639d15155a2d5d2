"""Many portfolios checked against one price tick, as arrays (issue 16)."""
