#!/usr/bin/env bash
# tests/test_cluster.sh — a sweep spread as a job file and merged back:
# GNU parallel (Debian's `parallel`, installed through scripts/deps as root)
# runs a --quick sweep's job file on localhost over --sshloginfile, one
# slot, against the fake snapbench; scripts/aggregate's result must equal
# the local sweep's rows.  Then the aggregate's refusals: shards of another
# commit, of another host (unless --host-label), a missing point (unless
# --partial), and its load warning.  Exit 77 (skipped) when parallel is
# missing and cannot be installed here.
# shellcheck source=fixtures/prelude.sh
source "$(dirname "$0")/fixtures/prelude.sh"

if ! command -v parallel >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    "$root/scripts/deps" parallel >&2 || { echo "test_cluster: SKIPPED: could not install parallel" >&2; exit 77; }
  else
    echo "test_cluster: SKIPPED: GNU parallel is not installed and this is not root" >&2
    exit 77
  fi
fi

# The same sweep twice: here, and as a job file run by GNU parallel.
"$root/scripts/sweep" staleness --quick --repeats 2 --out "$tmp/local" 2>/dev/null
"$root/scripts/sweep" staleness --quick --repeats 2 --jobs "$tmp/jobs" --sbatch "$tmp/array.sh" \
  --shards "$tmp/shards" 2>/dev/null
[ "$(wc -l <"$tmp/jobs")" = 6 ] || fail "expected 6 jobs (3 points x 2 repeats), got $(wc -l <"$tmp/jobs")"
grep -q -- "--seed-base 1" "$tmp/jobs" || fail "a job lacks its seed base"
echo "1/:" >"$tmp/nodes"   # one slot on localhost (":" is this machine)
parallel --will-cite --sshloginfile "$tmp/nodes" <"$tmp/jobs" 2>"$tmp/parallel.err" ||
  fail "parallel failed: $(tail -5 "$tmp/parallel.err")"
[ "$(ls "$tmp/shards" | grep -c '^x')" = 6 ] || fail "shards: $(ls "$tmp/shards")"
"$root/scripts/aggregate" --out "$tmp/cluster" "$tmp/shards"/x* 2>/dev/null || fail "aggregate exited $?"
cmp "$tmp/local/staleness/$host.csv" "$tmp/cluster/staleness/$host.csv" ||
  fail "the aggregate differs from the local sweep's rows"
cmp "$tmp/local/staleness/$host.runs.csv" "$tmp/cluster/staleness/$host.runs.csv" ||
  fail "the aggregate's raw rows differ from the local sweep's"
grep -q "^order: x=100 repeat=2 seed=2 host=$host" "$tmp/cluster/staleness/$host.meta" || fail "meta: order lines"

# A job line is self-contained: it runs from an empty environment.
line=$(sed -n 1p "$tmp/jobs")
rm -rf "$tmp/shards/x10-r1"
env -i PATH=/usr/bin:/bin HOME="$HOME" bash -c "$line" 2>/dev/null || fail "a job line failed alone: $line"
[ -f "$tmp/shards/x10-r1/runs.csv" ] || fail "a job line alone wrote no shard"
# Another seed base gives other seeds.
"$root/scripts/sweep" staleness --quick --jobs "$tmp/jobs7" --seed-base 7 --shards "$tmp/s7" 2>/dev/null
bash -c "$(sed -n 1p "$tmp/jobs7")" 2>/dev/null
grep -q "^seed: 7$" "$tmp/s7/x10-r1/meta" || fail "--seed-base 7 did not seed 7"
grep -q -- "--seed 7 " "$tmp/s7/x10-r1/meta" || fail "the command did not run with --seed 7"

# The Slurm script: an array of one task per job line, each node to itself.
grep -q "^#SBATCH --array=1-6$" "$tmp/array.sh" || fail "sbatch: no --array=1-6"
grep -q "^#SBATCH --exclusive$" "$tmp/array.sh" || fail "sbatch: not --exclusive"
SLURM_ARRAY_TASK_ID=2 bash "$tmp/array.sh" 2>/dev/null || fail "the array script failed as task 2"

