#!/usr/bin/env bash
# Tapegrad's mnist CNN against libtorch's, alternating runs (Tapegrad, libtorch, Tapegrad, libtorch, ...) so that
# both see the same machine load; prints one line per round with the 1-minute load before each run, the figures and
# the ratios Tapegrad / libtorch, then the median ratios. Step mode also turns each side's process CPU time per run
# into samples/s ("cpu" columns): on a busy shared machine that figure moves far less than the wall-clock one.
# Usage: ./compare-cnn.sh [ROUNDS=2] [THREADS=1] [step|epochs] [N]
#   step   (default): bench --model cnn --iterations N (default 20)   vs ./run.sh cnn THREADS --iterations N
#   epochs          : mnist --model cnn --optimizer sgd --lr 0.01 --epochs N (default 3; median samples/s over epochs
#                     2..N)                                            vs ./run.sh cnn THREADS --epochs N
# Needs examples/target/tapegrad-examples.jar (./mvnw -o -B -ntp -q package -DskipTests at the repository root).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/../target/tapegrad-examples.jar"
rounds="${1:-2}" threads="${2:-1}" mode="${3:-step}"
[ -f "$jar" ] || { echo "no $jar: run ./mvnw -o -B -ntp -q package -DskipTests at the repository root" >&2; exit 1; }
tapegrad() { java --add-modules jdk.incubator.vector -jar "$jar" "$@" 2>/dev/null; }
load() { cut -d' ' -f1 /proc/loadavg; }
median() { sort -g | awk '{a[NR] = $1} END {print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

ratios_train="" ratios_infer=""
case "$mode" in
  step)
    n="${4:-20}"
    # samples/s from a line '... N samples/s  (CPU M ms)': wall (N) or CPU (batch 128 / M)
    sps() { sed -E 's/.* ([0-9.]+) samples\/s.*/\1/' <<<"$1"; }
    cpu() { sed -E 's/.*\(CPU ([0-9.]+) ms\).*/\1/' <<<"$1" | awk '{printf "%.0f", 128000 / $1}'; }
    printf '%5s %5s %5s | %-22s | %-22s | %-22s | %-22s\n' round load load "train tg lt ratio" "train-cpu tg lt ratio" \
      "infer tg lt ratio" "infer-cpu tg lt ratio"
    ratios_train_cpu="" ratios_infer_cpu=""
    for r in $(seq "$rounds"); do
      l1=$(load)
      out=$(tapegrad bench --model cnn --threads "$threads" --iterations "$n")
      tg_step=$(grep 'SGD step' <<<"$out") tg_inf=$(grep 'inference forward' <<<"$out")
      l2=$(load)
      out=$(OFFLINE=1 "$here/run.sh" cnn "$threads" --iterations "$n" 2>/dev/null)
      lt_step=$(grep 'SGD step' <<<"$out") lt_inf=$(grep 'inference forward' <<<"$out")
      a=$(sps "$tg_step") b=$(sps "$lt_step") c=$(cpu "$tg_step") d=$(cpu "$lt_step")
      e=$(sps "$tg_inf") f=$(sps "$lt_inf") g=$(cpu "$tg_inf") h=$(cpu "$lt_inf")
      rt=$(ratio "$a" "$b") rtc=$(ratio "$c" "$d") ri=$(ratio "$e" "$f") ric=$(ratio "$g" "$h")
      ratios_train+="$rt"$'\n' ratios_infer+="$ri"$'\n' ratios_train_cpu+="$rtc"$'\n' ratios_infer_cpu+="$ric"$'\n'
      printf '%5d %5s %5s | %6s %6s %6s   | %6s %6s %6s   | %6s %6s %6s   | %6s %6s %6s\n' "$r" "$l1" "$l2" \
        "$a" "$b" "$rt" "$c" "$d" "$rtc" "$e" "$f" "$ri" "$g" "$h" "$ric"
      echo "# libtorch: $(grep '^SUMMARY' <<<"$out")"
    done
    echo "median ratio Tapegrad/libtorch, threads $threads: train $(median <<<"${ratios_train%$'\n'}")" \
      "(CPU $(median <<<"${ratios_train_cpu%$'\n'}")), inference $(median <<<"${ratios_infer%$'\n'}")" \
      "(CPU $(median <<<"${ratios_infer_cpu%$'\n'}"))" ;;
  epochs)
    n="${4:-3}"
    printf '%5s %6s %8s %6s %8s %6s %6s %6s\n' round load tg_train load lt_train ratio tg_acc lt_acc
    for r in $(seq "$rounds"); do
      l1=$(load)
      out=$(tapegrad mnist --model cnn --optimizer sgd --lr 0.01 --epochs "$n" --threads "$threads")
      # epoch lines: epoch train_loss train_acc test_loss test_acc samples/s seconds
      tg_train=$(awk 'NF == 7 && $1 ~ /^[0-9]+$/ && $1 > 1 {print $6}' <<<"$out" | median)
      tg_acc=$(awk 'NF == 7 && $1 ~ /^[0-9]+$/ {acc = $5} END {print acc}' <<<"$out")
      l2=$(load)
      out=$(OFFLINE=1 "$here/run.sh" cnn "$threads" --epochs "$n" 2>/dev/null)
      lt_train=$(grep '^SUMMARY' <<<"$out" | sed -E 's/.* train_sps_median=([0-9.]+).*/\1/')
      lt_acc=$(awk 'NF == 9 && $1 ~ /^[0-9]+$/ {acc = $4} END {print acc}' <<<"$out")
      rt=$(ratio "$tg_train" "$lt_train")
      ratios_train+="$rt"$'\n'
      printf '%5d %6s %8.0f %6s %8s %6s %6s %6s\n' "$r" "$l1" "$tg_train" "$l2" "$lt_train" "$rt" "$tg_acc" "$lt_acc"
      echo "# libtorch: $(grep '^SUMMARY' <<<"$out")"
    done
    echo "median ratio Tapegrad/libtorch, threads $threads: train $(median <<<"${ratios_train%$'\n'}")" ;;
  *) echo "mode: step or epochs, got $mode" >&2; exit 2 ;;
esac
