#!/usr/bin/env bash
# EdgeDrain's benchmarks, short profile (about 10 minutes on 2 cores): builds if needed, measures
# the kernel's floor in C, counts system calls with strace (syscalls.sh), runs the JMH benchmarks
# on both providers side by side (the datagram-queued ones with -prof gc), writes the JMH JSON and
# prints one table of EdgeDrain/JDK ratios (report.py).
#
#   benchmarks/run.sh                 the short profile
#   JMH_PROFILE="-f 3 -wi 5 -i 10" benchmarks/run.sh     a longer one
#   benchmarks/run.sh -p payload=64   extra JMH options, passed to every JMH run
#
# Mind that a -jvmArgsAppend given here replaces the benchmarks' own (the --add-exports EdgeDrain
# needs): repeat "--add-exports java.base/sun.nio.ch=ALL-UNNAMED" in it.
#
# Results go to benchmarks/target/results/: jmh-*.json, jmh-*.log, syscalls.json, floor.jsonl,
# table.txt and table.md. The machine is shared and has 2 cores: figures are noisy, compare
# ratios from one run, not absolute numbers across runs.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=benchmarks/target/benchmarks.jar
OUT=benchmarks/target/results
read -r -a PROFILE <<< "${JMH_PROFILE:--f 1 -wi 2 -w 1s -i 5 -r 1s}"
JAVA=${JAVA:-java}

if [ ! -f "$JAR" ] || [ -n "$(find benchmarks/src provider/src benchmarks/pom.xml provider/pom.xml pom.xml -newer "$JAR" -type f 2>/dev/null | head -1)" ]; then
    echo "building $JAR ..."
    mvn -B -q package -DskipTests -pl benchmarks -am
fi
rm -rf "$OUT"
mkdir -p "$OUT"
start=$(date +%s)
# The machine may be shared: record how busy it was around the run.
load() { echo "$(date -u +%H:%M:%S) load average $(cut -d' ' -f1-3 /proc/loadavg)"; }
load > "$OUT/load.txt"

if command -v gcc >/dev/null; then
    echo "kernel floor (C) ..."
    gcc -O2 -o "$OUT/kernel-floor" benchmarks/kernel-floor.c
    "$OUT/kernel-floor" 100 > "$OUT/floor.jsonl"
else
    echo "gcc missing: no kernel floor" >&2
fi

if command -v strace >/dev/null; then
    echo "system calls per datagram (strace) ..."
    benchmarks/syscalls.sh 10000 "$OUT/syscalls.json" > "$OUT/syscalls.txt"
else
    echo "strace missing (apt-get install -y strace): no strace counts" >&2
fi

jmh() { # name, then JMH arguments
    local name=$1
    shift
    echo "JMH $name ..."
    "$JAVA" -jar "$JAR" "$@" "${PROFILE[@]}" -rf json -rff "$OUT/jmh-$name.json" > "$OUT/jmh-$name.log" 2>&1 \
        || { tail -30 "$OUT/jmh-$name.log" >&2; exit 1; }
    grep -E '^# Run complete' "$OUT/jmh-$name.log" || true
}
jmh datagram-queued 'DatagramQueuedBenchmark' -prof gc "$@"
jmh other 'DatagramConcurrentBenchmark|SelectNowBenchmark|WakeupBenchmark|RegisterCancelBenchmark|InterestOpsBenchmark|TcpPingPongBenchmark' "$@"

load >> "$OUT/load.txt"

extra=()
[ -f "$OUT/syscalls.json" ] && extra+=(--syscalls "$OUT/syscalls.json")
[ -f "$OUT/floor.jsonl" ] && extra+=(--floor "$OUT/floor.jsonl")
python3 benchmarks/report.py --markdown "${extra[@]}" "$OUT"/jmh-*.json > "$OUT/table.md"
echo
echo "EdgeDrain vs the JDK's default provider, $(nproc) cores, $("$JAVA" -version 2>&1 | head -1), $(( ($(date +%s) - start) / 60 )) min"
echo "machine load before and after: $(paste -sd';' "$OUT/load.txt")"
python3 benchmarks/report.py "${extra[@]}" "$OUT"/jmh-*.json | tee "$OUT/table.txt"
echo
echo "JMH JSON and logs: $OUT/"
