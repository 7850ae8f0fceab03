# Experiment 3b: memory retained against the hot set (the share of the 64 MiB
# database the writer touches), one reader holding each snapshot 1 s, 1000
# commits/s x 4 pages.  pagever retains one version per distinct page written,
# so at most the hot set; whole-table schemes keep more.
title="Memory retained against hot-set size"
x_name="hot_pct"
x_unit="%"
# Every variant that can run beside readers; one that retains nothing
# (rwlock) has no point on the figure's log axis.
variants="all"
points="0.1 1 10 100"
quick_points="100"
point_args() {
  echo "-r 1 --read-pause 1000 --hot $1% --write-rate 1000 --warmup 0.5 -d $([ "$quick" = 1 ] && echo 1.5 || echo 2)"
}
