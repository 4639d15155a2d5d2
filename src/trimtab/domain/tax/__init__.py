"""Tax lots and the tax a plan would realise: an estimate, never tax advice.

`settings` holds the policy's `[tax]` table, `lots` the ledger (acquisitions,
disposals, transfers) and the lot-selection methods, `estimate` the tax of a
plan's sell orders and of the hedge alternative.
"""
