# Experiment 8b, the forgotten reader with a closed-loop writer
# (--write-rate 0: each commit starts when the last one ends): does a
# scheme keep its write throughput while one read stays open?  PostgreSQL's
# pgbench lost about 12x in an hour under one forgotten transaction, InnoDB
# 5-10x in 300 s.  The figure gives each scheme's rate after 10^6 commits
# (counted from the window's start) as a fraction of its first second's.
# Runs stopped by --retained-limit or a full lmdb map are recorded as in
# forgotten-reader.sh.
kind=timeline
title="A forgotten reader with a closed-loop writer: commits/s over time"
x_name="window_s"
x_unit="s"
# The same schemes as forgotten-reader.sh.
variants="schemes,floor,-rwlock,-seqlock,-fullcopy,-forkcow"
resource_errors=record
points="120"
quick_points="3"
point_args() {
  echo "-r 1 --reads 1 --read-pause $(( ($1 + 10) * 1000 )) --lr-publish try --write-rate 0 --warmup 0.5 --drain 2 --retained-limit $(( 4 << 30 )) -d $1"
}
