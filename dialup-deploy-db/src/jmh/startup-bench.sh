#!/usr/bin/env bash
# Start-up benchmark of issue 14 (docs/PERFORMANCE.md, "Startup"): open() of an up-to-date
# database plus a first query, in fresh JVMs, every mode interleaved, beside plain sqlite-jdbc.
# Run from the repository root:   dialup-deploy-db/src/jmh/startup-bench.sh [runs-per-mode, default 11]
# Needs JDK 25 for the AOT-cache modes (skipped on older JDKs). Prints one line per run and the
# medians; everything lands in dialup-deploy-db/target/startup/.
set -euo pipefail
RUNS=${1:-11}
. .ci/use-jdk
cd dialup-deploy-db
../mvnw -B -q -Pbench -DskipTests test-compile
OUT=$PWD/target/startup
rm -rf "$OUT" && mkdir -p "$OUT"
# Jars, not class directories: AppCDS and the AOT cache only archive classes from jar files.
jar --create --file "$OUT/dialup-deploy-db.jar" -C target/classes .
jar --create --file "$OUT/startup-mains.jar" -C target/test-classes dev/dialup/deploy/db/bench/startup
CP="$OUT/startup-mains.jar:$OUT/dialup-deploy-db.jar:$(cat target/runtime-classpath.txt)"
J="java --enable-native-access=ALL-UNNAMED -cp $CP"
MAIN=dev.dialup.deploy.db.bench.startup.StartupTimingMain
DB=$OUT/x.db
$J $MAIN library "$DB" >/dev/null 2>&1   # creates and migrates the file: from now on it is up to date
# sqlite-jdbc's native library extracted once, as a service image would ship it (docs/guide.md, "Start-up"):
# with org.sqlite.lib.path/name set the driver loads it in place instead of copying it out of its jar into
# java.io.tmpdir and comparing the copy byte by byte on every start.
SQLITE_JAR=$(tr ':' '\n' < target/runtime-classpath.txt | grep '/sqlite-jdbc-[^/]*\.jar$')
(mkdir -p "$OUT/native" && cd "$OUT/native" && jar xf "$SQLITE_JAR" org/sqlite/native/Linux/x86_64/libsqlitejdbc.so)
LIB="-Dorg.sqlite.lib.path=$OUT/native/org/sqlite/native/Linux/x86_64 -Dorg.sqlite.lib.name=libsqlitejdbc.so"
# Training runs (what a service would do once per build or deployment):
$J -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile="$OUT/app.jsa" $MAIN library "$DB" >/dev/null 2>&1
AOT=no
if [ "$(java -XX:+PrintFlagsFinal -version 2>/dev/null | grep -c ' AOTCacheOutput ')" = 1 ]; then
  $J -XX:AOTCacheOutput="$OUT/app.aot" $MAIN library "$DB" >/dev/null 2>&1 && AOT=yes
  # shellcheck disable=SC2086
  $J $LIB -XX:AOTCacheOutput="$OUT/app-lib.aot" $MAIN library "$DB" >/dev/null 2>&1
fi
MODES=(
  "plain||plain"
  "plain-lib|$LIB|plain"
  "library||library"
  "library-no-warmup|-Ddialup.db.warmup=false|library"
  "library-c1|-XX:TieredStopAtLevel=1|library"
  "library-appcds|-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=$OUT/app.jsa|library"
  "library-lib|$LIB|library"
)
if [ $AOT = yes ]; then
  MODES+=(
    "plain-aot|-XX:AOTCache=$OUT/app.aot|plain"
    "library-aot|-XX:AOTCache=$OUT/app.aot|library"
    "library-aot-c1|-XX:AOTCache=$OUT/app.aot -XX:TieredStopAtLevel=1|library"
    "library-aot-lib|-XX:AOTCache=$OUT/app-lib.aot $LIB|library"
  )
fi
echo "$(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
: > "$OUT/runs.txt"
for i in $(seq "$RUNS"); do
  for m in "${MODES[@]}"; do
    IFS='|' read -r name flags mode <<< "$m"
    # shellcheck disable=SC2086
    line=$($J $flags $MAIN "$mode" "$DB" 2>/dev/null | grep "^$mode ")   # JVM log lines (e.g. CDS notes) dropped
    echo "$name $line" | tee -a "$OUT/runs.txt"
  done
done
echo "$(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
# Medians (and min-max) per mode: wall, main-thread CPU, process CPU, classes loaded.
printf '%-18s %14s %16s %16s %8s\n' mode "wall ms" "main cpu ms" "process cpu ms" classes
for m in "${MODES[@]}"; do
  name=${m%%|*}
  awk -v n="$name" '$1 == n { print $3, $7, $11, $14 }' "$OUT/runs.txt" | tr -d ',' > "$OUT/m.txt"
  med() { cut -d' ' -f"$1" "$OUT/m.txt" | sort -n | awk '{a[NR]=$1} END {printf "%d (%d-%d)", a[int((NR+1)/2)], a[1], a[NR]}'; }
  printf '%-18s %14s %16s %16s %8s\n' "$name" "$(med 1)" "$(med 2)" "$(med 3)" "$(cut -d' ' -f4 "$OUT/m.txt" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
done
