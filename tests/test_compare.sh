#!/usr/bin/env bash
# tests/test_compare.sh — scripts/compare on two fixture sweeps
# (tests/fixtures/compare/A and B, three repeats each) whose verdicts are
# known by construction:
#   pagever write_p999_us  100 -> 150, tight      slower (lower is better)
#   pagever commits_per_s  1000 -> 700, tight     slower (higher is better)
#   pagever scan_gbps      10 -> 12, tight        faster (higher is better)
#   rwlock  write_p999_us  1000 -> 500, tight     faster
#   rwlock  write_p50_us   100 -> 103, tight      no change at 5 %, slower at 1 %
#   rwlock  scan_gbps      9 -> 9.05              no change
#   floor   write_max_us   200 -> 150, but the repeats spread 100-300: no change
#   floor   scan_gbps      empty in B (no read)   missing, not 0
#   steal_ms (the machine), reads (a count), duration_s (a setting): not judged
# shellcheck source=fixtures/prelude.sh
source "$(dirname "$0")/fixtures/prelude.sh"
fx=$root/tests/fixtures/compare
verdict_of() {  # verdict_of FILE VARIANT METRIC
  awk -v v="$2" -v m="$3" '$3 == v && $4 == m { $1 = $2 = $3 = $4 = $5 = $6 = $7 = $8 = $9 = ""; sub(/^ */, ""); print }' "$1"
}

"$root/scripts/compare" "$fx/A" "$fx/B" --all >"$tmp/out" || fail "compare exited $?"
while read -r variant metric want; do
  got=$(verdict_of "$tmp/out" "$variant" "$metric")
  [ "$got" = "${want//_/ }" ] || fail "$variant $metric: '$got', expected '${want//_/ }'"
done <<'WANT'
pagever write_p999_us slower
pagever commits_per_s slower
pagever scan_gbps faster
rwlock write_p999_us faster
rwlock write_p50_us no_change
rwlock scan_gbps no_change
floor write_max_us no_change
floor scan_gbps missing
WANT
grep -Eq ' (steal_ms|reads|duration_s) ' "$tmp/out" && fail "judged a column with no better side: $(grep -E ' (steal_ms|reads|duration_s) ' "$tmp/out")"
# the ratio of medians and its interval
grep -Eq '^stall-read +10 +pagever +write_p999_us +100 +150 +1\.500 +1\.4[0-9]+ +1\.5[0-9]+ +slower$' "$tmp/out" ||
  fail "pagever p99.9 line: $(grep 'pagever  *write_p999_us' "$tmp/out")"
grep -q "^compare: 2 faster, 2 slower, 3 no change, 1 missing" "$tmp/out" || fail "summary: $(tail -1 "$tmp/out")"

# --threshold: 3 % is a change at 1 %
"$root/scripts/compare" "$fx/A/stall-read/h.runs.csv" "$fx/B/stall-read/h.runs.csv" --threshold 1 >"$tmp/t1"
[ "$(verdict_of "$tmp/t1" rwlock write_p50_us)" = slower ] || fail "--threshold 1: $(verdict_of "$tmp/t1" rwlock write_p50_us)"
# without --all only the changes are listed
grep -v '^compare:' "$tmp/t1" | grep -q "no change" && fail "a 'no change' row printed without --all"

# seeded: the same intervals twice
"$root/scripts/compare" "$fx/A" "$fx/B" --all >"$tmp/again"
cmp -s "$tmp/out" "$tmp/again" || fail "two runs with the same seed differ"

# --fail-on-regression: 1 on a regression, 0 without one
s=0
"$root/scripts/compare" "$fx/A" "$fx/B" --fail-on-regression >/dev/null || s=$?
[ "$s" = 1 ] || fail "--fail-on-regression with regressions exited $s"
"$root/scripts/compare" "$fx/A" "$fx/A" --fail-on-regression >"$tmp/same" || fail "A against A failed"
grep -q "^compare: 0 faster, 0 slower" "$tmp/same" || fail "A against A: $(tail -1 "$tmp/same")"
"$root/scripts/compare" "$fx/B" "$fx/A" --fail-on-regression >/dev/null && fail "B against A (regressions the other way) passed"

# bad usage: one line, exit 2
for args in "$fx/A" "$fx/A $tmp/nosuch" "$fx/A $fx/B --threshold x" "$fx/A/stall-read/h.runs.csv $fx/B"; do
  s=0
  # shellcheck disable=SC2086
  "$root/scripts/compare" $args >/dev/null 2>"$tmp/err" || s=$?
  [ "$s" = 2 ] || fail "'$args' exited $s"
done
echo "test_compare: ok"
