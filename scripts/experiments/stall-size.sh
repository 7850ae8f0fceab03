# Experiment 2: writer stall against database size (4 KiB pages): one read
# of the whole database (verified) holding its snapshot 100 ms, starting
# 0.5 s into the measured time, 1000 commits/s.  Copying schemes
# (fullcopy, forkcow) stall in proportion to the size; the others should
# not.  `none` cannot run readers beside a writer and is left out.  4 GiB is
# left out: leftright keeps two copies and fullcopy one per reader, beside
# the harness's own model, which on a 24 GiB machine is too close to swap.
title="Writer stall against database size"
x_name="db_mib"
x_unit="MiB"
variants="rwlock,pagever,rcucow,epochcow,seqlock,leftright,fullcopy,forkcow,lmdb,sqlite"
points="16 64 256 1024 2048"
quick_points="16 64 256"
point_args() {
  echo "-p $(( $1 * 256 )) -r 1 --reads 1 --read-start 0.5 --read-pause 100 --write-rate 1000 --warmup 0.5 -d $([ "$quick" = 1 ] && echo 2 || echo 3)"
}
