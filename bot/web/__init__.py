"""The operator's dashboard: server-rendered pages, health, readiness and metrics (aiohttp + Jinja2)."""
