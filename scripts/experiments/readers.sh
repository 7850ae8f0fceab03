# Experiment 7: 1 to 8 long-reader threads, each holding its snapshot 100 ms,
# beside one writer at 5000 commits/s.  This machine has 2 cores: past 2
# threads the readers share them with the writer, which a scheme that never
# makes the writer wait should still survive.  The figure's scan rate is
# the readers' bytes over wall time (scan_gbps_wall), not a sum of
# per-reader rates.  The p99.9 rule: 5000 commits/s x 2 s = 10,000
# commits.  --drain 2: a writer the readers starve (rwlock, leftright)
# waits at most 2 s after the window; what is left counts as unfinished.
title="Writer stall and scan rate against reader threads"
x_name="readers"
x_unit="threads"
# Every strict variant, and the floor control beside them.
variants="strict,floor"
uses_p999=yes
points="1 2 4 8"
quick_points="2"
point_args() {
  echo "-r $1 --read-pause 100 --write-rate 5000 --warmup 0.5 --drain 2 -d $([ "$quick" = 1 ] && echo 1 || echo 2)"
}
