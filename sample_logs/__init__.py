"""Bundled sample usage logs of every supported format (the default dashboard data)."""
