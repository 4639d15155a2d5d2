"""What a snapshot means under a policy: drift, futures exposure, margin, funding, triggers."""
