"""The paper exchange: a venue kept in the journal, for demos, replays and tests."""
