# syntax=docker/dockerfile:1
# mock-lykke in a container: the same `mock-lykke serve`, listening on 0.0.0.0 (docs/ci.md).
#
#   docker build -t mock-lykke .
#   docker run --rm -p 5000:5000 -p 5001:5001 mock-lykke            # the embedded demo world
#   docker run --rm -v "$PWD/s:/s" -p 5000:5000 -p 5001:5001 mock-lykke \
#       serve --scenario /s/x.yaml --tls --tls-name lykke
#
# Without a registry: build FROM any image with python3 (>= 3.11) and its venv module,
# and libstdc++ (for grpcio): ci/container-test.sh makes one from Debian packages
# (--build-arg BASE=...).
ARG BASE=python:3.12-slim

# --- build: the package and its runtime dependencies in a venv -----------------------------
FROM ${BASE} AS build
LABEL org.mock-lykke.stage=build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mock_lykke ./mock_lykke
# Two optional secrets let pip reach its index as the host does (ci/container-test.sh passes
# them; neither lands in a layer): "pip-conf", a pip.conf (index-url, extra-index-url), and
# "pip-ca", a CA bundle to trust (e.g. the host's, when a proxy has its own root).
RUN --mount=type=secret,id=pip-conf --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-conf ]; then export PIP_CONFIG_FILE=/run/secrets/pip-conf; fi \
 && if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && python3 -m venv /opt/mock-lykke \
 && /opt/mock-lykke/bin/python -m pip install --no-cache-dir --disable-pip-version-check \
        --no-warn-script-location /src \
 && /opt/mock-lykke/bin/python -m pip uninstall --yes --quiet setuptools pip \
 && /opt/mock-lykke/bin/mock-lykke validate /src/mock_lykke/scenarios/default.yaml

# --- runtime: the venv, the example scenarios, a non-root user ------------------------------
FROM ${BASE}
# /tls: where `serve --tls --tls-dir /tls` can write its CA for other containers (a volume)
RUN groupadd --gid 10001 mock \
 && useradd --uid 10001 --gid mock --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin mock \
 && mkdir /tls && chown mock:mock /tls
COPY --from=build /opt/mock-lykke /opt/mock-lykke
COPY scenarios /scenarios
# serve's defaults (read by the CLI; any command-line option still wins)
ENV PATH=/opt/mock-lykke/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MOCK_LYKKE_HOST=0.0.0.0 \
    MOCK_LYKKE_REST_PORT=5000 \
    MOCK_LYKKE_GRPC_PORT=5001 \
    MOCK_LYKKE_SESSION_PORTS=6100-6199 \
    MOCK_LYKKE_SESSION_SCENARIOS=/scenarios \
    MOCK_LYKKE_READY_FILE=/tmp/mock-lykke-ready.json \
    MOCK_LYKKE_ALLOW_HOST=*
# MOCK_LYKKE_ALLOW_HOST is the default of serve's --allow-host (the control API's Host check;
# '*' = any, so /_mock works through a service name).
USER 10001:10001
WORKDIR /scenarios
EXPOSE 5000 5001 6100-6199
# Healthy = the scenario is loaded and both ports serve (the endpoints and CA come from the
# ready file serve writes, so this holds with --tls and other ports too).
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=3 \
    CMD ["mock-lykke", "health", "--timeout", "2", "--quiet"]
ENTRYPOINT ["mock-lykke"]
CMD ["serve"]
