"""The dashboard tests' fixtures (built in dashboard_world)."""

from tests.web.dashboard_world import artifacts, browser, dashboard

__all__ = ["artifacts", "browser", "dashboard"]
