# style.gp — loaded by every figure: the terminal for the format asked for,
# and one fixed colour and point type per variant across every figure.
#
# scripts/plot sets, with -e:
#   fmt      png | svg | pdf
#   out      the output file (a temporary name scripts/plot renames)
#   dir      the results directory (results/ or results/quick/)
#   host     which machine's CSV files to draw
#   vlist    the variants to draw, space separated, in the order of `variants`
#   wide     1 for a figure of two panels side by side, 0 otherwise
#   tall     1 for three stacked panels (the timeline)

if (!exists("wide")) wide = 0
if (!exists("tall")) tall = 0
w = wide ? 1200 : 700
h = tall ? 900 : 480
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

# Every variant keeps its colour and point type in every figure.
variants = "none rwlock pagever rcucow epochcow seqlock leftright fullcopy forkcow lmdb sqlite"
colors = "#000000 #d62728 #1f77b4 #2ca02c #17becf #ff7f0e #9467bd #8c564b #e377c2 #7f7f7f #bcbd22"
ptypes = "1 2 7 5 13 9 11 4 6 8 12"
vidx(v) = sum [i=1:words(variants)] (word(variants, i) eq v ? i : 0)
vcolor(v) = vidx(v) ? word(colors, vidx(v)) : "#000000"
vpt(v) = vidx(v) ? int(word(ptypes, vidx(v))) : 3
# pagever, the scheme under study, is drawn a little heavier.
vlw(v) = v eq "pagever" ? 2.5 : 1.2

# The rows of variant v only (the sweep writes each variant's rows as one
# block, so the filtered-out rows never break a series' line).
is(v) = strcol("variant") eq v
csv(name) = sprintf("%s/%s/%s.csv", dir, name, host)
MiB = 1048576.0
