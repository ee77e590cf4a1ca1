#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, replays the inputs kept under tests/fuzz/regressions,
# then runs each target for FUZZ_SECONDS on its seed corpus and prints, per target,
# the runs, the executions per second and whether it ran clean.
#
# usage: scripts/fuzz.sh [TARGET...]          (default: every target)
# environment:
#   FUZZ_SECONDS        time per target (default 60); 0 replays the corpus only
#   FUZZ_BUILD_DIR      build directory (default build-fuzz)
#   JOBS                build jobs (default 2)
#   RIPOSTE_CORPUS_DIR  the shared test corpus (default ../shared/corpus)
#
# Crashes, timeouts and leaks are written to FUZZ_BUILD_DIR/fuzz-artifacts/TARGET/; once
# fixed, keep the input as tests/fuzz/regressions/TARGET/NAME so that every run replays it.
set -eu

cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${JOBS:-2}
corpus_dir=${RIPOSTE_CORPUS_DIR:-../shared/corpus}
all_targets="fuzz_http_request fuzz_sns_envelope fuzz_pattern fuzz_template fuzz_config"
targets=${*:-$all_targets}

# Per target: the largest input worth trying, and how long one input may take (seconds).
# fuzz_http_request's timeout is below the server's shortest one, so that a connection
# outliving its client is reported; fuzz_template and fuzz_config compile jq programs.
set_limits() {
    case "$1" in
    fuzz_http_request) max_len=16384 timeout=5 ;;
    fuzz_sns_envelope) max_len=16384 timeout=10 ;;
    fuzz_pattern) max_len=8192 timeout=10 ;;
    fuzz_template) max_len=8192 timeout=30 ;;
    fuzz_config) max_len=16384 timeout=30 ;;
    *)
        echo "unknown fuzz target $1 (known: $all_targets)" >&2
        exit 2
        ;;
    esac
}

for target in $targets; do
    set_limits "$target"
done

# clang and its libFuzzer runtime are needed for this path only, not by install-deps.sh.
missing=""
for p in clang libclang-rt-14-dev; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "fuzzing needs these Debian packages:$missing" >&2
        echo "install them with: sudo apt-get install$missing" >&2
        exit 1
    fi
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
scripts/install-deps.sh

# -O1 keeps the search fast; RelWithDebInfo's usual -DNDEBUG is left out so asserts stay on.
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DRIPOSTE_SANITIZE=ON -DRIPOSTE_FUZZ=ON \
    -DRIPOSTE_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g" >/dev/null
cmake --build "$build" --target fuzz_targets -j "$jobs"

python3 tests/fuzz/seed_corpus.py --corpus "$corpus_dir" --examples examples --out "$build/corpus" \
    --sns-pki "$build/sns-pki"

stat_of() {
    sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

summary=""
failed=0
for target in $targets; do
    set_limits "$target"
    bin="$build/fuzz/$target"
    artifacts="$build/fuzz-artifacts/$target/"
    log="$build/fuzz-logs/$target.log"
    mkdir -p "$artifacts" "$(dirname "$log")"
    dict=""
    if [ -f "tests/fuzz/dict/$target.dict" ]; then
        dict="-dict=tests/fuzz/dict/$target.dict"
    fi
    options="-max_len=$max_len -timeout=$timeout -rss_limit_mb=2048 -artifact_prefix=$artifacts"

    regressions="tests/fuzz/regressions/$target"
    count=$(find "$regressions" -type f 2>/dev/null | wc -l)
    if [ "$count" -gt 0 ]; then
        echo "== $target: replaying $count regression inputs"
        # shellcheck disable=SC2086
        if ! "$bin" $options "$regressions"/* >"$log" 2>&1; then
            tail -n 40 "$log"
            summary="$summary$(printf '%-18s regression input fails (log: %s)' "$target" "$log")\n"
            failed=1
            continue
        fi
    fi

    if [ "$seconds" -eq 0 ]; then
        run="-runs=0"
    else
        run="-max_total_time=$seconds"
    fi
    echo "== $target: $run"
    # shellcheck disable=SC2086
    if "$bin" $options $dict $run -print_final_stats=1 "$build/corpus/$target" >"$log" 2>&1; then
        result="clean"
    else
        result="FAILED: see $log and $artifacts"
        tail -n 40 "$log"
        failed=1
    fi
    runs=$(stat_of number_of_executed_units "$log")
    speed=$(stat_of average_exec_per_sec "$log")
    line=$(printf '%-18s runs %9s  exec/s %6s  %s' "$target" "${runs:-?}" "${speed:-?}" "$result")
    echo "$line"
    summary="$summary$line\n"
done

echo
echo "fuzzing summary (${seconds}s per target, ASan+UBSan):"
printf '%b' "$summary"
exit $failed
