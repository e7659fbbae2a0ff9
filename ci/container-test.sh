#!/usr/bin/env bash
# Build the mock-lykke image with podman and test it for real: the image's health check, a
# gRPC and a REST call from the host, a session created and used, a clean stop. Prints the
# image size and the time from `podman run` to healthy (docs/performance.md).
#
#   ci/container-test.sh                          # base image made from Debian packages
#   BASE_IMAGE=python:3.12-slim ci/container-test.sh   # base from a registry instead
#
# Environment: PYTHON (a python with this project installed, for the host-side calls;
# default python3), IMAGE (default localhost/mock-lykke:test), REBUILD_BASE=1 (remake the
# Debian base even if it exists), KEEP_IMAGE=1 (do not remove the image at the end).
# Needs podman; without BASE_IMAGE also mmdebstrap. Exit 0 only if every step passed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
IMAGE=${IMAGE:-localhost/mock-lykke:test}
DEBIAN_BASE=localhost/mock-lykke-base:bookworm
NAME=mock-lykke-ct-$$
WORK=$(mktemp -d)
say() { printf '== %s\n' "$*"; }
# podman without systemd logs an error for each HEALTHCHECK timer it cannot set: known, dropped
no_timer_noise() { "$@" 2> >(grep -v 'systemd connection' >&2); }
since() { "$PYTHON" -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.2f}")' "$1"; }
mb() { "$PYTHON" -c 'import sys; print(f"{int(sys.argv[1]) / 1e6:.1f}")' "$1"; }
cleanup() {
    podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
    [ -n "${KEEP_IMAGE:-}" ] || podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- podman on a CI host --------------------------------------------------------------------
# Hybrid cgroups (v1 with a v2 mount) defeat crun: use runc when it is there.
if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] && command -v runc >/dev/null; then
    printf '[engine]\nruntime = "runc"\n' >"$WORK/containers.conf"
    export CONTAINERS_CONF="$WORK/containers.conf"
    say "cgroups v1/hybrid: runtime runc"
fi
# Some hosts forbid raising rlimits, and podman asks for more than the host gives by default.
nofile=$(ulimit -n)
nproc=$(ulimit -u); [ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ] && nproc=4096
ULIMITS=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

# --- the base image -------------------------------------------------------------------------
debian_base() {
    if [ -z "${REBUILD_BASE:-}" ] && podman image exists "$DEBIAN_BASE"; then
        say "base: $DEBIAN_BASE (exists; REBUILD_BASE=1 remakes it)"; return
    fi
    # the host's own Debian sources and apt options (proxy, snapshot dates)
    local sources=() opts=() f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && grep -qs '^[^#]*bookworm' "$f" && grep -qsi debian "$f" && sources+=("$f")
    done
    while IFS= read -r line; do opts+=(--aptopt="$line"); done < <(apt-config dump 2>/dev/null |
        grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date) ' || true)
    say "base: mmdebstrap bookworm (python3, venv) from ${sources[*]:-the default mirror}"
    local t0=$SECONDS
    mmdebstrap --quiet --variant=essential --include=python3,python3-venv,libstdc++6,passwd \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
        "${opts[@]}" bookworm "$WORK/rootfs.tar" "${sources[@]}"
    podman import --quiet --change 'CMD ["python3"]' "$WORK/rootfs.tar" "$DEBIAN_BASE" >/dev/null
    rm -f "$WORK/rootfs.tar"
    say "base built in $((SECONDS - t0)) s"
}
if [ -n "${BASE_IMAGE:-}" ]; then
    BASE=$BASE_IMAGE; say "base: $BASE"
else
    debian_base; BASE=$DEBIAN_BASE
fi

# --- pip inside the build reaches its index as the host does ---------------------------------
pip_setting() {   # the host's pip setting $1: environment $2 first, then `pip config`
    local value=${!2:-}
    [ -n "$value" ] || value=$("$PYTHON" -m pip config list 2>/dev/null |
        sed -n "s/^[^.]*\.$1='\(.*\)'$/\1/p" | tail -1 || true)
    printf '%s' "$value"
}
BUILD_ARGS=(--build-arg "BASE=$BASE")
index=$(pip_setting index-url PIP_INDEX_URL)
# local (file:) indexes and find-links folders do not exist inside the build: http(s) only
extra=$(printf '%s\n' $(pip_setting extra-index-url PIP_EXTRA_INDEX_URL) | grep -E '^https?://' |
    paste -sd' ' || true)
{ echo "[global]"
  case $index in http://*|https://*) echo "index-url = $index" ;; esac
  [ -z "$extra" ] || echo "extra-index-url = $extra"
} >"$WORK/pip.conf"
BUILD_ARGS+=(--secret "id=pip-conf,src=$WORK/pip.conf")
for f in "$(pip_setting cert PIP_CERT)" "${REQUESTS_CA_BUNDLE:-}" "${SSL_CERT_FILE:-}" \
         /etc/ssl/certs/ca-certificates.crt; do
    if [ -n "$f" ] && [ -s "$f" ]; then BUILD_ARGS+=(--secret "id=pip-ca,src=$f"); break; fi
done

