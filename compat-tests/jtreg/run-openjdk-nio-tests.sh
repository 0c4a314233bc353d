#!/usr/bin/env bash
# Runs an OpenJDK source checkout's own NIO tests (test/jdk/java/nio/channels/...) twice with jtreg:
# once on the JDK's default SelectorProvider, once with EdgeDrain installed in every test JVM; then
# prints a per-folder table of both pass counts and every test whose outcome differs.
#
#   JDK_SRC=~/src/jdk compat-tests/jtreg/run-openjdk-nio-tests.sh [folder-or-file ...]
#
# folders and files (under test/jdk/java/nio/channels): default every one that holds selectable
# channels' tests: Selector SelectionKey DatagramChannel Pipe spi etc SocketChannel
# ServerSocketChannel AsyncCloseAndInterrupt.java ConfigureBlocking.java
#
# Environment:
#   JDK_SRC       (required) an OpenJDK source checkout: $JDK_SRC/test/jdk/TEST.ROOT must exist. Use the
#                 checkout of the JDK you test with (tests of jdk/master may need APIs of the newest JDK).
#   TEST_JDK      the JDK the tests run on: default $JAVA_HOME, else the one of `java` on the PATH
#   JTREG         the jtreg launcher: default `jtreg` on the PATH, else /usr/share/jtreg*/bin/jtreg
#                 (Debian/Ubuntu: apt-get install jtreg7)
#   ROUTE         how EdgeDrain reaches the test JVMs: agent (default) or property
#                 agent:    -vmoption:-javaagent:edgedrain-agent.jar (no other flag)
#                 property: -Djava.nio.channels.spi.SelectorProvider=... with --add-exports, and the
#                           provider jar on the boot class path (jtreg owns -classpath; the JDK looks the
#                           provider class up through the system class loader, which delegates there)
#   EDGEDRAIN_JAR the agent jar (ROUTE=agent) or provider jar (ROUTE=property): default the ones this
#                 repository builds (agent/target/edgedrain-agent.jar, provider/target/edgedrain-provider.jar)
#   OUT           where both runs' work and report directories go: default compat-tests/target/openjdk-nio
#   JTREG_MODE    agentvm (default, as OpenJDK's own make does) or othervm
#   JTREG_CONC    concurrency: default 1 (timing-sensitive tests; a 2-core machine)
#   JTREG_TIMEOUT_FACTOR  default 4
#   PROBLEM_LIST  tests left out of both runs: default compat-tests/jtreg/ProblemList-edgedrain.txt
#                 (tests of the JDK's internals that no installed provider can pass); empty: none
#   JTREG_OPTS    further jtreg options for both runs (e.g. "-exclude:my-problem-list.txt")
#   RUNS          which runs to make: "jdk edgedrain" (default); "edgedrain" compares with the JDK's run
#                 kept in JDK_RESULTS (default $OUT/jdk), made earlier on the same TEST_JDK and tests:
#                 the JDK's own provider does not change with EdgeDrain's route or code (the script
#                 stops, exit 2, if that run's test-jdk.txt names another JDK than TEST_JDK's)
#   JDK_RESULTS   with RUNS=edgedrain: the directory of that earlier 'jdk' run
#   RECHECK       each test whose outcome differs runs again alone this many times on each provider,
#                 to tell a flaky test from a real difference: default 2; 0 skips it
#
# The table counts jtreg test ids (a file with several @test blocks has several) and, from each
# test's .jtr, its @run actions: jtreg stops a test at its first failing @run, so a failed test's
# later @run variants count as declared but not passed.
#
# Exit status: 0 both runs ended with the same outcome for every test, 1 some outcome differs,
# 2 usage or set-up problem (nothing run).
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

die() { echo "run-openjdk-nio-tests: $*" >&2; exit 2; }

# ---- inputs
[ -n "${JDK_SRC:-}" ] || die "set JDK_SRC to an OpenJDK source checkout (the directory holding test/jdk/TEST.ROOT), e.g. JDK_SRC=~/src/jdk $0"
[ -f "$JDK_SRC/test/jdk/TEST.ROOT" ] || die "JDK_SRC=$JDK_SRC has no test/jdk/TEST.ROOT: not an OpenJDK source checkout"
suite="$(cd "$JDK_SRC/test/jdk" && pwd)"

if [ -z "${TEST_JDK:-}" ]; then
  if [ -n "${JAVA_HOME:-}" ]; then
    TEST_JDK="$JAVA_HOME"
  elif command -v java >/dev/null; then
    TEST_JDK="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  fi
