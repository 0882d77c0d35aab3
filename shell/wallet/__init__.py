"""The wallet: a local currency on a double-entry ledger in integer yen."""
