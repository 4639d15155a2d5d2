"""Use cases: the only place that wires venues, journal and domain together for the front ends."""