fi
[ -n "${TEST_JDK:-}" ] && [ -x "$TEST_JDK/bin/java" ] && [ -x "$TEST_JDK/bin/javac" ] \
  || die "no JDK found: set TEST_JDK (or JAVA_HOME) to a JDK 17 or newer (bin/java and bin/javac)"

if [ -z "${JTREG:-}" ]; then
  if command -v jtreg >/dev/null; then
    JTREG="$(command -v jtreg)"
  else
    for j in /usr/share/jtreg*/bin/jtreg; do [ -x "$j" ] && JTREG="$j" && break; done
  fi
fi
[ -n "${JTREG:-}" ] && [ -x "$JTREG" ] || die "jtreg not found: set JTREG, or install it (Debian/Ubuntu: apt-get install jtreg7)"
# jtreg's own launcher looks for a Java in JTREG_JAVA, then JAVA_HOME (Debian's falls back to default-java).
export JTREG_JAVA="${JTREG_JAVA:-$TEST_JDK/bin/java}"

ROUTE="${ROUTE:-agent}"
edge_opts=()
case "$ROUTE" in
  agent)
    jar="${EDGEDRAIN_JAR:-$repo/agent/target/edgedrain-agent.jar}"
    [ -f "$jar" ] || die "no agent jar at $jar: build it first (mvn -B -q package -DskipTests) or set EDGEDRAIN_JAR"
    jar="$(readlink -f "$jar")"
    edge_opts=("-vmoption:-javaagent:$jar")
    ;;
  property)
    jar="${EDGEDRAIN_JAR:-$repo/provider/target/edgedrain-provider.jar}"
    [ -f "$jar" ] || die "no provider jar at $jar: build it first (mvn -B -q package -DskipTests) or set EDGEDRAIN_JAR"
    jar="$(readlink -f "$jar")"
    edge_opts=("-vmoption:--add-exports=java.base/sun.nio.ch=ALL-UNNAMED"
               "-vmoption:--enable-native-access=ALL-UNNAMED"
               "-vmoption:-Xbootclasspath/a:$jar"
               "-vmoption:-Djava.nio.channels.spi.SelectorProvider=io.edgedrain.EdgeDrainSelectorProvider")
    ;;
  *) die "ROUTE must be agent or property, not $ROUTE" ;;
esac

folders=("$@")
[ ${#folders[@]} -gt 0 ] || folders=(Selector SelectionKey DatagramChannel Pipe spi etc SocketChannel
                                     ServerSocketChannel AsyncCloseAndInterrupt.java ConfigureBlocking.java)
tests=()
for f in "${folders[@]}"; do
  if [ -e "$suite/java/nio/channels/$f" ]; then
    tests+=("java/nio/channels/$f")
  else
    echo "run-openjdk-nio-tests: note: $suite/java/nio/channels/$f does not exist; skipped" >&2
  fi
done
[ ${#tests[@]} -gt 0 ] || die "none of the folders exist under $suite/java/nio/channels: ${folders[*]}"

OUT="${OUT:-$repo/compat-tests/target/openjdk-nio}"
mkdir -p "$OUT" || die "cannot create $OUT"
OUT="$(cd "$OUT" && pwd)"

RUNS="${RUNS:-jdk edgedrain}"
case "$RUNS" in
  "jdk edgedrain") jdk_results="$OUT/jdk" ;;
  edgedrain)
    jdk_results="${JDK_RESULTS:-$OUT/jdk}"
    [ -f "$jdk_results/report/text/summary.txt" ] \
      || die "RUNS=edgedrain needs an earlier 'jdk' run: no $jdk_results/report/text/summary.txt (set JDK_RESULTS)"
    ;;
  *) die "RUNS must be \"jdk edgedrain\" or edgedrain, not $RUNS" ;;
esac

# ---- EdgeDrain must really be active in a JVM started with these options (no silent fallback)
probe_dir="$OUT/probe"
rm -rf "$probe_dir" && mkdir -p "$probe_dir"
cat > "$probe_dir/Probe.java" <<'EOF'
public class Probe {
    public static void main(String[] args) throws Exception {
        try (java.nio.channels.Selector s = java.nio.channels.Selector.open()) {
            System.out.println(java.nio.channels.spi.SelectorProvider.provider().getClass().getName()
                    + " " + s.getClass().getName());
        }
    }
}
EOF
probe_opts=()
for o in "${edge_opts[@]}"; do probe_opts+=("${o#-vmoption:}"); done
"$TEST_JDK/bin/javac" -d "$probe_dir" "$probe_dir/Probe.java" || die "cannot compile the probe with $TEST_JDK"
probe="$("$TEST_JDK/bin/java" "${probe_opts[@]}" -cp "$probe_dir" Probe 2>"$probe_dir/stderr")" \
  || { cat "$probe_dir/stderr" >&2; die "a JVM started with ${probe_opts[*]} failed"; }
