"""Where snapshots come from and orders go: the ccxt adapter and the paper exchange."""
