#!/usr/bin/env bash
# tests/test_sweep.sh — scripts/sweep and scripts/plot against a fake
# snapbench (tests/fixtures/fake-snapbench) whose numbers are known: the
# median and spread per (x, variant), empty cells kept empty, the row order
# gnuplot relies on, the repeats interleaved and the variants shuffled per
# point (seeded, recorded), the floor control in every experiment, the
# refusal of a dirty tree, the noise warnings, a violation kept and
# reported (exit 1), a failed run writing nothing (exit 3), bad usage
# (exit 2), and every figure drawn, a variant no script knows included.
# shellcheck source=fixtures/prelude.sh
source "$(dirname "$0")/fixtures/prelude.sh"
# The machine may be busy (other builds): load warnings are not under test
# here except where asked for, so they go to a file.
col() {  # col FILE COLUMN: that column of every data row, space separated
  awk -F, -v want="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == want) c = i; next }
                        { printf "%s ", $c }' "$1"
}

# ---- bad usage: exit 2 and one line naming the problem ----
expect_usage() {  # expect_usage PATTERN ARGS...
  local pattern=$1 s=0; shift
  "$root/scripts/sweep" "$@" 2>"$tmp/err" >/dev/null || s=$?
  [ "$s" = 2 ] || fail "'$*' exited $s"
  grep -q -- "$pattern" "$tmp/err" || fail "'$*': $(cat "$tmp/err")"
}
expect_usage "no experiment 'nosuch'" nosuch --out "$tmp/r"
expect_usage "--repeats" staleness --repeats 0 --out "$tmp/r"
expect_usage "--points" staleness --points "1 x" --out "$tmp/r"
expect_usage "--order-seed" staleness --order-seed -3 --out "$tmp/r"
expect_usage "go together" staleness --point 10 --out "$tmp/r"

# ---- --points replaces the x values; rows grouped by variant in registry order ----
"$root/scripts/sweep" staleness --points "7 3" --repeats 1 --out "$tmp/p" 2>/dev/null
[ "$(cut -d, -f2,3 "$tmp/p/staleness/$host.csv" | tr '\n' ' ')" = \
  "x,variant 3,floor 7,floor 3,pagever 7,pagever 3,leftright 7,leftright " ] ||
  fail "--points: $(cut -d, -f2,3 "$tmp/p/staleness/$host.csv" | tr '\n' ' ')"

# ---- medians and spreads: staleness --quick has points 10 100 1000 and
# the variants try-eventual,pagever,floor; 3 repeats with seeds 1, 2, 3.
# pagever reports no read (FAKE_NOREAD): its read cells must stay empty.
FAKE_LOG=$tmp/log FAKE_NOREAD=pagever "$root/scripts/sweep" staleness --quick --repeats 3 \
  --out "$tmp/r" 2>"$tmp/sweep.err"
csv=$tmp/r/staleness/$host.csv meta=$tmp/r/staleness/$host.meta
[ -f "$csv" ] && [ -f "$meta" ] && [ -f "$tmp/r/staleness/$host.runs.csv" ] || fail "files missing"
[ "$(wc -l <"$tmp/r/staleness/$host.runs.csv")" = $((1 + 3 * 3 * 3)) ] || fail "runs.csv rows"
for key in git_commit dirty cpu cores memory kernel cpu_governor cpu_turbo smt thp load_average \
           compiler compiler_flags libraries date repeats x_name order_seed seed_base order command; do
  grep -q "^$key: " "$meta" || fail "meta lacks $key"
