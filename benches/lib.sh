# The number helpers of `make bench`, sourced by measure.sh and report.sh (and by
# tests/bench_scripts.rs, which runs them under mawk and gawk).
#
# Every number these print is an integer or a fixed-point decimal. awk's `print` of a computed
# number uses OFMT (%.6g): mawk, Debian's default awk, prints 2154190000 as 2.15419e+09, which
# the shell's arithmetic cannot read. So no helper prints a computed number with `print`:
# integers go through printf "%.0f" (exact up to 2^53), fractions through a fixed "%.Nf".
# An empty argument or input is a missing figure: the helpers print nothing (or "-" where a
# table cell needs a mark) instead of a number, so a failed measurement never turns into 0;
# every helper but `num` exits 0, so `x=$(helper ...)` is safe under `set -e`.

# num X: 0 (true) when X is a plain decimal number.
num() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }

# sum_col [N]: the integer sum of column N (default 1) of stdin; nothing when stdin is empty.
sum_col() { awk -v c="${1:-1}" '{s += $c; n++} END {if (n) printf "%.0f\n", s}'; }

# sub_int A B: A - B for integers of any size awk holds exactly (2^53); nothing if one is missing.
sub_int() {
  if num "$1" && num "$2"; then awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f\n", a - b}'; fi
}

# div_int A B: A / B rounded toward zero, integers; nothing if one is missing or B is 0.
div_int() {
  if num "$1" && num "$2"; then
    awk -v a="$1" -v b="$2" 'BEGIN {if (b != 0) printf "%.0f\n", int(a / b)}'
  fi
}

# us NS: nanoseconds as microseconds (one decimal below 100 µs); "-" when missing.
us() {
  num "$1" || { echo "-"; return 0; }
  awk -v x="$1" 'BEGIN {printf (x < 100000 ? "%.1f\n" : "%.0f\n"), x / 1000}'
}

# ratio A B: A / B with two decimals; "-" when either is missing or B is not positive.
ratio() {
  num "$1" && num "$2" || { echo "-"; return 0; }
  awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f\n", a / b; else print "-"}'
}

# le A B: "met" when A <= B, "**missed**" when not, "not measured" when A or B is missing.
le() {
  num "$1" && num "$2" || { echo "not measured"; return 0; }
  awk -v a="$1" -v b="$2" 'BEGIN {print (a <= b ? "met" : "**missed**")}'
}

# median: the median (the lower of the two middle values) of the numbers on stdin, as written;
# nothing when there are none.
median() { sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'; }
