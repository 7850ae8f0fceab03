# Experiment 9, staggered readers, the worst case for memory: R readers
# each hold a 2 s snapshot, back to back, reader i starting i x 2/R s after
# the first (--read-stagger), so that R distinct snapshot times are open at
# once.  Writes: 1000 commits/s of 4 pages into a hot set of 1 % (164
# pages), so that the versions the snapshots need overlap.  The figure
# divides what each scheme retains by the exact minimum
# (retained_min_peak_bytes: the distinct old versions some open snapshot
# can see, computed from the oracle's log with --retained-min).  The
# warm-up (2.5 s) lets every reader begin before the window.
title="Memory retained with staggered readers, over the least any scheme must keep"
x_name="readers"
x_unit="threads"
# The schemes that keep versions for readers: strict ones but rwlock (its
# writer waits), seqlock (no snapshot to keep), leftright, fullcopy and
# forkcow (a whole copy, whatever the writes) and sqlite (its WAL, not
# versions per snapshot); the floor control beside them.
variants="strict,-rwlock,-seqlock,-leftright,-fullcopy,-forkcow,-sqlite,floor"
points="1 2 4 8 16"
quick_points="1 4"
def_repeats=2
point_args() {
  local hold_ms=2000 warmup=2.5 d=3
  if [ "$quick" = 1 ]; then hold_ms=1000 warmup=1.2 d=1; fi
  echo "-r $1 --read-pause $hold_ms --read-stagger $(awk -v h="$hold_ms" -v r="$1" 'BEGIN { printf "%g", h / 1000 / r }') --hot 1% --write-rate 1000 --warmup $warmup -d $d --retained-min"
}
