#!/usr/bin/env bash
# The pipeline stage of `npm run bench` at two revisions, alternating, on the same broker and database server:
#   bash bench/compare-revisions.sh <before-rev> [<after-rev>=HEAD] [rounds=2] [events=200000]
# Each revision is checked out into its own worktree under ${TMPDIR:-/tmp} (sharing this checkout's node_modules)
# and built there; each round runs before, then after, and prints the end-to-end rate, the CPU per event and
# the machine's busy share from each run's report. Used for BENCHMARKS.md's "before and after" sections.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
before="${1:?usage: compare-revisions.sh <before-rev> [<after-rev>] [rounds] [events]}"
after="${2:-HEAD}"
rounds="${3:-2}"
events="${4:-200000}"
work="${TMPDIR:-/tmp}/dvc-compare-$$"
mkdir -p "$work"
cleanup() { for side in before after; do git -C "$repo" worktree remove --force "$work/$side" 2>/dev/null || true; done; }
trap cleanup EXIT
for side in before after; do
  rev=$before; [[ $side == after ]] && rev=$after
  git -C "$repo" worktree add -q --detach "$work/$side" "$rev"
  ln -s "$repo/node_modules" "$work/$side/node_modules"
  (cd "$work/$side" && npx swc libs services bench -d dist --copy-files --delete-dir-on-start --quiet)
  echo "[compare] $side = $(git -C "$work/$side" rev-parse --short HEAD)"
done
for ((round = 1; round <= rounds; round++)); do
  for side in before after; do
    report="$work/report-$side-$round.md"
    (cd "$work/$side" && BENCH_EVENTS="$events" BENCH_DATABASE=dvc_bench_compare BENCH_WORK_DIR="$work/run-$side" BENCH_REPORT="$report" \
      BENCH_API_SKIP=1 BENCH_FRESHNESS_SKIP=1 BENCH_SCALE_SKIP=1 BENCH_ALERTING_SKIP=1 BENCH_KAFKA_CLIENTS_SKIP=1 \
      BENCH_SWEEP_SKIP=1 BENCH_LATENCY_SKIP=1 BENCH_DECODER_FUZZ_SKIP=1 node dist/bench/run-benchmarks.js > "$work/log-$side-$round.txt" 2>&1) \
      || { echo "[compare] round $round $side failed: see $work/log-$side-$round.txt"; trap - EXIT; exit 1; }
    e2e=$(grep -E '^\| \*\*pipeline end-to-end' "$report" | awk -F'|' '{print $5}' | tr -d ' ')
    cpu=$(grep -oE 'CPU per event in the pipeline: [^;]*; [0-9]+ µs in all' "$report" | sed 's/CPU per event in the pipeline: //')
    busy=$(grep -oE 'machine was [0-9]+% busy' "$report")
    echo "[compare] round $round $side: end-to-end $e2e events/s; $cpu; $busy"
  done
done
