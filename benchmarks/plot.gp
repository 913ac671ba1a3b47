# Requests per second received by paced-emulator over time, per budget, for each client of
# benchmarks/run.sh, against the budget line (RPM/60 per budget); 429 refusals marked.
# Called by run.sh: gnuplot -e "work='DIR'; out='FILE.png'; rpm=600" plot.gp
# Data: WORK/<client>.dat, columns: second, org ok, org 429, model ok, model 429, all, all 429.
set terminal pngcairo size 1200,800 font ",10"
set output out
set multiplot layout 2,1 title sprintf("Requests per second at the emulator (limit %d RPM per budget), 429s marked", rpm)
set grid
set key outside right top
set xlabel "seconds since the client started"
set ylabel "requests/s"
set xrange [0:*]
set yrange [0:*]
limit = rpm / 60.0
no0(x) = x > 0 ? x : 1/0
set title "org-wide budget (uploads, threads, retrievals, lists...), log scale: a 429 storm is far above the budget"
set logscale y
set yrange [0.8:*]
plot limit with lines dt 2 lw 2 lc rgb "black" title sprintf("budget: %.0f/s", limit), \
     work."/paced_stream.dat" using 1:($2+$3) with steps lw 2 lc rgb "#1f77b4" title "paced stream", \
     work."/paced_poll.dat" using 1:($2+$3) with steps lw 2 lc rgb "#2ca02c" title "paced poll", \
     work."/node_all.dat" using 1:($2+$3) with steps lw 1.5 lc rgb "#d62728" title "Node Promise.all", \
     work."/node_naive.dat" using 1:($2+$3) with steps lw 1 lc rgb "#ff7f0e" title "Node sequential loop", \
     work."/paced_stream.dat" using 1:(no0($3)) with points pt 7 ps 0.8 lc rgb "#1f77b4" title "429s paced stream", \
     work."/paced_poll.dat" using 1:(no0($3)) with points pt 7 ps 0.8 lc rgb "#2ca02c" title "429s paced poll", \
     work."/node_all.dat" using 1:(no0($3)) with points pt 2 ps 1 lc rgb "#d62728" title "429s Node Promise.all", \
     work."/node_naive.dat" using 1:(no0($3)) with points pt 2 ps 1 lc rgb "#ff7f0e" title "429s Node loop"
set title "per-model budget (run creation)"
unset logscale y
set yrange [0:*]
plot limit with lines dt 2 lw 2 lc rgb "black" title sprintf("budget: %.0f/s", limit), \
     work."/paced_stream.dat" using 1:($4+$5) with steps lw 2 lc rgb "#1f77b4" title "paced stream", \
     work."/paced_poll.dat" using 1:($4+$5) with steps lw 2 lc rgb "#2ca02c" title "paced poll", \
     work."/node_all.dat" using 1:($4+$5) with steps lw 1.5 lc rgb "#d62728" title "Node Promise.all", \
     work."/node_naive.dat" using 1:($4+$5) with steps lw 1 lc rgb "#ff7f0e" title "Node sequential loop", \
     work."/paced_stream.dat" using 1:(no0($5)) with points pt 7 ps 0.8 lc rgb "#1f77b4" title "429s paced stream", \
     work."/paced_poll.dat" using 1:(no0($5)) with points pt 7 ps 0.8 lc rgb "#2ca02c" title "429s paced poll", \
     work."/node_all.dat" using 1:(no0($5)) with points pt 2 ps 1 lc rgb "#d62728" title "429s Node Promise.all", \
     work."/node_naive.dat" using 1:(no0($5)) with points pt 2 ps 1 lc rgb "#ff7f0e" title "429s Node loop"
unset multiplot