# --- build ----------------------------------------------------------------------------------
say "build $IMAGE"
t0=$(date +%s.%N)
# docker format: OCI images drop HEALTHCHECK
podman build --quiet --format docker "${ULIMITS[@]}" "${BUILD_ARGS[@]}" -t "$IMAGE" . >/dev/null
podman image prune --force --filter label=org.mock-lykke.stage=build >/dev/null
build_s=$(since "$t0")
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
base_size=$(podman image inspect --format '{{.Size}}' "$BASE")
say "built in $build_s s: $(mb "$size") MB (base $(mb "$base_size") MB)"
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
[ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] \
    || { echo "FAIL: the image runs as root ('$user')"; exit 1; }

# --- run, healthy, calls from the host, a session, stop -------------------------------------
SESSION_PORTS=6100-6104                # published 1:1, so a session's ports work from here
say "run"
t0=$(date +%s.%N)
no_timer_noise podman run -d --name "$NAME" "${ULIMITS[@]}" -e MOCK_LYKKE_SESSION_PORTS=$SESSION_PORTS \
    -p 127.0.0.1::5000 -p 127.0.0.1::5001 -p "127.0.0.1:$SESSION_PORTS:$SESSION_PORTS" \
    "$IMAGE" >/dev/null
rest_port=$(podman port "$NAME" 5000/tcp | sed 's/.*://')
grpc_port=$(podman port "$NAME" 5001/tcp | sed 's/.*://')
# from the host, through the published ports; give up early if the container exits
for attempt in $(seq 30); do
    "$PYTHON" -m mock_lykke.cli health --quiet --timeout 2 \
        --grpc "127.0.0.1:$grpc_port" --rest "http://127.0.0.1:$rest_port" 2>"$WORK/health.err" \
        && break
    if [ "$(podman inspect --format '{{.State.Running}}' "$NAME")" != true ] || [ "$attempt" = 30 ]; then
        cat "$WORK/health.err"; podman logs "$NAME"; echo "FAIL: never healthy"; exit 1
    fi
done
healthy_s=$(since "$t0")
say "healthy from the host $healthy_s s after podman run"
# the image's own HEALTHCHECK (its timers need systemd, so run it once here)
podman healthcheck run "$NAME" || { echo "FAIL: the image's HEALTHCHECK"; podman logs "$NAME"; exit 1; }
say "HEALTHCHECK: healthy"
podman exec "$NAME" cat /tmp/mock-lykke-ready.json >"$WORK/ready.json"
[ "$(podman exec "$NAME" id -u)" != 0 ] || { echo "FAIL: serving as root"; exit 1; }

"$PYTHON" ci/container_check.py "$WORK/ready.json" "127.0.0.1:$grpc_port" \
    "http://127.0.0.1:$rest_port" "${SESSION_SCENARIO:-basic}"

say "stop"
no_timer_noise podman stop -t 10 "$NAME" >/dev/null
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME")
podman logs "$NAME" >"$WORK/main.log" 2>&1
grep -q 'mock-lykke: stopping' "$WORK/main.log" && [ "$code" = 0 ] \
    || { echo "FAIL: no clean stop (exit $code)"; podman logs "$NAME"; exit 1; }
say "stopped cleanly"
# --- TLS, a shipped scenario, the HEALTHCHECK reading the CA from the ready file ------------
say "run serve --scenario basic.yaml --tls"
no_timer_noise podman run -d --name "$NAME-tls" "${ULIMITS[@]}" -p 127.0.0.1::5000 -p 127.0.0.1::5001 \
    "$IMAGE" serve --scenario basic.yaml --tls --tls-name lykke --tls-dir /tmp/tls >/dev/null
trap 'podman rm -f -t 0 "$NAME-tls" >/dev/null 2>&1 || true; cleanup' EXIT
for attempt in $(seq 30); do
    podman healthcheck run "$NAME-tls" >/dev/null 2>&1 && break
    if [ "$(podman inspect --format '{{.State.Running}}' "$NAME-tls")" != true ] || [ "$attempt" = 30 ]; then
        podman logs "$NAME-tls"; echo "FAIL: the TLS container never became healthy"; exit 1
    fi
done
podman cp "$NAME-tls:/tmp/tls/mock-lykke-ca.pem" "$WORK/ca.pem"
"$PYTHON" -m mock_lykke.cli health --timeout 10 --ca "$WORK/ca.pem" \
    --grpc "127.0.0.1:$(podman port "$NAME-tls" 5001/tcp | sed 's/.*://')" \
    --rest "https://127.0.0.1:$(podman port "$NAME-tls" 5000/tcp | sed 's/.*://')" \
    || { podman logs "$NAME-tls"; echo "FAIL: TLS from the host"; exit 1; }
podman logs "$NAME-tls" >"$WORK/tls.log" 2>&1
grep -q 'ready: scenario basic.yaml' "$WORK/tls.log" \
    || { echo "FAIL: not the shipped basic.yaml"; exit 1; }
no_timer_noise podman stop -t 10 "$NAME-tls" >/dev/null
say "TLS: healthy inside (HEALTHCHECK) and from the host with the CA taken out"

echo "{\"image_mb\": $(mb "$size"), \"base_mb\": $(mb "$base_size"), \"build_s\": $build_s, \"start_to_healthy_s\": $healthy_s}"
say "container test passed"