done
grep -q "^libraries: .*liburcu-dev.*libck-dev.*liblmdb-dev.*libsqlite3-dev" "$meta" || fail "meta: libraries"
awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  {
    x = $c["x"]
    if ($c["repeats"] != 3) { print "repeats " $c["repeats"]; bad = 1 }
    if ($c["write_p999_us"] != 20 + x || $c["write_p999_us_lo"] != 10 + x || $c["write_p999_us_hi"] != 30 + x) {
      print "p999 at " x ": " $c["write_p999_us"] " " $c["write_p999_us_lo"] " " $c["write_p999_us_hi"]; bad = 1 }
    if ($c["retained_peak_bytes"] != 1000 * x) { print "retained " $c["retained_peak_bytes"]; bad = 1 }
    if ($c["violations"] != 0) { print "violations"; bad = 1 }
    # a column the sweep never names is summarised too
    if ($c["writer_allocs"] != 7) { print "writer_allocs " $c["writer_allocs"]; bad = 1 }
    empty = ($c["scan_gbps"] == "" && $c["scan_gbps_lo"] == "" && $c["read_p50_ms"] == "")
    if ($c["variant"] == "pagever" && !empty) { print "pagever read cells not empty: " $c["scan_gbps"]; bad = 1 }
    if ($c["variant"] != "pagever" && $c["scan_gbps"] != 2.5) { print "scan_gbps " $c["scan_gbps"]; bad = 1 }
    order = order $c["variant"] ":" x " "
  }
  END {
    want = "floor:10 floor:100 floor:1000 pagever:10 pagever:100 pagever:1000 leftright:10 leftright:100 leftright:1000 "
    if (order != want) { print "order: " order; bad = 1 }
    exit bad
  }' "$csv" || fail "aggregate wrong (above)"

# ---- interleaved repeats, shuffled variants, the order in the meta ----
# The fake logs "variant seed=S x=X" per run: all of repeat 1 comes first.
[ "$(awk '{ print $2 }' "$tmp/log" | tr '\n' ' ')" = "$(for s in 1 2 3; do for i in $(seq 9); do printf 'seed=%s ' "$s"; done; done)" ] ||
  fail "repeats not interleaved: $(awk '{ print $2 }' "$tmp/log" | tr '\n' ' ')"
[ "$(awk '{ print $3 }' "$tmp/log" | uniq | tr '\n' ' ')" = "x=10 x=100 x=1000 x=10 x=100 x=1000 x=10 x=100 x=1000 " ] ||
  fail "points not in turn within a repeat"
# the order each point ran in, as logged, and as the meta records it
awk '{ o[$2 " " $3] = o[$2 " " $3] (o[$2 " " $3] == "" ? "" : ",") $1 } END { for (k in o) print k, o[k] }' "$tmp/log" |
  sort >"$tmp/ran"
sed -n 's/^order: x=\([0-9.]*\) repeat=\([0-9]*\) seed=\([0-9]*\) .*: /seed=\3 x=\1 /p' "$meta" | sort >"$tmp/said"
diff "$tmp/ran" "$tmp/said" >/dev/null || fail "the meta's orders differ from the runs': $(diff "$tmp/ran" "$tmp/said")"
[ "$(awk '{ print $3 }' "$tmp/ran" | sort -u | wc -l)" -ge 2 ] || fail "every point ran in the same order"
# the order is seeded: the same seed gives the same orders, another seed others
FAKE_LOG=$tmp/log2 "$root/scripts/sweep" staleness --quick --repeats 3 --out "$tmp/r2" 2>/dev/null
cmp -s <(awk '{ print $1 }' "$tmp/log") <(awk '{ print $1 }' "$tmp/log2") || fail "the same --order-seed gave another order"
FAKE_LOG=$tmp/log3 "$root/scripts/sweep" staleness --quick --repeats 3 --order-seed 7 --out "$tmp/r3" 2>/dev/null
cmp -s <(awk '{ print $1 }' "$tmp/log") <(awk '{ print $1 }' "$tmp/log3") && fail "--order-seed 7 gave the same orders"
grep -q "^order_seed: 7$" "$tmp/r3/staleness/$host.meta" || fail "meta lacks order_seed 7"
# the summary does not depend on the order
[ "$(col "$csv" write_p999_us)" = "$(col "$tmp/r3/staleness/$host.csv" write_p999_us)" ] || fail "order changed the medians"

