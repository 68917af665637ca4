set terminal svg size 1280,480 dynamic enhanced font 'sans,11' background rgb 'white'
set output 'p99_latency.svg'
set title 'p99 latency per workload (lower is better)'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -35 nomirror
set grid ytics
set key top right
set format y '%.0s%c'
set ylabel 'p99 latency (µs) (log scale)'
set logscale y
set yrange [0.298365:16559.2]
plot 'p99_latency.dat' using 2:xtic(1) title 'lsm' lc rgb '#1f77b4', '' using 3 title 'leveldb' lc rgb '#ff7f0e', '' using 4 title 'rocksdb' lc rgb '#2ca02c', '' using 5 title 'lmdb' lc rgb '#d62728', '' using 6 title 'wiredtiger' lc rgb '#9467bd'
