"""Chat front ends: adapters that carry decisions to `app.approvals` and never decide."""
