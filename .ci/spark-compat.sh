#!/usr/bin/env bash
# The Spark tests on every Spark line and JDK that Tapegrad supports:
#   (a) Spark 3.5.9 (the default build) on the default JDK (17),
#   (b) Spark 4.2.0 (-Pspark-4.2) on the default JDK,
#   (c) Spark 4.2.0 on Java 25 (JAVA_HOME=$JAVA25_HOME, by default /usr/lib/jvm/temurin-25-jdk-amd64; skipped, and
#       said so, when that JDK is missing). Spark 3.5 does not start on Java 25, so that pair is not run.
# Each configuration prints one line with its result and time; the Maven output goes to target/spark-compat/*.log
# (its tail is printed when a configuration fails). Exits non-zero when any configuration failed.
# (b) and (c) build into folders of their own (-Dtapegrad.buildDir, under each module's target/), so the default
# build's classes are left as the default build made them.
set -euo pipefail
cd "$(dirname "$0")/.."

# The tests that start Spark or compile against its API (the README's Spark snippets), and the modules that hold them.
TESTS='SparkTrainerTest,SparkLocalClusterTest,DocSnippetsTest'
MODULES='examples'
JAVA25_HOME="${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
LOGS=target/spark-compat
mkdir -p "$LOGS"
failed=0

# run NAME JAVA_HOME_OR_EMPTY MAVEN_ARGS...: one configuration, one line of output.
run() {
  local name="$1" home="$2"
  shift 2
  local log="$LOGS/$name.log" start end rc summary
  start=$(date +%s)
  set +e
  if [[ -n "$home" ]]; then
    JAVA_HOME="$home" ./mvnw -B -ntp -pl "$MODULES" -am test -Dtest="$TESTS" \
      -Dsurefire.failIfNoSpecifiedTests=false "$@" >"$log" 2>&1
  else
    ./mvnw -B -ntp -pl "$MODULES" -am test -Dtest="$TESTS" -Dsurefire.failIfNoSpecifiedTests=false "$@" >"$log" 2>&1
  fi
  rc=$?
  set -e
  end=$(date +%s)
  # Surefire's closing count, e.g. "Tests run: 7, Failures: 0, Errors: 0, Skipped: 0"
  summary=$(grep -E '^\[(INFO|ERROR|WARNING)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' \
    "$log" | tail -n 1 | sed -E 's/^\[[A-Z]+\] //' || true)
  if [[ $rc -eq 0 && -n "$summary" ]]; then
    echo "spark-compat: PASSED $name ($summary) in $((end - start)) s"
  else
    echo "spark-compat: FAILED $name (exit $rc; ${summary:-no test summary}) in $((end - start)) s; log: $log"
    tail -n 40 "$log" | sed 's/^/    /'
    failed=1
  fi
}

java_version() { # the major version of "$1/bin/java", or of java on the PATH when $1 is empty
  local java="${1:+$1/bin/}java"
  "$java" -XshowSettings:properties -version 2>&1 | sed -nE 's/^ *java\.specification\.version = //p'
}

default_home="${JAVA_HOME:-}"
default_java=$(java_version "$default_home")
run "spark-3.5.9-java$default_java" ""
run "spark-4.2.0-java$default_java" "" -Pspark-4.2 -Dtapegrad.buildDir="target/compat-spark-4.2-java$default_java"
if [[ -x "$JAVA25_HOME/bin/java" ]]; then
  run "spark-4.2.0-java$(java_version "$JAVA25_HOME")" "$JAVA25_HOME" -Pspark-4.2 \
    -Dtapegrad.buildDir=target/compat-spark-4.2-java25
else
  echo "spark-compat: SKIPPED Java 25 (no JDK at $JAVA25_HOME)"
fi
exit $failed
