"""The long-lived watch: the loop, its clocks and replay, its journal, notifications."""
