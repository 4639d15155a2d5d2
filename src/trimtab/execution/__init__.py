"""Sending a plan exactly once: states and transitions, executor, guards, reconciliation."""
