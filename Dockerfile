# Payment Gateway Sandbox container image.
#
#   docker build -t payment-gateway-sandbox .
#   docker run --rm -p 8080:8080 \
#     -e SANDBOX_CALLBACK_ORIGIN=http://host.docker.internal:3000 payment-gateway-sandbox
#
# State is in memory by default. To keep it across restarts, put the SQLite file on the volume:
#   docker run --rm -p 8080:8080 -v sandbox-data:/data \
#     -e SANDBOX_DB=/data/sandbox.db payment-gateway-sandbox
#
# tests/integration/test_dockerfile.py lints this file with hadolint and runs its pip install
# command, ENV, CMD and HEALTHCHECK in a fresh virtual environment (no Docker engine needed).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    SANDBOX_HOST=0.0.0.0 \
    SANDBOX_PORT=8080

RUN groupadd --gid 10001 sandbox \
    && useradd --create-home --no-log-init --uid 10001 --gid sandbox sandbox \
    && install -d -o sandbox -g sandbox /data

WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .

# The numeric id of the "sandbox" user created above (hadolint DL3066: names may not resolve).
USER 10001:10001
VOLUME /data
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_sandbox/health' % os.environ.get('SANDBOX_PORT', '8080'), timeout=4)"]

CMD ["sandbox", "serve"]
