#!/usr/bin/env bash
# System calls per datagram of the legacy receive loop (one select(), one receive() per selected
# key) and of the drain loop (receive until null), on the JDK's default provider and on EdgeDrain,
# counted by `strace -c -f`.
#
# For each provider and loop a JVM (io.edgedrain.bench.SyscallMain) binds a UDP receiver on
# loopback and waits; another process (python3) queues N datagrams of 64 B into it; the JVM then
# receives them with that loop and exits. The same run with N = 0 counts the JVM's own start-up and
# shut-down calls, which are subtracted. Only the calls a receive path can make are traced
# (epoll_*, recv*, poll, select, ioctl; no wakeup happens, so no eventfd read/write is missed);
# the JVM's thread, memory and class-loading calls are not.
#
#   benchmarks/syscalls.sh [N] [out.json]      N defaults to 10000 (a 4 MiB buffer holds ~10,080 of 64 B)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
OUT=${2:-}
JAR=benchmarks/target/benchmarks.jar
TRACE=epoll_wait,epoll_pwait,epoll_pwait2,epoll_ctl,recvfrom,recvmsg,recvmmsg,poll,ppoll,select,pselect6,ioctl
JAVA=${JAVA:-java}

command -v strace >/dev/null || { echo "strace is missing: apt-get install -y strace" >&2; exit 1; }
[ -f "$JAR" ] || mvn -B -q package -DskipTests -pl benchmarks -am

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run PROVIDER LOOP COUNT -> strace summary in $tmp/PROVIDER-LOOP-COUNT.txt
run() {
    local provider=$1 loop=$2 count=$3 mode=queued port got
    [ "$loop" = drain ] && mode=queued-drain
    coproc RECEIVER { strace -f -c -o "$tmp/$provider-$loop-$count.txt" -e trace=$TRACE \
        "$JAVA" --add-exports java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
        -cp "$JAR" io.edgedrain.bench.SyscallMain "$provider" "$mode" "$count" 64 2>&1; }
    read -r port <&"${RECEIVER[0]}"
    python3 - "$port" "$count" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", port))
payload = bytes(64)
for _ in range(n):
    s.send(payload)
PY
    echo go >&"${RECEIVER[1]}"
    read -r got <&"${RECEIVER[0]}"
    wait "$RECEIVER_PID"
    [ "$got" = "$count" ] || { echo "$provider, $loop loop: received '$got' of $count" >&2; exit 1; }
}

for loop in legacy drain; do
    for provider in jdk edgedrain; do
        run "$provider" "$loop" 0
        run "$provider" "$loop" "$N"
    done
done

python3 - "$tmp" "$N" "$OUT" <<'PY'
import json, sys
tmp, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def calls(path):
    result = {}
    for line in open(path):
        f = line.split()
        # % time, seconds, usecs/call, calls, [errors], syscall
        if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
            result[f[-1]] = int(f[3])
    return result

summary = {}
print(f"{n} datagrams of 64 B pre-queued, strace -c -f (a run with {n} minus a run with 0)")
print(f"{'loop':<7} {'provider':<10} {'syscalls/datagram':>18}  by call")
for loop in ("legacy", "drain"):
    summary[loop] = {}
    for provider in ("jdk", "edgedrain"):
        full = calls(f"{tmp}/{provider}-{loop}-{n}.txt")
        base = calls(f"{tmp}/{provider}-{loop}-0.txt")
        diff = {k: full.get(k, 0) - base.get(k, 0) for k in set(full) | set(base)}
        diff = {k: v for k, v in diff.items() if v != 0}
        total = sum(diff.values()) / n
        detail = ", ".join(f"{k} {v / n:.4f}" for k, v in sorted(diff.items(), key=lambda kv: -kv[1]))
        print(f"{loop:<7} {provider:<10} {total:>18.4f}  {detail}")
        summary[loop][provider] = {"syscallsPerDatagram": total, "byCall": {k: v / n for k, v in diff.items()},
                                   "datagrams": n}
if out:
    json.dump(summary, open(out, "w"), indent=2)
PY
