#!/usr/bin/env bash
# Records the JDK's AOT cache for RipserCli (JDK 25+: its classes loaded and linked, and the method
# profiles of a training run, so the JIT starts from them): `./emergence tda` uses it when present.
# The cache only matches the jar and class path it was recorded with, hence the jar, not classes/,
# and the class path is kept beside it (ripser-cli.aot.classpath) for the launcher: classpath.txt is
# rewritten with classes/ folders by any build that stops before package (a test run), which made
# the JVM refuse the cache. On older JDKs there is no such cache and nothing is done.
# Usage: aot-cache.sh JAVA TARGET_DIR JAR
set -euo pipefail
java="$1" target="$2" jar="$3"
cache="$target/ripser-cli.aot"
rm -f "$cache" "$cache.classpath"
"$java" -XX:+PrintFlagsFinal -version 2>/dev/null | grep -q ' AOTCacheOutput ' || exit 0
# Training input: a seeded noisy circle in R^8, small enough to take a second, large enough that the
# dense filtration, both reductions (dimensions 1 and 2) and the column assembly get hot.
awk 'BEGIN { srand(7); for (i = 0; i < 160; i++) { a = 6.2831853 * rand(); line = cos(a) " " sin(a);
      for (c = 2; c < 8; c++) line = line " " 0.1 * (rand() - 0.5); print line } }' > "$target/aot-training.pts"
classpath="$jar:$(cat "$target/classpath.txt")"
"$java" -XX:AOTCacheOutput="$cache" -Xss16m -XX:+UseSerialGC -cp "$classpath" \
  org.emergence.tda.cli.RipserCli --format point-cloud --dim 2 "$target/aot-training.pts" \
  >/dev/null 2>"$target/aot-training.log" || { echo "aot-cache: training run failed, see $target/aot-training.log" >&2; exit 1; }
printf '%s' "$classpath" > "$cache.classpath"
