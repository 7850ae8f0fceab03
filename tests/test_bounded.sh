#!/usr/bin/env bash
# tests/test_bounded.sh SNAPBENCH [VARIANTS] [RUNS]
#
# Runs that must finish: a closed-loop writer (--write-rate 0) on tiny
# databases of small pages, where a scheme whose history trimming falls
# behind the writer grows without bound or hangs (pagever did: the first
# two commands are the ones that hung), then a small configuration fuzz
# (page sizes 64-4096, 1-1024 pages, hot sets, 0-8 readers, write rates
# up to unbounded).  Every run has a time limit and must exit 0: it
# finished, and the oracle found nothing.
set -u
bin=${1:?usage: test_bounded.sh SNAPBENCH [VARIANTS] [RUNS]}
variants=${2:-pagever}
runs=${3:-24}
limit=30
failed=0

check() {
  local started=$SECONDS
  timeout -k 5 "$limit" "$bin" -q "$@"
  local status=$?
  if [ "$status" -ne 0 ]; then
    if [ "$status" = 124 ] || [ "$status" = 137 ]; then
      echo "FAIL (did not finish within ${limit} s): snapbench $*" >&2
    else
      echo "FAIL (exit $status): snapbench $*" >&2
    fi
    failed=1
  else
    echo "ok ($((SECONDS - started)) s): snapbench $*"
  fi
}

check -v "$variants" -s 256 -p 16 -k 2 -r 0 --write-rate 0 -d 2 --warmup 0
check -v "$variants" -s 256 -p 64 -r 0 --write-rate 0 -d 2 --warmup 0

# The fuzz: a fixed seed, so that a failure names a run that can be repeated.
RANDOM=20261201
sizes=(64 128 256 512 1024 4096)
page_counts=(1 2 3 16 64 255 1024)
hots=(100% 50% 10% 1%)
rates=(0 0 1000 100000)
for ((i = 0; i < runs; i++)); do
  s=${sizes[RANDOM % ${#sizes[@]}]}
  p=${page_counts[RANDOM % ${#page_counts[@]}]}
  hot=${hots[RANDOM % ${#hots[@]}]}
  r=$((RANDOM % 9))
  rate=${rates[RANDOM % ${#rates[@]}]}
  k=$((p >= 4 ? 2 + RANDOM % 3 : 2))
  [ "$p" -ge 2 ] || { p=2; k=2; }
  # A hot set must hold the transaction's k pages.
  awk -v p="$p" -v h="${hot%\%}" -v k="$k" 'BEGIN { exit !(p * h / 100 >= k) }' || hot=100%
  check -v "$variants" -s "$s" -p "$p" -k "$k" --hot "$hot" -r "$r" \
    --write-rate "$rate" --read-pause $((RANDOM % 3)) -d 0.4 --warmup 0 --seed "$i"
done
exit $failed
