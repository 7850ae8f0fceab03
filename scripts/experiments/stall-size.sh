# Experiment 2: writer stall against database size (4 KiB pages): one read
# of the whole database (verified) holding its snapshot 100 ms, starting
# 0.5 s into the measured time, 1000 commits/s.  Copying schemes
# (fullcopy, forkcow) stall in proportion to the size; the others should
# not.  `none` cannot run readers beside a writer and is left out.
# Six sizes from 16 MiB to 2 GiB; larger ones fit in 24 GiB:
# scripts/sweep stall-size --points "16 256 2048 4096".  The copy model
# D/β is drawn for fullcopy with β, the memcpy bandwidth, measured by
# `snapbench --calibrate` at each point (calibrate=yes: kept in the meta).
# The p99.9 rule: a window of at least 10 s at 1000 commits/s.  Two
# repeats, not three: each point loads the database once per variant per
# repeat, and the full reproduction must stay under 3 hours on 2 cores.
title="Writer stall against database size"
x_name="db_mib"
x_unit="MiB"
# Every variant that can run beside readers (`none` cannot), floor included.
variants="all"
calibrate=yes
uses_p999=yes
def_repeats=2
points="16 64 256 512 1024 2048"
quick_points="16"
point_args() {
  # Long enough for the read to begin and end inside the measured time: at
  # 2 GiB, fullcopy's reader faults in a 2 GiB buffer and then copies and
  # verifies it, over 2 s in all.
  echo "-p $(( $1 * 256 )) -r 1 --reads 1 --read-start 0.5 --read-pause 100 --write-rate 1000 --warmup 0.5 -d $(awk -v mib="$1" -v q="$quick" 'BEGIN { d = (q == 1 ? 2 : 3) + mib / 512; if (q != 1 && d < 10) d = 10; printf "%g", d }')"
}
