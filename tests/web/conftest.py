"""The dashboard tests' fixtures (built in dashboard_world)."""

from tests.web.dashboard_world import artifacts, dashboard

__all__ = ["artifacts", "dashboard"]
