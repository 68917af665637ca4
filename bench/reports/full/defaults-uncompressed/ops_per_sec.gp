set terminal svg size 1280,480 dynamic enhanced font 'sans,11' background rgb 'white'
set output 'ops_per_sec.svg'
set title 'Throughput per workload (higher is better)'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -35 nomirror
set grid ytics
set key top right
set format y '%.0s%c'
set ylabel 'ops/s (log scale)'
set logscale y
set yrange [1153.73:2.6458e+07]
plot 'ops_per_sec.dat' using 2:xtic(1) title 'lsm' lc rgb '#1f77b4', '' using 3 title 'leveldb' lc rgb '#ff7f0e', '' using 4 title 'rocksdb' lc rgb '#2ca02c', '' using 5 title 'lmdb' lc rgb '#d62728', '' using 6 title 'wiredtiger' lc rgb '#9467bd'
