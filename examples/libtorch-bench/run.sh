#!/usr/bin/env bash
# libtorch references for Tapegrad's two MNIST networks (float32, batch 128). See README.md beside this script.
# Usage: ./run.sh mlp [sgd|adam] [THREADS=1] [EPOCHS=5] [extra TorchMlp args, e.g. --print train_sps]
#        ./run.sh cnn [THREADS=1] [extra TorchCnn args: --iterations 20 | --epochs 3, --print train_sps|infer_sps]
#        ./run.sh rnn [lstm|gru|rnn] [THREADS=1] [extra TorchRnn args: --iterations 20, --hidden 128]
# Env: DATA_DIR (default: the MNIST copy in ../src/main/resources/mnist), BLAS_CORE=env to keep an inherited
# OPENBLAS_CORETYPE (by default it is unset so OpenBLAS picks its AVX-512 kernels: libtorch's best configuration on
# this machine), MALLOC=glibc to keep glibc's malloc thresholds (by default they are raised to 256 MB so that
# libtorch's per-step tensors are reused from the heap instead of being mmap'ed, page-faulted and unmapped every
# step: on the CNN that is two thirds or more of libtorch's step time; the JVM's warmed-up heap is the analogue on Tapegrad's
# side). Each prints a SUMMARY line. The first run compiles this project and downloads ~350 MB of libtorch
# natives from Maven Central into ~/.m2 (OFFLINE=1: mvn -o, when they are already there).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
model="${1:-}"
case "$model" in
  mlp) optim="${2:-sgd}" threads="${3:-1}" epochs="${4:-5}"; shift $(( $# < 4 ? $# : 4 ))
       set -- bench.TorchMlp --optim "$optim" --threads "$threads" --epochs "$epochs" "$@" ;;
  cnn) threads="${2:-1}"; shift $(( $# < 2 ? $# : 2 ))
       set -- bench.TorchCnn --threads "$threads" "$@" ;;
  rnn) cell="${2:-lstm}" threads="${3:-1}"; shift $(( $# < 3 ? $# : 3 ))
       set -- bench.TorchRnn --cell "$cell" --threads "$threads" "$@" ;;
  *) echo "usage: $0 mlp [sgd|adam] [THREADS] [EPOCHS] [args...] | $0 cnn [THREADS] [args...] | $0 rnn [CELL] [THREADS] [args...]" >&2; exit 2 ;;
esac
export DATA_DIR="${DATA_DIR:-$here/../src/main/resources/mnist}"
[ "${BLAS_CORE:-}" = env ] || unset OPENBLAS_CORETYPE
[ "${MALLOC:-}" = glibc ] || export MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=268435456
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
# libtorch's OpenMP pool and OpenBLAS's threads spin against each other on 2 cores unless waiting is passive.
[ "$threads" -gt 1 ] && export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
if [ ! -f "$here/target/cp.txt" ] || [ ! -f "$here/target/classes/bench/TorchCnn.class" ] \
    || [ ! -f "$here/target/classes/bench/TorchRnn.class" ] \
    || [ -n "$(find "$here/src" -newer "$here/target/cp.txt" -name '*.java')" ]; then
  (cd "$here" && mvn ${OFFLINE:+-o} -q -B compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt >&2 && touch target/cp.txt)
fi
exec java -cp "$here/target/classes:$(cat "$here/target/cp.txt")" "$@"
