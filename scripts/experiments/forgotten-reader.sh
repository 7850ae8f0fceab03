# Experiment 8, a forgotten reader: one read held open for the whole run
# (at least 120 s) while the writer commits 5000 transactions/s of 4 pages
# spread over the whole 64 MiB database.  The timeline shows the memory
# each scheme retains for that one snapshot: pagever keeps one old version
# per page written since the read began, so it levels off at one copy of
# the database (the model min(λkT, N) pages); rcucow and epochcow keep
# every version, lmdb's file grows until its map is full, sqlite's WAL
# grows, leftright --lr-publish try (the other variants ignore that
# option) keeps its operation log.  A run that would keep growing is
# stopped at --retained-limit 4 GiB (a resource error, exit 3, recorded in
# the meta as "ended": the machine is shared), and lmdb stops where its map
# is full; their lines end there.  forgotten-closed.sh is the same run
# with a closed-loop writer.
kind=timeline
title="A forgotten reader: memory retained while one read stays open, 5000 commits/s"
x_name="window_s"
x_unit="s"
# Every scheme whose writer does not wait for the reader and whose
# readers' memory is in question: rwlock's writer would wait the whole run,
# seqlock's reader never completes a snapshot, fullcopy and forkcow hold
# one copy per read whatever the writer does.
variants="schemes,floor,-rwlock,-seqlock,-fullcopy,-forkcow"
resource_errors=record
points="120"
quick_points="3"
# forgotten-closed.sh sets forgotten_write_rate=0 before it reads this.
point_args() {
  echo "-r 1 --reads 1 --read-pause $(( ($1 + 10) * 1000 )) --lr-publish try --write-rate ${forgotten_write_rate:-5000} --warmup 0.5 --drain 2 --retained-limit $(( 4 << 30 )) -d $1"
}
