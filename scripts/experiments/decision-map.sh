# Experiment 11, the decision map: for each cell of a grid of read length
# (10 ms, 100 ms, 1 s snapshots held back to back by one reader) x write
# rate (1000, 10,000, 50,000 commits/s) x hot set (1 %, 100 % of 64 MiB),
# which scheme gives the lowest writer p99 while keeping its rate (95 % of
# it, nothing unfinished) and retaining at most one copy of the database.
# x is the cell's number, 1 to 18 (cell_of below); the figure reads the
# cell's read_pause_ms, write_rate and hot_pct columns.  One repeat: 18
# cells x 12 variants is what the 3-hour budget allows.  --retained-limit
# guards the machine (a run over it is out of budget anyway: recorded as
# ended, no row); --drain 1: a writer that fell behind is out too.
title="Decision map: the lowest writer p99 within one copy of memory"
x_name="cell"
x_unit="-"
variants="schemes,floor"
resource_errors=record
def_repeats=1
points="$(seq -s ' ' 1 18)"
quick_points="14"
read_ms_of() { echo "10 100 1000" | cut -d' ' -f$(( ($1 - 1) % 3 + 1 )); }
rate_of() { echo "1000 10000 50000" | cut -d' ' -f$(( ($1 - 1) / 3 % 3 + 1 )); }
hot_of() { echo "1 100" | cut -d' ' -f$(( ($1 - 1) / 9 + 1 )); }
point_args() {
  local read_ms rate hot d
  read_ms=$(read_ms_of "$1") rate=$(rate_of "$1") hot=$(hot_of "$1")
  d=$(awk -v ms="$read_ms" -v q="$quick" 'BEGIN { d = 1.2 * ms / 1000 + 1; m = (q == 1 ? 1 : 2); printf "%g", d < m ? m : d }')
  echo "-r 1 --read-pause $read_ms --write-rate $rate --hot $hot% --warmup 0.5 --drain 1 --retained-limit $(( 4 << 30 )) -d $d"
}
