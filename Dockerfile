# newsdigest: `newsdigest serve` (inbox pickup, scheduled digests, Slack/Discord/console) in one container.
#
#   docker build -t newsdigest .
#   docker run -v newsdigest-data:/data -e SLACK_BOT_TOKEN=... -e SLACK_SIGNING_SECRET=... -p 3000:3000 newsdigest
#
# Dumps dropped into /data/inbox (write then rename) are ingested; the SQLite database lives in /data.
# Point NEWSDIGEST_DATABASE_URL at PostgreSQL to run several replicas. Nothing is downloaded at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Installs the wheel (`pip install .`, no test extras); tests/e2e/test_wheel.py builds that same wheel
# in CI and runs the demo from it, outside the checkout.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY summarizer ./summarizer
COPY config ./config
RUN pip install . \
    && newsdigest --version \
    && cd / && rm -rf /src

# An unprivileged user owns /data; the image runs nothing as root.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin newsdigest \
    && mkdir -p /data/inbox \
    && chown -R newsdigest:newsdigest /data

# Database (newsdigest.sqlite3) and inbox (inbox/) both default to places under the data directory.
ENV NEWSDIGEST_DATA_DIR=/data
VOLUME ["/data"]
WORKDIR /data
USER newsdigest
# Slack's HTTP mode (Events API and slash commands, plus the dashboard on the same server); unused with
# Socket Mode, Discord or the console.
EXPOSE 3000
# The dashboard, /healthz, /readyz and /metrics when Slack's HTTP server is not running. It listens on
# 127.0.0.1 unless NEWSDIGEST_WEB__HOST=0.0.0.0, which needs NEWSDIGEST_ADMIN_PASSWORD (or _TOKEN).
EXPOSE 8080

# Asks the running serve's /healthz (database reachable) on whichever port serve chose.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["newsdigest", "healthcheck"]

ENTRYPOINT ["newsdigest"]
CMD ["serve"]
