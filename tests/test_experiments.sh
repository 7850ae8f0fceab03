#!/usr/bin/env bash
# tests/test_experiments.sh — the experiments of results/README.md and the
# sweep's parts they need, against the fake snapbench
# (tests/fixtures/fake-snapbench):
#   - the p99.9 rule: every experiment a p99.9 figure draws declares
#     uses_p999=yes and holds 10,000 commits per point in full; --quick
#     says, on stderr and in the meta, which points do not;
#   - --plan: each point's runs (series included) and an estimate no
#     shorter than the runs' warm-ups and windows; scripts/reproduce
#     --plan adds up the sweeps' estimates;
#   - series: a variant run again with other options, its rows, hgrm and
#     timeline files under its label (rustdb-pagever's pagever-home-off);
#   - calibrate=yes: snapbench --calibrate per point, its lines in the
#     meta (stall-size's copy model);
#   - resource_errors=record: a run ended by a resource error is recorded
#     and its timeline kept, the others' rows written; elsewhere it fails
#     the sweep (exit 3);
#   - the definitions' own numbers: the forgotten reader's read outlasts
#     its 120 s window at 5000 commits/s (closed loop: rate 0), staggered
#     readers start 2/R s apart with --retained-min, the decision map's
#     18 cells are its grid.
# shellcheck source=fixtures/prelude.sh
source "$(dirname "$0")/fixtures/prelude.sh"
sweep=$root/scripts/sweep
# A definition's point_args X (full, or --quick with QUICK=1).
args_of() {  # args_of EXPERIMENT X
  bash -c 'quick=${QUICK:-0}; source "$1"; point_args "$2"' _ "$root/scripts/experiments/$1.sh" "$2"
}

