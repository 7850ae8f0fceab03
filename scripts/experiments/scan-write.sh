# Experiment 4: a reader's scan rate (--scan-work sum, whole 64 MiB database
# per read) against the writer's commit rate.  x = 0 runs with no writer; it
# is the only point where `none` runs, and none's rate there is the physical
# limit every other rate is divided by in the figure.  A point whose writer
# did not keep its rate (under 95 % of it, or commits left unfinished) is
# drawn hollow: --drain 2 bounds how long such a writer's backlog is waited
# for; what is left counts as unfinished.
title="Reader scan rate against write rate"
x_name="write_rate"
x_unit="commits/s"
# Every variant; `none` can run only without a writer, so only x = 0 has it.
variants="all"
points="0 1000 10000 100000"
quick_points="0 10000"
point_args() {
  local d; d=$([ "$quick" = 1 ] && echo 1 || echo 2)
  if [ "$1" = 0 ]; then
    echo "-w 0 -r 1 --scan-work sum --warmup 0.5 -d $d"
  else
    echo "-w 1 --write-rate $1 -r 1 --scan-work sum --warmup 0.5 --drain 2 -d $d"
  fi
}
