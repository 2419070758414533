#!/usr/bin/env bash
# Tapegrad's seq-mnist recurrent step against libtorch's, alternating runs (Tapegrad, libtorch, Tapegrad, ...) so
# that both see the same machine load: prints one line per round with the 1-minute load before each run, the Adam
# step's samples/s on each side (wall, and from process CPU time, which a busy shared machine inflates less), the
# backward/forward ratio of each side and the ratios Tapegrad / libtorch, then the median ratios.
# Usage: ./compare-rnn.sh [ROUNDS=2] [CELL=lstm|gru|rnn] [TG_THREADS=1] [LT_THREADS=1] [ITERATIONS=20]
#   Tapegrad: bench --model CELL --threads TG_THREADS --iterations N   libtorch: ./run.sh rnn CELL LT_THREADS --iterations N
# Needs examples/target/tapegrad-examples.jar (./mvnw -o -B -ntp -q package -DskipTests at the repository root).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/../target/tapegrad-examples.jar"
rounds="${1:-2}" cell="${2:-lstm}" tg_threads="${3:-1}" lt_threads="${4:-1}" n="${5:-20}"
[ -f "$jar" ] || { echo "no $jar: run ./mvnw -o -B -ntp -q package -DskipTests at the repository root" >&2; exit 1; }
case "$cell" in lstm|gru|rnn) ;; *) echo "cell: lstm, gru or rnn" >&2; exit 2 ;; esac
load() { cut -d' ' -f1 /proc/loadavg; }
median() { sort -g | awk '{a[NR] = $1} END {print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
sps() { sed -E 's/.* ([0-9.]+) samples\/s.*/\1/' <<<"$1"; }
cpu() { sed -E 's/.*\(CPU ([0-9.]+) ms\).*/\1/' <<<"$1" | awk '{printf "%.0f", 128000 / $1}'; }
bwdfwd() { sed -E 's/.*backward\/forward ([0-9.-]+).*/\1/' <<<"$1"; }

printf '%5s %5s %5s | %-22s | %-22s | %-11s\n' round load load "train tg lt ratio" "train-cpu tg lt ratio" "bwd/fwd tg lt"
ratios="" ratios_cpu=""
for r in $(seq "$rounds"); do
  l1=$(load)
  out=$(java --add-modules jdk.incubator.vector -jar "$jar" bench --model "$cell" --threads "$tg_threads" \
    --iterations "$n" 2>/dev/null)
  tg_step=$(grep 'Adam step' <<<"$out") tg_fb=$(grep 'forward + backward' <<<"$out")
  l2=$(load)
  out=$(OFFLINE=1 "$here/run.sh" rnn "$cell" "$lt_threads" --iterations "$n" 2>/dev/null)
  lt_step=$(grep 'Adam step' <<<"$out") lt_fb=$(grep 'forward + backward' <<<"$out")
  a=$(sps "$tg_step") b=$(sps "$lt_step") c=$(cpu "$tg_step") d=$(cpu "$lt_step")
  rt=$(ratio "$a" "$b") rtc=$(ratio "$c" "$d")
  ratios+="$rt"$'\n' ratios_cpu+="$rtc"$'\n'
  printf '%5d %5s %5s | %6s %6s %6s   | %6s %6s %6s   | %5s %5s\n' "$r" "$l1" "$l2" "$a" "$b" "$rt" "$c" "$d" "$rtc" \
    "$(bwdfwd "$tg_fb")" "$(bwdfwd "$lt_fb")"
  echo "# libtorch: $(grep '^SUMMARY' <<<"$out")"
done
echo "median ratio Tapegrad ($tg_threads threads) / libtorch ($lt_threads threads), $cell step: train" \
  "$(median <<<"${ratios%$'\n'}") (CPU $(median <<<"${ratios_cpu%$'\n'}"))"
