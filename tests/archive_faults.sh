#!/bin/bash
# Fault paths around the archive (issue 18): an -o name too long for the MPI-IO layer (item 5).
# usage: archive_faults.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/lib.sh"

printf '[spectrum]\nN = 10\nt_sim = 5\n' > tiny.ini

# item 5: names the MPI-IO layer cannot take are refused (exit 2) before any collective call,
# on every rank alike, and nothing is written; 200 characters still work.
d=$(printf 'd%.0s' $(seq 1 50))
mkdir -p "$d/$d/$d/$d"
name_of() { # LENGTH DIR: a name of LENGTH characters in DIR (DIR/ counted), ending in .h5
    local p=$2
    while [ ${#p} -lt $(($1 - 3)) ]; do p="${p}x"; done
    echo "$p.h5"
}
for case in "240 $d/$d/$d/$d/" "232 " "201 $d/$d/$d/"; do
    set -- $case
    p=$(name_of "$1" "${2:-}")
    [ ${#p} -eq "$1" ] || bad "test set-up: a name of ${#p} characters, not $1"
    $MPI -n 2 "$B" run tiny.ini -o "$p" > long.out 2> long.err; rc=$?
    [ $rc -eq 2 ] || bad "-o of ${#p} characters: exit $rc, expected 2: $(head -c 300 long.err)"
    grep -q "the archive name has ${#p} characters, the MPI-IO layer takes at most 200" long.err ||
        bad "-o of ${#p} characters: $(head -c 300 long.err)"
    left=$(find . -name '*xxx*' | head -3)
    [ -z "$left" ] || bad "-o of ${#p} characters left: $left"
    [ $fail -eq 0 ] && echo "ok -o of ${#p} characters refused"
done
p=$(name_of 200 "$d/$d/$d/")
$MPI -n 2 "$B" run tiny.ini -o "$p" > ok.out 2> ok.err || bad "-o of 200 characters: $(tail -3 ok.err)"
[ -e "$p" ] || bad "-o of 200 characters: no archive"
exit $fail