# ---- the aggregate's refusals ----
expect_refusal() {  # expect_refusal PATTERN ARGS...
  local pattern=$1 s=0; shift
  "$root/scripts/aggregate" "$@" >/dev/null 2>"$tmp/err" || s=$?
  [ "$s" = 2 ] || fail "aggregate $* exited $s"
  grep -q -- "$pattern" "$tmp/err" || fail "aggregate $*: $(cat "$tmp/err")"
}
cp -r "$tmp/shards" "$tmp/other"
sed -i 's/^git_commit: .*/git_commit: 0000000000000000000000000000000000000000/' "$tmp/other/x10-r2/meta"
expect_refusal "do not agree on git_commit" --out "$tmp/o" "$tmp/other"/x*
cp -r "$tmp/shards" "$tmp/hosts"
sed -i 's/^host: .*/host: node2/' "$tmp/hosts/x10-r2/meta" "$tmp/hosts/x100-r2/meta"
expect_refusal "--host-label" --out "$tmp/o" "$tmp/hosts"/x*
"$root/scripts/aggregate" --host-label twins --out "$tmp/o" "$tmp/hosts"/x* 2>/dev/null || fail "--host-label exited $?"
cmp -s "$tmp/local/staleness/$host.csv" "$tmp/o/staleness/twins.csv" || fail "--host-label changed the rows"
grep -q "^hosts: $host, node2$\|^hosts: node2, $host$" "$tmp/o/staleness/twins.meta" || fail "the meta does not list the hosts"
expect_refusal "missing shards for x=1000 repeat 2" --out "$tmp/o" "$tmp/shards"/x10-* "$tmp/shards"/x100-* "$tmp/shards/x1000-r1"
"$root/scripts/aggregate" --partial --out "$tmp/p" "$tmp/shards/x10-r1" 2>/dev/null || fail "--partial exited $?"
expect_refusal "not a shard" --out "$tmp/o" "$tmp/nosuch"
cp -r "$tmp/shards" "$tmp/busy"
sed -i 's/^load_before: .*/load_before: 7.5/' "$tmp/busy/x100-r1/meta"
"$root/scripts/aggregate" --out "$tmp/b" "$tmp/busy"/x* 2>"$tmp/busy.err"
grep -q "warning: staleness: load: x=100 repeat 1: load average 7.5" "$tmp/busy.err" || fail "no load warning: $(cat "$tmp/busy.err")"
grep -q "^warning: load: x=100 repeat 1" "$tmp/b/staleness/$host.meta" || fail "the meta lacks the load warning"
# Shards run from a dirty tree go into a repository's results/ only with --dirty.
repo=$tmp/repo
mkdir -p "$repo"
cp -r "$root/scripts" "$root/.gitignore" "$repo/"
(cd "$repo" && git init -q && git add .gitignore scripts && git -c user.name=t -c user.email=t@t commit -qm init)
cp -r "$tmp/shards" "$tmp/dirty"
sed -i 's/^dirty: .*/dirty: yes/' "$tmp/dirty/x100-r1/meta"
s=0
"$repo/scripts/aggregate" --out results "$tmp/dirty"/x* >/dev/null 2>"$tmp/err" || s=$?
[ "$s" = 2 ] && grep -q -- "--dirty" "$tmp/err" || fail "dirty shards into results/: exit $s, $(cat "$tmp/err")"
[ ! -e "$repo/results/staleness" ] || fail "the refused aggregate wrote results"
"$repo/scripts/aggregate" --out results --dirty "$tmp/dirty"/x* 2>/dev/null || fail "--dirty exited $?"
grep -q "^dirty: yes$" "$repo/results/staleness/$host.meta" || fail "the meta does not say dirty"
echo "test_cluster: ok"
