#!/usr/bin/env bash
# Records the JDK's AOT cache for RipserCli (JDK 25+: its classes loaded and linked, and the method
# profiles of a training run, so the JIT starts from them): `./emergence tda` uses it when present.
# The cache only matches the jar and class path it was recorded with, hence the jar, not classes/,
# and the class path is kept beside it (ripser-cli.aot.classpath) for the launcher: the class path
# files are rewritten with classes/ folders by any build that stops before package (a test run),
# which made the JVM refuse the cache. The class path is RipserCli's own (ripser-cli-classpath.txt:
# the engine and its dependencies), not the module's. On older JDKs there is no such cache and nothing is done.
# Usage: aot-cache.sh JAVA TARGET_DIR JAR
set -euo pipefail
java="$1" target="$2" jar="$3"
cache="$target/ripser-cli.aot"
rm -f "$cache" "$cache.classpath"
"$java" -XX:+PrintFlagsFinal -version 2>/dev/null | grep -q ' AOTCacheOutput ' || exit 0
# Training inputs, run by RipserCliTraining in one JVM: a seeded noisy circle in R^8 up to dimension
# 2, small enough to take a second, large enough that the dense filtration, both implicit reductions
# (dimensions 1 and 2) and the column assembly get hot; and a seeded embedding-like cloud (five
# Fourier circles of Z/113 in R^128 plus noise) in dimension 1, which forward cohomology takes; and
# the circle again below a threshold (a fifth of its pairs), which takes the sparse filtration.
awk 'BEGIN { srand(7); for (i = 0; i < 160; i++) { a = 6.2831853 * rand(); line = cos(a) " " sin(a);
      for (c = 2; c < 8; c++) line = line " " 0.1 * (rand() - 0.5); print line } }' > "$target/aot-training.pts"
awk 'BEGIN { srand(11); split("14 35 41 42 52", f, " "); for (x = 0; x < 113; x++) { line = "";
      for (c = 0; c < 128; c++) { v = 0.05 * sqrt(-2 * log(rand() + 1e-12)) * cos(6.2831853 * rand()); k = int(c / 2) + 1;
        if (k <= 5) v += (c % 2 == 0) ? cos(6.2831853 * f[k] * x / 113) : sin(6.2831853 * f[k] * x / 113);
        line = line (c ? " " : "") v }
      print line } }' > "$target/aot-training-embedding.pts"
classpath="$jar:$(cat "$target/ripser-cli-classpath.txt")"
"$java" -XX:AOTCacheOutput="$cache" -Xss16m -XX:+UseSerialGC -cp "$classpath" \
  org.emergence.tda.cli.RipserCliTraining --format point-cloud --dim 2 "$target/aot-training.pts" \
  :: --format point-cloud --dim 1 "$target/aot-training-embedding.pts" \
  :: --format point-cloud --dim 2 --threshold 0.6 "$target/aot-training.pts" \
  >/dev/null 2>"$target/aot-training.log" || { echo "aot-cache: training run failed, see $target/aot-training.log" >&2; exit 1; }
printf '%s' "$classpath" > "$cache.classpath"
