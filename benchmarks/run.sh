#!/usr/bin/env bash
# EdgeDrain's benchmarks, short profile (about 10 minutes on 2 cores): builds if needed, measures
# the kernel's floor in C, counts system calls with strace (syscalls.sh), runs the JMH benchmarks
# on both providers side by side (the datagram-queued ones with -prof gc), writes the JMH JSON and
# prints one table of EdgeDrain/JDK ratios (report.py).
#
# The JMH benchmarks run in PASSES passes (default 2). Within a pass each benchmark measures the
# two providers one right after the other, the JDK first in odd passes and EdgeDrain first in
# even ones, so a change in the machine's load between the two biases the passes in opposite
# directions. Each pass gives one ED/JDK ratio per row; the table shows each and their
# geometric mean.
#
#   benchmarks/run.sh                 the short profile
#   PASSES=1 benchmarks/run.sh        one pass (about 5 minutes)
#   JMH_PROFILE="-f 3 -wi 5 -i 10" benchmarks/run.sh     longer passes
#   benchmarks/run.sh -p payload=64   extra JMH options, passed to every JMH run
#
# Mind that a -jvmArgsAppend given here replaces the benchmarks' own (the --add-exports EdgeDrain
# needs): repeat "--add-exports java.base/sun.nio.ch=ALL-UNNAMED" in it.
#
# Then, as a cross-check of the single-threaded rows that the machine's load disturbs less,
# InterleavedMain measures both providers in alternating rounds in one JVM, in CPU time.
#
# Results go to benchmarks/target/results/: jmh-*-pass<N>.json and .log, syscalls.json and .txt,
# floor.jsonl, interleaved.txt, load.txt, table.txt and table.md. The machine is shared and has 2 cores: figures are noisy, compare
# ratios from one run, not absolute numbers across runs.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=benchmarks/target/benchmarks.jar
OUT=benchmarks/target/results
read -r -a PROFILE <<< "${JMH_PROFILE:--f 1 -wi 2 -w 1s -i 3 -r 1s}"
PASSES=${PASSES:-2}
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
for pass in $(seq 1 "$PASSES"); do
    order=jdk,edgedrain
    [ $((pass % 2)) -eq 0 ] && order=edgedrain,jdk
    echo "pass $pass of $PASSES (provider order $order)"
    jmh datagram-queued-pass$pass 'DatagramQueuedBenchmark' -p provider=$order -prof gc "$@"
    jmh other-pass$pass 'DatagramConcurrentBenchmark|SelectNowBenchmark|WakeupBenchmark|RegisterCancelBenchmark|InterestOpsBenchmark|TcpPingPongBenchmark' \
        -p provider=$order "$@"
    load >> "$OUT/load.txt"
done

# A cross-check for the single-threaded rows, less sensitive to other processes: both providers
# in one JVM, alternating rounds, each round in the measuring thread's CPU time (InterleavedMain);
# the queued rows with the C floor in the same rounds, for a steady fraction of the C ceiling.
echo "interleaved CPU-time cross-check ..."
floor=()
[ -x "$OUT/kernel-floor" ] && floor=(-Dinterleaved.floor="$OUT/kernel-floor") # C rounds beside the queued cases
"$JAVA" --add-exports java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED "${floor[@]}" \
    -cp "$JAR" io.edgedrain.bench.InterleavedMain "${INTERLEAVED_ROUNDS:-24}" > "$OUT/interleaved.txt" 2>&1 \
    || { cat "$OUT/interleaved.txt" >&2; exit 1; }
load >> "$OUT/load.txt"

extra=()
[ -f "$OUT/syscalls.json" ] && extra+=(--syscalls "$OUT/syscalls.json")
[ -f "$OUT/floor.jsonl" ] && extra+=(--floor "$OUT/floor.jsonl")
python3 benchmarks/report.py --markdown "${extra[@]}" "$OUT"/jmh-*.json > "$OUT/table.md"
echo
echo "EdgeDrain vs the JDK's default provider, $(nproc) cores, $("$JAVA" -version 2>&1 | head -1), $(( ($(date +%s) - start) / 60 )) min"
echo "machine load (1, 5, 15 min) at the start, after each pass and after the cross-check: $(paste -sd';' "$OUT/load.txt")"
python3 benchmarks/report.py "${extra[@]}" "$OUT"/jmh-*.json | tee "$OUT/table.txt"
echo
echo "Cross-check (not JMH): $(head -1 "$OUT/interleaved.txt")"
tail -n +2 "$OUT/interleaved.txt"
echo
echo "JMH JSON and logs: $OUT/"
