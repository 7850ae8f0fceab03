# Experiment 6: one run per variant with a single 2 s read starting 2 s into
# the measured time: commits per 100 ms, write p99 and retained bytes over
# time show which schemes stall, and what they keep, while the read is open.
kind=timeline
title="Timeline of a run with one long read in the middle"
x_name="t_s"
x_unit="s"
variants="rwlock,pagever,rcucow,leftright,fullcopy,lmdb"
points="2000"
point_args() {
  echo "-r 1 --read-start 2 --reads 1 --read-pause $1 --write-rate 1000 --warmup 0.5 -d 6"
}
