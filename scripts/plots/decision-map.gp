# Experiment 11, the decision map: in each cell of read length x write
# rate, one panel per hot set, the scheme with the lowest writer p99 among
# those that kept their rate (95 %, nothing unfinished) and retained at
# most one copy of the database, in its colour, with its p99 and the next
# best; hatched grey where no scheme qualified.  The controls are not candidates.
#
# scripts/plot sets, beside style.gp's: cells (decision.py's CSV: one row
# per cell) and cells_fragment (its gnuplot assignments: hots, reads,
# rates, winners, any_empty).
wide = 1
load "scripts/plots/style.gp"
load cells_fragment
set multiplot layout 1, words(hots) title "Decision map: the lowest writer p99 that keeps its rate within one copy of memory (one reader)"
set xrange [0.5:words(reads) + 0.5]
set yrange [0.5:words(rates) + 0.5]
set xtics () nomirror
set ytics () nomirror
do for [i = 1:words(reads)] { set xtics add (sprintf("%s ms", word(reads, i)) i) }
do for [i = 1:words(rates)] { set ytics add (sprintf("%s", word(rates, i)) i) }
set xlabel "read length: snapshot held (ms)"
set ylabel "writer: commits/s"
unset grid
set key below horizontal
set style fill solid 0.55 border rgb "#ffffff"
do for [h = 1:words(hots)] {
  hot = word(hots, h)
  set title sprintf("writes into %s %% of the pages", hot) noenhanced
  plot for [v in winners] cells using (strcol("hot_pct") eq hot && strcol("winner") eq v ? column("read_i") : NaN):"rate_i":(0.5):(0.5) \
          with boxxyerror fc rgb vcolor(v) title v, \
       cells using (strcol("hot_pct") eq hot && strcol("winner") eq "none" ? column("read_i") : NaN):"rate_i":(0.5):(0.5) \
          with boxxyerror fs pattern 4 border rgb "#888888" fc rgb "#888888" title (any_empty ? "none within budget" : ""), \
       cells using (strcol("hot_pct") eq hot ? column("read_i") : NaN):"rate_i":"label" \
          with labels font ",9" noenhanced notitle
}
unset multiplot