case "$probe" in
  "io.edgedrain.EdgeDrainSelectorProvider io.edgedrain.internal.select.EdgeSelector") ;;
  *) cat "$probe_dir/stderr" >&2; die "EdgeDrain is not active with ${probe_opts[*]} (got: $probe)" ;;
esac

jdk_version="$("$TEST_JDK/bin/java" -version 2>&1 | head -1)"
if [ "$RUNS" = edgedrain ]; then
  # The earlier run stands in for the JDK's provider only if it ran on this same JDK.
  [ -f "$jdk_results/test-jdk.txt" ] \
    || die "RUNS=edgedrain: $jdk_results has no test-jdk.txt, so which JDK made it is unknown; run RUNS=\"jdk edgedrain\" instead"
  earlier_jdk="$(cat "$jdk_results/test-jdk.txt")"
  [ "$earlier_jdk" = "$jdk_version" ] \
    || die "RUNS=edgedrain: the earlier 'jdk' run in $jdk_results ran on '$earlier_jdk', not on the JDK under test '$jdk_version' ($TEST_JDK); rerun with RUNS=\"jdk edgedrain\" or point JDK_RESULTS at a run on this JDK"
fi
echo "== OpenJDK NIO tests from $suite"
echo "   tests:    ${tests[*]}"
echo "   test JDK: $TEST_JDK ($jdk_version)"
echo "   jtreg:    $JTREG ($("$JTREG" -version 2>/dev/null | head -1))"
echo "   EdgeDrain route: $ROUTE (${probe_opts[*]}); probe: $probe"
echo "   output:   $OUT"
[ "$RUNS" = edgedrain ] && echo "   JDK's provider: the earlier run in $jdk_results (on the same JDK: $earlier_jdk)"

# ---- the two runs, one after the other, with the same jtreg options apart from EdgeDrain's
common=("-jdk:$TEST_JDK" "-dir:$suite" "-${JTREG_MODE:-agentvm}" "-conc:${JTREG_CONC:-1}"
        "-timeoutFactor:${JTREG_TIMEOUT_FACTOR:-4}" "-retain:fail,error" "-v:fail,error,summary")
PROBLEM_LIST="${PROBLEM_LIST-$here/ProblemList-edgedrain.txt}"
if [ -n "$PROBLEM_LIST" ]; then
  [ -f "$PROBLEM_LIST" ] || die "no problem list at $PROBLEM_LIST"
  common+=("-exclude:$PROBLEM_LIST")
  echo "   left out of both runs: $(grep -cEv '^[[:space:]]*(#|$)' "$PROBLEM_LIST") test(s) listed in $PROBLEM_LIST"
fi
# shellcheck disable=SC2206 # JTREG_OPTS is a list of words on purpose
extra=(${JTREG_OPTS:-})

# jtreg_run DIR TEST... [-- OPTION...]: one jtreg run into DIR (work, report, log); DIR/report/text/summary.txt
jtreg_run() {
  local dir="$1"; shift
  local args=() opts=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
  [ $# -gt 0 ] && shift && opts=("$@")
  rm -rf "${dir:?}" && mkdir -p "$dir"
  "$JTREG" "${common[@]}" "${extra[@]}" -w:"$dir/work" -r:"$dir/report" "${opts[@]}" "${args[@]}" </dev/null >"$dir/jtreg.log" 2>&1
  local status=$?
  if [ ! -f "$dir/report/text/summary.txt" ]; then
    tail -20 "$dir/jtreg.log" >&2
    # a sparse checkout's TEST.groups names folders it left out, and jtreg then refuses to start
    grep -q "groups are invalid" "$dir/jtreg.log" \
      && die "jtreg refuses $suite/TEST.groups (it names tests not checked out): empty it (: > $suite/TEST.groups)"
    die "jtreg wrote no summary in $dir"
  fi
  return $status
}

run() { # name, extra jtreg options...
  local name="$1"; shift
  local start=$SECONDS
  echo "== run '$name' ..."
  jtreg_run "$OUT/$name" "${tests[@]}" -- "$@"
  echo "   jtreg exit status $? after $((SECONDS - start)) s; log $OUT/$name/jtreg.log"
  echo "$jdk_version" > "$OUT/$name/test-jdk.txt"
}

if [ "$RUNS" != edgedrain ]; then
  run jdk
fi
run edgedrain "${edge_opts[@]}"

# ---- compare: summary.txt has one line per test: "<test>  <Passed.|Failed.|Error.> <reason>"
counts() {
  awk '{ n[$2]++; t++ } END {
         printf "%d passed, %d failed, %d error of %d", n["Passed."], n["Failed."], n["Error."], t }' "$1"
}
echo
echo "JDK's provider: $(counts "$jdk_results/report/text/summary.txt")"
echo "EdgeDrain:      $(counts "$OUT/edgedrain/report/text/summary.txt")"

