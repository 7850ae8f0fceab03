# Experiment 1, the blog's central figure: writer stall (commit latency
# p99.9 and max, open-loop at 1000 commits/s) against the duration of one
# long read, for every strict variant.  One read per run, starting 0.5 s
# into the measured time (--reads 1 --read-start 0.5), as in the blog: a
# long query among the writes.  Back-to-back reads would instead measure
# whether a blocking scheme keeps up at all (experiment 7 does that).
# The p99.9 rule: at 1000 commits/s a window of at least 10 s holds the
# 10,000 commits a p99.9 needs (--quick: shorter, its p99.9 cells empty).
title="Writer stall against long-read duration"
x_name="read_pause_ms"
x_unit="ms"
# Every strict variant, and the floor control beside them.
variants="strict,floor"
# The latency distributions, for the CDF figure (scripts/plots/latency-cdf.gp).
hgrm=yes
uses_p999=yes
points="1 10 100 1000 10000"
quick_points="10 1000"
point_args() {
  echo "-r 1 --reads 1 --read-start 0.5 --read-pause $1 --write-rate 1000 --warmup 0.5 -d $(awk -v ms="$1" -v q="$quick" 'BEGIN { d = ms / 1000 + (q == 1 ? 1.2 : 2); if (q != 1 && d < 10) d = 10; printf "%g", d }')"
}
