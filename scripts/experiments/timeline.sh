# Experiment 6: one run per variant with a single 2 s read starting 2 s into
# the measured time: commits per 100 ms, write p99 and retained bytes over
# time show which schemes stall, and what they keep, while the read is open.
kind=timeline
title="Timeline of a run with one long read in the middle"
x_name="t_s"
x_unit="s"
# Every variant but those whose lines repeat another's (epochcow: rcucow;
# seqlock, forkcow, sqlite: flat or shown elsewhere), so the figure stays legible.
variants="all,-epochcow,-seqlock,-forkcow,-sqlite"
points="2000"
quick_points="1000"
# --quick: a 1 s read from 1 s in a 3 s run.
point_args() {
  if [ "$quick" = 1 ]; then
    echo "-r 1 --read-start 1 --reads 1 --read-pause $1 --write-rate 1000 --warmup 0.5 -d 3"
  else
    echo "-r 1 --read-start 2 --reads 1 --read-pause $1 --write-rate 1000 --warmup 0.5 -d 6"
  fi
}
