"""The journal: everything trimtab saw, planned, sent and heard back, never deleted."""
