#!/usr/bin/env bash
# tests/test_bounded.sh SNAPBENCH [VARIANTS] [RUNS]
#
# Runs that must finish: a closed-loop writer (--write-rate 0) on tiny
# databases of small pages, where a scheme whose history trimming falls
# behind the writer grows without bound or hangs (pagever did: the first
# two commands are the ones that hung; the third is the same without moving
# pages home), then the reuse loads below, then a small configuration fuzz
# (page sizes 64-4096, 1-1024 pages, hot sets, 0-8 readers, write rates
# up to unbounded, pages moved home or not).  Every run has a time limit
# and must exit 0: it finished, and the oracle found nothing.
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
check -v "$variants" --pv-home off -s 256 -p 16 -k 2 -r 0 --write-rate 0 -d 2 --warmup 0

# Reuse under readers (issue 15 item 8): the load that found torn pages when
# pagever reused versions without waiting (4 KiB pages, a hot 10%, four
# readers, an unbounded writer), shorter, and small pages with more readers
# than cores; pages moved home and not.  (tests/reuse_stress.c and
# tests/test_pagever_races.c aim at those races directly.)
for home in on off; do
  check -v "$variants" --pv-home "$home" -s 4096 -p 256 -r 4 --write-rate 0 --hot 10% -d 2 --warmup 0
  check -v "$variants" --pv-home "$home" -s 64 -p 64 -r 8 -k 2 --write-rate 0 -d 1 --warmup 0
done

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
  pause=$((RANDOM % 3))
  homes=(on off)
  home=${homes[RANDOM % 2]}
  check -v "$variants" -s "$s" -p "$p" -k "$k" --hot "$hot" -r "$r" \
    --write-rate "$rate" --read-pause "$pause" --pv-home "$home" -d 0.4 --warmup 0 --seed "$i"
done
exit $failed
