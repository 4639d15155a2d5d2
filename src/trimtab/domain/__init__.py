"""The pure core: models, drift, bands, triggers, planner, futures maths. No I/O."""
