#!/usr/bin/env bash
# tests/test_slurm.sh — a sweep's generated Slurm array script run by a
# real, single-node Slurm: as root it installs Debian's slurm-wlm and munge
# (scripts/deps), generates a munge key, starts munged, slurmctld and slurmd
# on this host in a temporary folder (own socket, own ports, a minimal
# slurm.conf: proctrack/linuxproc, task/none, no cgroups, no accounting),
# submits the array script of a --quick sweep against the fake snapbench,
# waits for it, and checks that scripts/aggregate holds every point and
# equals the local sweep's rows.  It stops every daemon it started (by
# process id) on the way out.
# Where Slurm cannot be installed or started here, it says why and exits
# 77, which CTest counts as skipped (SKIP_RETURN_CODE), never as passed.
# shellcheck source=fixtures/prelude.sh
source "$(dirname "$0")/fixtures/prelude.sh"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
skip() {
  echo "test_slurm: SKIPPED: $*" >&2
  for log in "$tmp"/log/*.log; do
    [ -f "$log" ] && { echo "--- $(basename "$log"), last lines:" >&2; tail -n 8 "$log" >&2; }
  done
  exit 77
}

# ---- Slurm and munge, installed ----
need=()
for tool in slurmctld slurmd sbatch munged mungekey; do
  command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null || need+=("$tool")
done
export PATH=$PATH:/usr/sbin:/sbin
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || skip "slurm-wlm and munge are not installed (${need[*]} missing) and this is not root"
  "$root/scripts/deps" slurm-wlm munge >&2 || skip "apt-get could not install slurm-wlm and munge"
fi
[ "$(id -u)" = 0 ] || skip "starting slurmd needs root"

# ---- munge: a key of our own, a socket of our own ----
mkdir -p "$tmp/key" "$tmp/sock" "$tmp/log" "$tmp/state" "$tmp/spool" "$tmp/shards"
chmod 700 "$tmp/key"
chmod 755 "$tmp" "$tmp/sock"
mungekey --create --keyfile "$tmp/key/munge.key" --force 2>"$tmp/log/mungekey.log" ||
  skip "mungekey could not create a key"
chmod 600 "$tmp/key/munge.key"
socket=$tmp/sock/munge.socket
munged --force --foreground --key-file="$tmp/key/munge.key" --socket="$socket" \
  --log-file="$tmp/log/munged.log" --pid-file="$tmp/munged.pid" --seed-file="$tmp/key/seed" \
  >"$tmp/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || skip "munged did not start"
munge -S "$socket" -n | unmunge -S "$socket" >/dev/null 2>&1 || skip "munge cannot decode its own credential"

# ---- slurmctld and slurmd on this host, on two free ports ----
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
node=$(hostname -s)
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=snapbenchtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=snaptest Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
ready=0
for _ in $(seq 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then ready=1; break; fi
  sleep 0.5
done
[ "$ready" = 1 ] || skip "slurmctld and slurmd did not bring the node up within 30 s: $(sinfo 2>&1 | tail -1)"

# ---- the sweep, as an array job ----
"$root/scripts/sweep" staleness --quick --repeats 2 --out "$tmp/local" 2>/dev/null
"$root/scripts/sweep" staleness --quick --repeats 2 --jobs "$tmp/jobs" --sbatch "$tmp/array.sh" \
  --shards "$tmp/shards" 2>/dev/null
job=$(sbatch --parsable "$tmp/array.sh" 2>"$tmp/sbatch.err") || fail "sbatch refused the script: $(cat "$tmp/sbatch.err")"
for _ in $(seq 600); do
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
  sleep 0.5
done
[ -z "$(squeue -h -j "$job" 2>/dev/null)" ] || fail "the array job $job did not finish in 300 s: $(squeue -j "$job")"
[ "$(ls "$tmp/shards" | grep -c '^x')" = 6 ] ||
  fail "the array wrote $(ls "$tmp/shards" | grep -c '^x') of 6 shards: $(tail -n 3 "$tmp"/shards/slurm-*.out)"
"$root/scripts/aggregate" --out "$tmp/slurm" "$tmp/shards"/x* 2>/dev/null || fail "aggregate exited $?"
for x in 10 100 1000; do
  for v in floor pagever leftright; do
    grep -q "^staleness,$x,$v,2," "$tmp/slurm/staleness/$host.csv" || fail "the aggregate lacks x=$x $v"
  done
done
cmp "$tmp/local/staleness/$host.csv" "$tmp/slurm/staleness/$host.csv" || fail "the aggregate differs from the local sweep"
echo "test_slurm: ok (slurmctld and slurmd ran; 6 array tasks)"