# folder_counts DIR: per folder (or top-level file) "folder ids passed runs_declared runs_passed"
folder_counts() {
  local dir="$1"
  { awk '{ print "id", $1, $2 }' "$dir/report/text/summary.txt"
    # a .jtr's "run=" line lists the test's @run actions; each run action's section ends in "result:"
    find "$dir/work/java/nio/channels" -name '*.jtr' -exec awk '
      /^run=/ { print "declared", FILENAME, gsub(/(USER_SPECIFIED|ASSUMED_ACTION) (main|junit|testng|shell|driver)/, "") }
      /^#section:/ { in_run = ($0 ~ /^#section:(main|junit|testng|shell|driver)$/) }
      in_run && /^result: Passed/ { print "ran", FILENAME, 1 }' {} +
  } | awk -v root="$dir/work/" '
      function folder(path) { if (index(path, root) == 1) path = substr(path, length(root) + 1)
                              sub(/^java\/nio\/channels\//, "", path)
                              sub(/\/.*/, "", path); sub(/(_id[0-9]+)?\.jtr$/, ".java", path)
                              sub(/#.*/, "", path); return path }
      $1 == "id"       { f = folder($2); ids[f]++; if ($3 == "Passed.") passed[f]++ }
      $1 == "declared" { declared[folder($2)] += $3 }
      $1 == "ran"      { ran[folder($2)] += $3 }
      END { for (f in ids) printf "%s %d %d %d %d\n", f, ids[f], passed[f], declared[f], ran[f] }' |
    LC_ALL=C sort
}
table="$OUT/table.md"
LC_ALL=C join -a 1 -e 0 -o '0,1.2,1.3,1.4,1.5,2.3,2.5' \
    <(folder_counts "$jdk_results") <(folder_counts "$OUT/edgedrain") |
  awk -v jdk="$jdk_version" -v route="$ROUTE" '
    BEGIN { print "| folder | test ids | JDK passed | EdgeDrain passed | @run actions | passed on JDK | passed on EdgeDrain |"
            print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |" }
    { printf "| %s | %d | %d | %d | %d | %d | %d |\n", $1, $2, $3, $6, $4, $5, $7
      for (i = 2; i <= 7; i++) t[i] += $i }
    END { printf "| **all** | %d | %d | %d | %d | %d | %d |\n", t[2], t[3], t[6], t[4], t[5], t[7] }' > "$table"
echo "Per folder ($jdk_version, EdgeDrain by route $ROUTE; also in $table):"
cat "$table"

diffs="$OUT/differences.txt"
awk 'FNR == NR { jdk[$1] = $2; next }
     { seen[$1] = 1; a = ($1 in jdk) ? jdk[$1] : "(not run)"
       if (a != $2) printf "  %-70s JDK %-10s EdgeDrain %s\n", $1, a, $2 }
     END { for (t in jdk) if (!(t in seen)) printf "  %-70s JDK %-10s EdgeDrain %s\n", t, jdk[t], "(not run)" }' \
    "$jdk_results/report/text/summary.txt" "$OUT/edgedrain/report/text/summary.txt" | sort > "$diffs"
if [ ! -s "$diffs" ]; then
  echo "No test's outcome differs."
  exit 0
fi
echo "Outcomes that differ ($(wc -l < "$diffs")); details in $jdk_results/work/<test>.jtr and $OUT/edgedrain/work/<test>.jtr:"
cat "$diffs"

# ---- each differing test again, alone, RECHECK times on each provider: a difference that does not
# come back is a flaky test (or a loaded machine), one that always does is worth a look
RECHECK="${RECHECK:-2}"
if [ "$RECHECK" -gt 0 ] 2>/dev/null; then
  echo "Each of them again, alone, $RECHECK time(s) on each provider (RECHECK=0 skips this):"
  while read -r test _; do
    tally=""
    for side in jdk edgedrain; do
      opts=()
      [ "$side" = edgedrain ] && opts=("${edge_opts[@]}")
      passed=0
      for i in $(seq 1 "$RECHECK"); do
        jtreg_run "$OUT/recheck/$side-$i" "$test" -- "${opts[@]}"
        grep -q "Passed\." "$OUT/recheck/$side-$i/report/text/summary.txt" && passed=$((passed + 1))
      done
      tally="$tally $side passed $passed/$RECHECK,"
    done
    printf "  %-70s%s\n" "$test" "${tally%,}"
  done < "$diffs"
fi
exit 1
