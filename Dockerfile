# The worker image: `docker build -t mentoring .` then see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MENTORING_HOME=/data

WORKDIR /app
RUN useradd --create-home --uid 10001 mentoring && mkdir -p /data && chown mentoring /data

# Dependencies first (pinned), so code changes do not reinstall them.
COPY requirements.lock ./
# requirements.lock already pins psycopg (the `postgres` extra) for PostgreSQL.
RUN pip install --no-cache-dir -r requirements.lock

COPY pyproject.toml README.md ./
COPY service ./service
COPY handlers ./handlers
COPY jobs ./jobs
COPY config ./config
COPY mail_templates ./mail_templates
RUN pip install --no-cache-dir --no-deps -e .

USER mentoring
VOLUME ["/data"]
# Migrate (safe to repeat), then run a worker with the scheduler. `exec` makes the
# worker PID 1, so `docker stop`'s SIGTERM reaches it and it finishes the job in hand.
CMD ["sh", "-c", "mentoring init && exec mentoring worker --with-scheduler"]
