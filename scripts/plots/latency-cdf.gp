# The writer's commit latency distribution at one point of the headline
# experiment (stall-read), as HdrHistogram's plots draw it: latency against
# the percentile on a log "1/(1-p)" axis, so that the tail from 90 % to
# 99.99 % gets as much room as the body.  One line per variant, read from
# the HdrHistogram files snapbench wrote (--hgrm); the floor control is the
# grey dashed line no scheme can go below on this machine.
#
# scripts/plot sets, beside style.gp's: hgrmdir (the folder of the files:
# results/stall-read/HOST.hgrm/xX-rR), point_label (what the point is).
wide = 1
load "scripts/plots/style.gp"
# hgrm files are whitespace-separated text: a header line, rows
# "Value Percentile TotalCount 1/(1-Percentile)", then #[...] footers.  The
# last row's 1/(1-p) is "inf", which gnuplot skips.
set datafile separator whitespace
set datafile nocolumnheaders
set datafile commentschars "#"
hgrm(v) = sprintf("%s/%s.commit.hgrm", hgrmdir, v)
set title sprintf("Writer commit latency distribution (%s)", point_label) noenhanced
set logscale x
set logscale y
set format y "10^{%L}"
set xrange [1:100000]
set xtics ("0%%" 1, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000)
set xlabel "percentile"
set ylabel "commit latency (µs)"
set key
plot for [v in vlist] hgrm(v) using 4:1 with lines lc rgb vcolor(v) lw vlw(v) dt vdt(v) title v
