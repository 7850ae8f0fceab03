#!/usr/bin/env bash
# tests/test_sweep.sh — scripts/sweep and scripts/plot against a fake
# snapbench whose numbers are known: the median and spread per (x, variant),
# the row order gnuplot relies on, a violation kept and reported (exit 1), a
# failed run writing nothing (exit 3), bad usage (exit 2), and every figure
# format drawn from the result.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_sweep: FAIL: $*" >&2; exit 1; }

# The fake: for --seed s and --read-pause x, write_p999_us = 10 s + x and
# retained_peak_bytes = 1000 x; violations 1 on seed 2 when FAKE_VIOLATE is
# set; exits 3 on x = 100 when FAKE_FAIL is set.
cat >"$tmp/fake" <<'FAKE'
#!/usr/bin/env bash
seed=1 x=0 out= variants=
while [ $# -gt 0 ]; do
  case $1 in
    --seed) seed=$2; shift ;;
    --read-pause) x=$2; shift ;;
    -o) out=$2; shift ;;
    -v) variants=$2; shift ;;
  esac
  shift
done
[ -n "${FAKE_FAIL:-}" ] && [ "$x" = 100 ] && exit 3
cols="variant,commits_per_s,write_p50_us,write_p99_us,write_p999_us,write_max_us,writer_blocked_ms,reads,read_p50_ms,read_max_ms,scan_gbps,stale_max_commits,retained_peak_bytes,rss_peak_bytes,violations,starved_reads"
[ -f "$out" ] || echo "$cols" >"$out"
viol=0
[ -n "${FAKE_VIOLATE:-}" ] && [ "$seed" = 2 ] && viol=1
for v in ${variants//,/ }; do
  echo "$v,1000,1,2,$((10 * seed + x)),5,0,3,1,1,2.5,0,$((1000 * x)),1,$viol,0" >>"$out"
done
[ "$viol" = 0 ] || exit 1
exit 0
FAKE
chmod +x "$tmp/fake"
export SNAPBENCH_BIN=$tmp/fake

# Bad usage: exit 2 and one line naming the problem.
set +e
"$root/scripts/sweep" nosuch --out "$tmp/r" 2>"$tmp/err"; s=$?
set -e
[ "$s" = 2 ] || fail "unknown experiment exited $s"
grep -q "no experiment 'nosuch'" "$tmp/err" || fail "unknown experiment: $(cat "$tmp/err")"
set +e
"$root/scripts/sweep" staleness --repeats 0 --out "$tmp/r" 2>"$tmp/err"; s=$?
set -e
[ "$s" = 2 ] || fail "--repeats 0 exited $s"

set +e
"$root/scripts/sweep" staleness --points "1 x" --out "$tmp/r" 2>"$tmp/err"; s=$?
set -e
[ "$s" = 2 ] || fail "--points '1 x' exited $s"
grep -q -- "--points" "$tmp/err" || fail "--points: $(cat "$tmp/err")"
# --points replaces the x values.
"$root/scripts/sweep" staleness --points "7 3" --repeats 1 --out "$tmp/p" 2>/dev/null
[ "$(cut -d, -f2,3 "$tmp/p/staleness/$(hostname).csv" | tr '\n' ' ')" = "x,variant 3,leftright 7,leftright 3,pagever 7,pagever " ] ||
  fail "--points: $(cut -d, -f2,3 "$tmp/p/staleness/$(hostname).csv" | tr '\n' ' ')"

# Medians and spreads.  staleness --quick: points 10 100 1000, variants
# leftright,pagever; 3 repeats with seeds 1, 2, 3.
"$root/scripts/sweep" staleness --quick --repeats 3 --out "$tmp/r" 2>/dev/null
host=$(hostname)
csv=$tmp/r/staleness/$host.csv
[ -f "$csv" ] || fail "no $csv"
[ -f "$tmp/r/staleness/$host.meta" ] || fail "no meta"
[ -f "$tmp/r/staleness/$host.runs.csv" ] || fail "no runs.csv"
[ "$(wc -l <"$tmp/r/staleness/$host.runs.csv")" = $((1 + 3 * 3 * 2)) ] || fail "runs.csv rows"
for key in git_commit cpu cores date repeats x_name command; do
  grep -q "^$key: " "$tmp/r/staleness/$host.meta" || fail "meta lacks $key"
done
awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  {
    x = $c["x"]
    if ($c["repeats"] != 3) { print "repeats " $c["repeats"]; bad = 1 }
    if ($c["write_p999_us"] != 20 + x || $c["write_p999_us_lo"] != 10 + x || $c["write_p999_us_hi"] != 30 + x) {
      print "p999 at " x ": " $c["write_p999_us"] " " $c["write_p999_us_lo"] " " $c["write_p999_us_hi"]; bad = 1 }
    if ($c["retained_peak_bytes"] != 1000 * x) { print "retained " $c["retained_peak_bytes"]; bad = 1 }
    if ($c["violations"] != 0) { print "violations"; bad = 1 }
    order = order $c["variant"] ":" x " "
  }
  END {
    want = "leftright:10 leftright:100 leftright:1000 pagever:10 pagever:100 pagever:1000 "
    if (order != want) { print "order: " order; bad = 1 }
    exit bad
  }' "$csv" || fail "aggregate wrong (above)"

# The figure draws in every format.
"$root/scripts/plot" staleness --dir "$tmp/r" 2>/dev/null
for f in png svg pdf; do
  [ -s "$tmp/r/figures/staleness.$f" ] || fail "no staleness.$f"
done
head -c 8 "$tmp/r/figures/staleness.png" | grep -q PNG || fail "not a PNG"
head -c 5 "$tmp/r/figures/staleness.pdf" | grep -q '%PDF' || fail "not a PDF"
grep -q '<svg' "$tmp/r/figures/staleness.svg" || fail "not an SVG"

# A violation: the files are written, with it in them, and the exit is 1.
set +e
FAKE_VIOLATE=1 "$root/scripts/sweep" staleness --quick --repeats 3 --out "$tmp/v" 2>/dev/null; s=$?
set -e
[ "$s" = 1 ] || fail "a violation exited $s"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["violations"] != 1 { exit 1 }' \
  "$tmp/v/staleness/$host.csv" || fail "violation not kept as the maximum"

# A failed run: exit 3 and no result file, not even the previous one replaced.
cp "$csv" "$tmp/before.csv"
set +e
FAKE_FAIL=1 "$root/scripts/sweep" staleness --quick --repeats 1 --out "$tmp/r" 2>/dev/null; s=$?
set -e
[ "$s" = 3 ] || fail "a failed run exited $s"
cmp -s "$csv" "$tmp/before.csv" || fail "a failed sweep changed $csv"
ls -a "$tmp/r/staleness" | grep -q tmp && fail "a temporary file was left"
echo "test_sweep: ok"
