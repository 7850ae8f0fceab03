# Experiment 5: how stale a reader's snapshot can be with left-right that
# never waits (--lr-publish try): two readers keep the old copy busy, so
# commits stay invisible until both have left.  pagever (strict, 0) beside.
title="Staleness of leftright --lr-publish try against read duration"
x_name="read_pause_ms"
x_unit="ms"
# The variants that go eventual under --lr-publish try, pagever (strict)
# and the floor (a snapshot of commit 0: it misses every commit).
variants="try-eventual,pagever,floor"
points="1 10 100 1000 5000"
quick_points="10 100 1000"
point_args() {
  echo "-r 2 --lr-publish try --read-pause $1 --write-rate 500 --warmup 0.5 -d $(read_duration "$1")"
}
