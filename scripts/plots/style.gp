# style.gp — loaded by every figure: the terminal for the format asked for,
# and one fixed colour and point type per variant across every figure.
#
# scripts/plot sets, with -e:
#   fmt      png | svg | pdf
#   out      the output file (a temporary name scripts/plot renames)
#   dir      the results directory (results/ or results/quick/)
#   host     which machine's CSV files to draw
#   vlist    the variants to draw, space separated, in the order of the CSV
#   wide     1 for a figure of two panels side by side, 0 otherwise
#   tall     1 for three stacked panels (the timeline)
#   height   the figure's height in pixels, where neither suits it

if (!exists("wide")) wide = 0
if (!exists("tall")) tall = 0
w = wide ? 1200 : 700
h = exists("height") ? height : (tall ? 900 : 480)
if (fmt eq "png") {
    set terminal pngcairo enhanced size w, h font "Sans,11" linewidth 1.5
} else {
    if (fmt eq "svg") {
        set terminal svg enhanced size w, h font "Sans,11" linewidth 1.5 background "white"
    } else {
        # pdf: inches at 100 px per inch, for the paper
        set terminal pdfcairo enhanced size (w / 100.0), (h / 100.0) font "Sans,9" linewidth 1.5
    }
}
set output out

set datafile separator comma
set datafile columnheaders
set grid xtics ytics mxtics mytics lc rgb "#dddddd" lw 0.5
set border lw 1
set key below horizontal reverse Left noenhanced samplen 2 width 1 maxrows 3
set tics nomirror

# Every variant keeps its colour and point type in every figure.  A variant
# not listed here (a new one) gets a colour and point type from the spare
# palette by its index in vlist, so it is drawn without any script touched.
# floor, the machine's floor control, is grey and dashed in every figure.
# pagever-home-off is pagever with --pv-home off (a series of the
# rustdb-pagever experiment): pagever's hue, lighter, dashed.
variants = "none floor rwlock pagever rustdb rcucow epochcow seqlock leftright fullcopy forkcow lmdb sqlite pagever-home-off"
colors = "#000000 #8c8c8c #d62728 #1f77b4 #393b79 #2ca02c #17becf #ff7f0e #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #6baed6"
ptypes = "1 3 2 7 15 5 13 9 11 4 6 8 12 7"
spare_colors = "#e6550d #31a354 #756bb1 #3182bd #d6616b #8ca252 #bd9e39 #ad494a #6b6ecf #e7969c"
spare_ptypes = "10 14 16 18 19 20 21 22 23 24"
if (!exists("vlist")) vlist = ""
vidx(v) = sum [i=1:words(variants)] (word(variants, i) eq v ? i : 0)
lidx(v) = sum [i=1:words(vlist)] (word(vlist, i) eq v ? i : 0)
spare(v, list) = word(list, (lidx(v) > 0 ? lidx(v) - 1 : 0) % words(list) + 1)
vcolor(v) = vidx(v) ? word(colors, vidx(v)) : spare(v, spare_colors)
vpt(v) = int(vidx(v) ? word(ptypes, vidx(v)) : spare(v, spare_ptypes))
# pagever, the scheme under study, is drawn a little heavier; floor dashed.
vlw(v) = v eq "pagever" ? 2.5 : 1.2
vdt(v) = v eq "floor" || v eq "pagever-home-off" ? 2 : 1
floor_fill = "#e4e4e4"

# The rows of variant v only (the sweep writes each variant's rows as one
# block, so the filtered-out rows never break a series' line).
is(v) = strcol("variant") eq v
csv(name) = sprintf("%s/%s/%s.csv", dir, name, host)
MiB = 1048576.0
# The CSV's columns (scripts/plot passes its header as `columns`): has(c)
# is true when the results have column c (older results lack some).
if (!exists("columns")) columns = ""
has(c) = strstrt(" " . columns . " ", " " . c . " ") > 0
# The columns with at least one value (scripts/plot passes them as
# filled_columns): a panel whose column is empty throughout says why
# instead (empty_panel), since gnuplot cannot autoscale no point at all.
if (!exists("filled_columns")) filled_columns = columns
filled(c) = strstrt(" " . filled_columns . " ", " " . c . " ") > 0
empty_panel(text) = sprintf("set label 99 \"%s\" at graph 0.5, 0.5 center noenhanced; unset logscale y; set yrange [0:1]; set ytics (\"\" 0); plot 2 lt -3 notitle; unset label 99", text)
p999_missing = "p99.9 empty: under 10,000 commits per point (--quick runs are short)"
# A writer kept its rate at a point when it achieved at least 95 % of the
# target (write_rate 0 is no target) and left no commit unfinished.
# (Old results have no write_rate column: every point counts as kept.)
kept_rate(row) = !has("write_rate") ? 1 : \
    (column("write_rate") <= 0 || column("commits_per_s") >= 0.95 * column("write_rate")) && \
    (!has("unfinished_commits") || strcol("unfinished_commits") eq "" || column("unfinished_commits") == 0)
# True where the variant's readers completed no read (its read cells empty).
no_read(row) = strcol("scan_gbps") eq ""
