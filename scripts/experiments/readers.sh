# Experiment 7: 1 to 8 long-reader threads, each holding its snapshot 100 ms,
# beside one writer at 1000 commits/s.  This machine has 2 cores: past 2
# threads the readers share them with the writer, which a scheme that never
# makes the writer wait should still survive.
title="Writer stall and scan rate against reader threads"
x_name="readers"
x_unit="threads"
# Every strict variant, and the floor control beside them.
variants="strict,floor"
points="1 2 4 8"
quick_points="1 4"
point_args() {
  echo "-r $1 --read-pause 100 --write-rate 1000 --warmup 0.5 -d $([ "$quick" = 1 ] && echo 1 || echo 1.5)"
}
