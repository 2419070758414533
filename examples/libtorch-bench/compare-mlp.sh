#!/usr/bin/env bash
# Tapegrad's `bench` MLP (784-256-256-256-10, batch 128, float32) against libtorch's twin, alternating runs
# (Tapegrad, libtorch, Tapegrad, ...) so that both see the same machine load. Prints one line per round with the
# 1-minute load before each run, training and inference samples/s (medians over epochs 2..N) and the ratios
# Tapegrad / libtorch, then the median ratios.
# Usage: ./compare-mlp.sh [ROUNDS=2] [OPTIMIZER=sgd|adam] [TG_THREADS=1] [LT_THREADS=1] [EPOCHS=4]
#   sgd is SGD with momentum 0.9 on both sides (Tapegrad's `bench --optimizer momentum`).
# Needs examples/target/tapegrad-examples.jar (./mvnw -o -B -ntp -q package -DskipTests at the repository root).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/../target/tapegrad-examples.jar"
rounds="${1:-2}" optim="${2:-sgd}" tg_threads="${3:-1}" lt_threads="${4:-1}" epochs="${5:-4}"
[ -f "$jar" ] || { echo "no $jar: run ./mvnw -o -B -ntp -q package -DskipTests at the repository root" >&2; exit 1; }
case "$optim" in sgd) tg_optim=momentum ;; adam) tg_optim=adam ;; *) echo "optimizer: sgd or adam" >&2; exit 2 ;; esac
load() { cut -d' ' -f1 /proc/loadavg; }
median() { sort -g | awk '{a[NR] = $1} END {print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
json() { python3 -c "import json, sys; print(round(json.load(sys.stdin)['$1']))" <<<"$2"; }

printf '%5s %5s %5s | %-24s | %-24s\n' round load load "train tg lt ratio" "infer tg lt ratio"
ratios_train="" ratios_infer=""
for r in $(seq "$rounds"); do
  l1=$(load)
  out=$(java --add-modules jdk.incubator.vector -jar "$jar" bench --optimizer "$tg_optim" --threads "$tg_threads" \
    --epochs "$epochs" 2>/dev/null)
  a=$(json train_samples_per_sec "$out") e=$(json infer_samples_per_sec "$out")
  echo "# tapegrad: $out"
  l2=$(load)
  out=$(OFFLINE=1 "$here/run.sh" mlp "$optim" "$lt_threads" "$epochs" 2>/dev/null | grep '^SUMMARY')
  b=$(sed -E 's/.* train_sps_median=([0-9.]+).*/\1/' <<<"$out") f=$(sed -E 's/.* infer_sps_median=([0-9.]+).*/\1/' <<<"$out")
  echo "# libtorch: $out"
  rt=$(ratio "$a" "$b") ri=$(ratio "$e" "$f")
  ratios_train+="$rt"$'\n' ratios_infer+="$ri"$'\n'
  printf '%5d %5s %5s | %7s %7s %6s   | %7s %7s %6s\n' "$r" "$l1" "$l2" "$a" "$b" "$rt" "$e" "$f" "$ri"
done
echo "median ratio Tapegrad ($tg_threads threads) / libtorch ($lt_threads threads), $optim: train" \
  "$(median <<<"${ratios_train%$'\n'}"), inference $(median <<<"${ratios_infer%$'\n'}")"
