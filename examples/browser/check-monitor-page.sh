#!/usr/bin/env bash
# The gradient monitor's HTML page in headless Chromium: trains a small monitored MNIST run, checks the DOM the
# browser builds and writes a screenshot. Needs examples/target/tapegrad-examples.jar (./mvnw -B -ntp -q package
# -DskipTests) and Chromium (Debian: apt-get install chromium; or CHROMIUM=/path/to/chrome); skips without it.
# Usage: examples/browser/check-monitor-page.sh [OUT_DIR]   (default: a new temporary folder)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$(mktemp -d -t tapegrad-monitor-page.XXXXXX)}"
exec java --add-modules jdk.incubator.vector -cp "$root/examples/target/tapegrad-examples.jar" \
    org.tapegrad.examples.MonitorPageCheck "$out"
