#!/usr/bin/env bash
# A/B of two builds of Tapegrad in one JVM (alternating rounds; a noisy shared host slows both alike).
# Usage: examples/ab/ab.sh MODEL(mlp|cnn|lstm|gru|rnn) ROUNDS STEPS step|fwd JAR_A JAR_B
#   e.g. examples/ab/ab.sh lstm 40 2 step /tmp/before.jar examples/target/tapegrad-examples.jar
# A jar is a shaded examples jar (./mvnw -o -B -ntp -q clean package -DskipTests, then copy it aside).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ $# -ge 6 ] || { sed -n 2,5p "$0" >&2; exit 2; }
model=$1 rounds=$2 steps=$3 mode=$4; shift 4
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
i=0
for jar in "$@"; do
  [ -f "$jar" ] || { echo "no such jar: $jar" >&2; exit 2; }
  mkdir -p "$work/probe-$i"
  javac -nowarn -d "$work/probe-$i" -cp "$jar" "$here/StepProbe.java"
  i=$((i + 1))
done
mkdir -p "$work/harness"
javac -d "$work/harness" "$here/StepAlt.java"
java --add-modules jdk.incubator.vector -Dab.probes="$work" -cp "$work/harness" StepAlt "$model" "$rounds" "$steps" "$mode" "$@" 2>&1 \
  | grep -v 'WARNING: Using incubator\|INFO  Matmul'