# ---- the floor control runs in every experiment (one point each) ----
for def in "$root"/scripts/experiments/*.sh; do
  e=$(basename "$def" .sh)
  x=$(bash -c 'quick=1; read_duration() { :; }; source "$1"; set -- ${quick_points:-$points}; echo "$1"' _ "$def")
  "$root/scripts/sweep" "$e" --quick --point "$x" --repeat 1 --shard "$tmp/floor/$e" 2>/dev/null ||
    fail "$e: the point run failed"
  grep -q "^order: .*floor" "$tmp/floor/$e/meta" || fail "$e does not run floor: $(grep '^order' "$tmp/floor/$e/meta")"
done
# a timeline experiment keeps the series of every variant as its HOST.csv
"$root/scripts/aggregate" --out "$tmp/tl" "$tmp/floor/timeline" 2>/dev/null
[ "$(head -1 "$tmp/tl/timeline/$host.csv")" = "variant,t_s,commits,reads,write_p99_us,retained_bytes,rss_bytes,retained_visible_bytes" ] ||
  fail "timeline header: $(head -1 "$tmp/tl/timeline/$host.csv")"
[ "$(cut -d, -f1 "$tmp/tl/timeline/$host.csv" | sed 1d | uniq | head -2 | tr '\n' ' ')" = "floor rwlock " ] ||
  fail "timeline variants: $(cut -d, -f1 "$tmp/tl/timeline/$host.csv" | uniq | tr '\n' ' ')"
# the headline experiment asks snapbench for HdrHistogram files
ls "$tmp/floor/stall-read/hgrm/floor.commit.hgrm" >/dev/null || fail "stall-read wrote no hgrm"
grep -q -- "--hgrm hgrm" "$tmp/floor/stall-read/meta" || fail "stall-read's command lacks --hgrm"

# ---- an empty percentile stays empty ----
FAKE_FEW_COMMITS=1 "$root/scripts/sweep" staleness --quick --repeats 2 --out "$tmp/few" 2>/dev/null
[ -z "$(col "$tmp/few/staleness/$host.csv" write_p999_us | tr -d ' ')" ] ||
  fail "an unreported p99.9 became: $(col "$tmp/few/staleness/$host.csv" write_p999_us)"

# ---- noise warnings: spread (the fake's p99.9 is 10 s + x over seeds 1-3:
# 20/(20 + x) of the median, 67 % at x = 10, 2 % at x = 1000) and steal ----
grep -q "warning: staleness: spread: x=10 pagever: write_p999_us" "$tmp/sweep.err" || fail "no spread warning at x=10"
grep -q "spread: x=1000 " "$tmp/sweep.err" && fail "a spread warning at x=1000"
grep -q "^warning: spread: x=10 pagever" "$meta" || fail "the meta lacks the spread warning"
FAKE_STEAL_MS=500 "$root/scripts/sweep" staleness --quick --repeats 1 --out "$tmp/steal" 2>"$tmp/steal.err"
grep -q "warning: staleness: steal: x=10 repeat 1 floor: 500 ms" "$tmp/steal.err" || fail "no steal warning: $(cat "$tmp/steal.err")"
grep -q "^warning: steal: " "$tmp/steal/staleness/$host.meta" || fail "the meta lacks the steal warning"
FAKE_STEAL_MS=500 "$root/scripts/sweep" staleness --quick --repeats 3 --quiet-warnings --out "$tmp/quiet" 2>"$tmp/quiet.err"
grep -q "warning:" "$tmp/quiet.err" && fail "--quiet-warnings printed: $(grep warning: "$tmp/quiet.err" | head -1)"
grep -q "^warning: steal: " "$tmp/quiet/staleness/$host.meta" || fail "--quiet-warnings dropped the meta's record"

# ---- a dirty tree: refused for results/, allowed with --dirty, and said ----
repo=$tmp/repo
mkdir -p "$repo"
cp -r "$root/scripts" "$root/.gitignore" "$repo/"
(cd "$repo" && git init -q && git add .gitignore scripts && git -c user.name=t -c user.email=t@t commit -qm init)
echo "# an uncommitted change" >>"$repo/scripts/experiments/staleness.sh"
s=0
"$repo/scripts/sweep" staleness --points 10 --repeats 1 2>"$tmp/err" || s=$?
[ "$s" = 2 ] || fail "a dirty tree writing into results/ exited $s"
grep -q -- "--dirty" "$tmp/err" || fail "the refusal does not name --dirty: $(cat "$tmp/err")"
[ ! -e "$repo/results/staleness" ] || fail "the refused sweep wrote results"
"$repo/scripts/sweep" staleness --points 10 --repeats 1 --dirty 2>/dev/null
grep -q "^dirty: yes$" "$repo/results/staleness/$host.meta" || fail "the meta does not say dirty"
grep -q "^git_commit: [0-9a-f]*-dirty$" "$repo/results/staleness/$host.meta" || fail "the commit does not say dirty"
grep -q "^sweep_command: .*--dirty" "$repo/results/staleness/$host.meta" || fail "sweep_command lacks --dirty"
(cd "$repo" && git checkout -q scripts)
"$repo/scripts/sweep" staleness --points 10 --repeats 1 2>/dev/null
grep -q "^dirty: no$" "$repo/results/staleness/$host.meta" || fail "a clean tree's meta does not say dirty: no"
grep -q "^git_commit: $(cd "$repo" && git rev-parse HEAD)$" "$repo/results/staleness/$host.meta" || fail "meta: commit"

# ---- a violation: the files are written, with it in them, and the exit is 1 ----
s=0
FAKE_VIOLATE=1 "$root/scripts/sweep" staleness --quick --repeats 3 --out "$tmp/v" 2>/dev/null || s=$?
[ "$s" = 1 ] || fail "a violation exited $s"
[ "$(col "$tmp/v/staleness/$host.csv" violations)" = "1 1 1 1 1 1 1 1 1 " ] || fail "violation not kept as the maximum"

# ---- a failed run: exit 3 and no result file replaced, no temporary left ----
cp "$csv" "$tmp/before.csv"
s=0
FAKE_FAIL=1 "$root/scripts/sweep" staleness --quick --repeats 1 --out "$tmp/r" 2>/dev/null || s=$?
[ "$s" = 3 ] || fail "a failed run exited $s"
cmp -s "$csv" "$tmp/before.csv" || fail "a failed sweep changed $csv"
ls -a "$tmp/r/staleness" | grep -q tmp && fail "a temporary file was left"

# ---- figures: every format; a variant no script knows is drawn ----
"$root/scripts/plot" staleness --dir "$tmp/r" 2>/dev/null
for f in png svg pdf; do
  [ -s "$tmp/r/figures/staleness.$f" ] || fail "no staleness.$f"
done
head -c 8 "$tmp/r/figures/staleness.png" | grep -q PNG || fail "not a PNG"
head -c 5 "$tmp/r/figures/staleness.pdf" | grep -q '%PDF' || fail "not a PDF"
grep -q '<svg' "$tmp/r/figures/staleness.svg" || fail "not an SVG"

FAKE_EXTRA=zzvariant "$root/scripts/sweep" stall-read --points "10 1000" --repeats 2 --out "$tmp/u" 2>/dev/null
grep -q "^variants_run: .*zzvariant" "$tmp/u/stall-read/$host.meta" || fail "the unknown variant did not run"
"$root/scripts/plot" stall-read latency-cdf --dir "$tmp/u" 2>/dev/null
for fig in stall-read latency-cdf; do
  svg=$tmp/u/figures/$fig.svg
  grep -q '>zzvariant<' "$svg" || fail "$fig: the unknown variant is not in the key"
  # its colour is one of style.gp's spare palette, used by no known variant
  spare=$(sed -n 's/^spare_colors = "\(.*\)"/\1/p' "$root/scripts/plots/style.gp")
  used=$(grep -o "stroke='rgb([0-9, ]*)'" "$svg" | sort -u)
  found=0
  for c in $spare; do
    rgb=$(printf "rgb(%3d, %3d, %3d)" 0x${c:1:2} 0x${c:3:2} 0x${c:5:2})
    grep -qF "$rgb" <<<"$used" && found=1
  done
  [ "$found" = 1 ] || fail "$fig: the unknown variant has no colour of its own"
  grep -q '>floor<' "$svg" || fail "$fig: no floor control"
done
echo "test_sweep: ok"
