"""Price history for the backtest: files (CSV, Parquet) and exchange candles through ccxt."""
