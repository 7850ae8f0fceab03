# Experiment 3a: memory retained for readers against the read's duration,
# writes spread over the whole 64 MiB database at 1000 commits/s x 4 pages.
# pagever should keep about (distinct pages written during the read) x 4 KiB.
title="Memory retained against long-read duration"
x_name="read_pause_ms"
x_unit="ms"
# Every variant that can run beside readers; one that retains nothing
# (rwlock) has no point on the figure's log axis.
variants="all"
points="10 100 1000 2000"
quick_points="1000"
point_args() {
  echo "-r 1 --read-pause $1 --write-rate 1000 --warmup 0.5 -d $(read_duration "$1")"
}
