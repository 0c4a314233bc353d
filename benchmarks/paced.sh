#!/usr/bin/env bash
# The paced-load benchmark (issue 12): CPU per datagram at offered loads below saturation, the
# JDK's provider against EdgeDrain, legacy and drain loops, 64 B and 1,400 B, back to back in one
# JVM (PacedMain). A C sender (paced-sender.c, built here with gcc) sends at a fixed rate in small
# sendmmsg batches, pinned to CPU 1; the receiving thread is pinned to CPU 0. In the same rotation
# runs the C floor (paced-floor.c): C receivers making exactly the JDK's and exactly EdgeDrain's
# system calls, whose ratio bounds what any provider can save at that load.
#
#   benchmarks/paced.sh            3 repetitions of every cell, about 16 minutes
#   benchmarks/paced.sh --quick    1 short repetition, about 1.5 minutes (a smoke test)
#   PACED_LOADS=20000,50000 benchmarks/paced.sh     other offered loads (datagrams/s)
#   PACED_RUNS=5 benchmarks/paced.sh                more repetitions (the table shows medians)
#
# Results go to benchmarks/target/paced/: paced.jsonl (every run), paced-table.txt and .md,
# paced-cpu.png (CPU per datagram against offered load), load.txt (the machine's load average).
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=${JAR:-benchmarks/target/benchmarks.jar}
OUT=${OUT:-benchmarks/target/paced}
JAVA=${JAVA:-java}

if [ ! -f "$JAR" ] || [ -n "$(find benchmarks/src provider/src benchmarks/pom.xml provider/pom.xml pom.xml -newer "$JAR" -type f 2>/dev/null | head -1)" ]; then
    echo "building $JAR ..."
    mvn -B -q package -DskipTests -pl benchmarks -am
fi
command -v gcc >/dev/null || { echo "gcc is missing: the paced sender is C" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || echo "warning: fewer than 2 CPUs, sender and receiver share one" >&2
rm -rf "$OUT"
mkdir -p "$OUT"
gcc -O2 -o "$OUT/paced-sender" benchmarks/paced-sender.c
gcc -O2 -o "$OUT/paced-floor" benchmarks/paced-floor.c
load() { echo "$(date -u +%H:%M:%S) load average $(cut -d' ' -f1-3 /proc/loadavg)"; }
load > "$OUT/load.txt"
start=$(date +%s)
"$JAVA" --add-exports java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
    -Dpaced.loads="${PACED_LOADS:-20000,100000,200000}" -Dpaced.runs="${PACED_RUNS:-3}" \
    -cp "$JAR" io.edgedrain.bench.PacedMain "$OUT/paced-sender" "$OUT" "$@" 2> "$OUT/paced.log" \
    > "$OUT/paced-table.out" || { tail -30 "$OUT/paced.log" >&2; exit 1; }
load >> "$OUT/load.txt"
echo "EdgeDrain vs the JDK's default provider at paced loads, $(nproc) cores, $("$JAVA" -version 2>&1 | head -1), $(( ($(date +%s) - start) / 60 )) min"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); machine load (1, 5, 15 min) before and after: $(paste -sd';' "$OUT/load.txt")"
echo "medians; ns/dg = CPU nanoseconds per datagram received; ED/JDK <= 0.90 is the target; JDK syscalls estimated (1 epoll_wait per select, 1 recvfrom per receive)"
cat "$OUT/paced-table.out"
echo "every run: $OUT/paced.log, $OUT/paced.jsonl; plot: $OUT/paced-cpu.png"
