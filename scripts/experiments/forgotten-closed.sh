# Experiment 8b, the forgotten reader with a closed-loop writer
# (--write-rate 0: each commit starts when the last one ends): does a
# scheme keep its write throughput while one read stays open?  PostgreSQL's
# pgbench lost about 12x in an hour under one forgotten transaction, InnoDB
# 5-10x in 300 s.  The figure gives each scheme's rate after 10^6 commits
# (counted from the window's start) as a fraction of its first second's.
# Everything else -- the schemes, the 120 s window, the read held through
# it, the memory limit and how runs that end early are recorded -- is
# forgotten-reader.sh's.
forgotten_write_rate=0
# shellcheck source=forgotten-reader.sh
source "$(dirname "${BASH_SOURCE[0]}")/forgotten-reader.sh"
title="A forgotten reader with a closed-loop writer: commits/s over time"