# ---- the p99.9 rule ----
p999_figures=$(grep -l "write_p999_us" "$root"/scripts/plots/*.gp | xargs -n1 basename | sed 's/\.gp$//')
[ -n "$p999_figures" ] || fail "no figure draws write_p999_us"
for fig in $p999_figures; do
  sources=$(sed -n "s/.*\[$fig\]=\"\([^\"]*\)\".*/\1/p" "$root/scripts/plot")
  [ -n "$sources" ] || fail "scripts/plot has no sources for $fig"
  for e in $sources; do
    grep -q "^uses_p999=yes" "$root/scripts/experiments/$e.sh" || fail "$e (drawn by $fig) lacks uses_p999=yes"
    "$sweep" "$e" --plan >"$tmp/plan" 2>&1 || fail "$e --plan: $(cat "$tmp/plan")"
    grep -q "note:" "$tmp/plan" && fail "$e: a full point under 10,000 commits: $(grep note: "$tmp/plan")"
    awk '/^plan: .* x=/ { sub(/.*\(/, ""); sub(/ commits.*/, ""); if ($0 + 0 < 10000) bad = 1 } END { exit bad }' "$tmp/plan" ||
      fail "$e: a point's window holds under 10,000 commits: $(cat "$tmp/plan")"
  done
done
# --quick may hold fewer, and says so on stderr and in the meta
"$sweep" stall-read --quick --out "$tmp/q" 2>"$tmp/q.err"
grep -q "note: stall-read --quick: x=10: write rate x duration = 1210 commits per run, under the 10000 a p99.9 needs: its p99.9 cells are empty" \
  "$tmp/q.err" || fail "no --quick note on stderr: $(grep note "$tmp/q.err")"
grep -q "^note: x=10 repeat=1: write rate x duration = 1210 commits" "$tmp/q/stall-read/$host.meta" ||
  fail "no --quick note in the meta"
# an experiment whose figures draw no p99.9 is not noted
"$sweep" retained-hot --quick --out "$tmp/q" 2>"$tmp/q.err"
grep -q "note:" "$tmp/q.err" && fail "retained-hot noted: $(grep note: "$tmp/q.err")"

# ---- --plan ----
"$sweep" rustdb-pagever --quick --plan >"$tmp/plan"
grep -q "^plan: rustdb-pagever x=1: 4 runs of about [0-9.]* s (5000 commits per window): floor,pagever,pagever-home-off,rustdb$" \
  "$tmp/plan" || fail "plan: $(cat "$tmp/plan")"
estimate=$(sed -n 's/^estimate_s: //p' "$tmp/plan")
# 2 points x 4 runs of a 0.5 s warm-up and a 1 s window: at least 12 s, and an
# overhead per run of seconds, not minutes
[ "$estimate" -ge 12 ] && [ "$estimate" -le 40 ] || fail "estimate $estimate s for 8 runs of 1.5 s"
# scripts/reproduce adds every sweep's estimate (no build: SNAPBENCH_BIN given)
sum=0
for def in "$root"/scripts/experiments/*.sh; do
  e=$(basename "$def" .sh)
  sum=$((sum + $("$sweep" "$e" --quick --plan | sed -n 's/^estimate_s: //p')))
done
"$root/scripts/reproduce" --quick --plan 2>"$tmp/reproduce.err" || fail "reproduce --plan: $(tail -3 "$tmp/reproduce.err")"
grep -q "estimated duration $((sum / 60)) min $((sum % 60)) s for" "$tmp/reproduce.err" ||
  fail "reproduce's estimate is not the sweeps' sum ($sum s): $(grep estimated "$tmp/reproduce.err")"
grep -q "== reproduce: experiment" "$tmp/reproduce.err" && fail "reproduce --plan ran a sweep"

# ---- series: rustdb-pagever's pagever-home-off ----
"$sweep" rustdb-pagever --quick --out "$tmp/s" 2>/dev/null
runs=$tmp/s/rustdb-pagever/$host.runs.csv
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
         { n[$c["variant"] " " $c["pv_home"]]++ }
         END { exit !(n["pagever-home-off off"] == 2 && n["pagever on"] == 2 && n["pagever off"] == 0 && n["rustdb on"] == 2) }' "$runs" ||
  fail "series rows: $(cut -d, -f3 "$runs" | sort | uniq -c | tr '\n' ' ')"
grep -q "^command: snapbench -q -v pagever .* --pv-home off --seed 1" "$tmp/s/rustdb-pagever/$host.meta" ||
  fail "the series' command lacks --pv-home off"
grep -q "^variants_run: floor,pagever,pagever-home-off,rustdb$" "$tmp/s/rustdb-pagever/$host.meta" ||
  fail "$(grep variants_run "$tmp/s/rustdb-pagever/$host.meta")"
[ "$(cut -d, -f3 "$tmp/s/rustdb-pagever/$host.csv" | sed 1d | uniq | tr '\n' ' ')" = "floor pagever pagever-home-off rustdb " ] ||
  fail "summary order: $(cut -d, -f3 "$tmp/s/rustdb-pagever/$host.csv" | uniq | tr '\n' ' ')"
# a series is shuffled with the variants, by the same seeded generator
grep "^order: " "$tmp/s/rustdb-pagever/$host.meta" | grep -qv "pagever-home-off$" ||
  fail "the series always runs last"
# its hgrm and timeline files carry its label (an experiment made for this,
# in a copy of the scripts)
repo=$tmp/repo
mkdir -p "$repo"
cp -r "$root/scripts" "$repo/"
cat >"$repo/scripts/experiments/probe.sh" <<'EOF'
kind=timeline
hgrm=yes
title=probe x_name=x x_unit=-
variants="pagever,floor"
series="pagever-home-off=pagever --pv-home off"
points="5"
point_args() { echo "-r 1 --read-pause $1 -d 1"; }
EOF
"$repo/scripts/sweep" probe --out "$tmp/p" 2>/dev/null
ls "$tmp/p/probe/$host.hgrm/x5-r1/pagever-home-off.commit.hgrm" "$tmp/p/probe/$host.hgrm/x5-r1/pagever.commit.hgrm" \
  >/dev/null || fail "hgrm files: $(ls "$tmp/p/probe/$host.hgrm/x5-r1")"
[ "$(cut -d, -f1 "$tmp/p/probe/$host.csv" | sed 1d | uniq | tr '\n' ' ')" = "floor pagever pagever-home-off " ] ||
  fail "timeline series: $(cut -d, -f1 "$tmp/p/probe/$host.csv" | uniq | tr '\n' ' ')"

# ---- calibrate=yes: stall-size's copy bandwidth in the meta ----
FAKE_COPY_GBPS=4 "$sweep" stall-size --quick --out "$tmp/c" 2>/dev/null
meta=$tmp/c/stall-size/$host.meta
grep -q "^calibrate: x=16 repeat=1: calibrate: memcpy of 16777216 bytes into a buffer faulted in: 4.000 GB/s" "$meta" ||
  fail "no calibration in the meta: $(grep calibrate "$meta")"
grep -q "^command: snapbench --calibrate -p 4096 " "$meta" || fail "the meta lacks the --calibrate command"
(cd "$root/scripts/lib" && python3 calibration.py "$meta") | grep -q "^16,4,4194.3$" ||
  fail "the copy model: $(cd "$root/scripts/lib" && python3 calibration.py "$meta")"

# ---- resource_errors=record: the forgotten reader's runs that end early ----
s=0
FAKE_RESOURCE_ERROR=lmdb "$sweep" forgotten-reader --quick --out "$tmp/f" 2>"$tmp/f.err" || s=$?
[ "$s" = 0 ] || fail "a recorded resource error exited $s: $(tail -3 "$tmp/f.err")"
grep -q "^ended: x=3 repeat=1: lmdb: exit 3: lmdb: the map (64 MiB) is full: readers pin the pages freed since they began | lmdb: lmdb: a write transaction failed" \
  "$tmp/f/forgotten-reader/$host.meta" || fail "not recorded: $(grep ended "$tmp/f/forgotten-reader/$host.meta")"
[ "$(grep -c '^lmdb,' "$tmp/f/forgotten-reader/$host.csv")" = 2 ] || fail "lmdb's timeline up to its end is not kept"
grep -q ",lmdb," "$tmp/f/forgotten-reader/$host.runs.csv" && fail "lmdb has a row"
grep -q ",pagever," "$tmp/f/forgotten-reader/$host.runs.csv" || fail "the other variants' rows are missing"
# elsewhere a resource error still fails the point
s=0
FAKE_RESOURCE_ERROR=pagever "$sweep" staleness --quick --out "$tmp/f2" 2>/dev/null || s=$?
[ "$s" = 3 ] || fail "a resource error in staleness exited $s"

# ---- the definitions' numbers ----
a=$(args_of forgotten-reader 120)
[[ $a == *"--read-pause 130000 "* && $a == *"--write-rate 5000 "* && $a == *"-d 120"* && $a == *"--reads 1 "* &&
   $a == *"--lr-publish try"* && $a == *"--retained-limit 4294967296"* ]] || fail "forgotten-reader: $a"
[[ $(args_of forgotten-closed 120) == *"--write-rate 0 "* ]] || fail "forgotten-closed is not closed-loop"
a=$(args_of staggered 16)
[[ $a == *"-r 16 "* && $a == *"--read-pause 2000 "* && $a == *"--read-stagger 0.125 "* && $a == *"--retained-min"* ]] ||
  fail "staggered: $a"
grep -q "^points=\"1 2 4 8 16\"" "$root/scripts/experiments/staggered.sh" || fail "staggered: R = 1 to 16"
cells=$(for x in $(seq 1 18); do args_of decision-map "$x" | sed 's/.*--read-pause \([0-9]*\) --write-rate \([0-9]*\) --hot \([0-9]*\)%.*/\1,\2,\3/'; done | sort -u | wc -l)
[ "$cells" = 18 ] || fail "decision-map: $cells distinct cells, not 18"
sizes=$(bash -c 'source "$1"; echo $points' _ "$root/scripts/experiments/stall-size.sh" | wc -w)
[ "$sizes" -ge 6 ] || fail "stall-size has $sizes sizes"
echo "test_experiments: ok"
