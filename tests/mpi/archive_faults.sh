#!/bin/bash
# Fault paths around the archive (issue 18): an -o name too long for the MPI-IO layer (item 5);
# an archive deleted or truncated while the run writes it (item 6); --resume on a read-only
# archive (item 10: said "is it an HDF5 file?"); a disk too small for the
# archive (item 2: needs a tmpfs mount, i.e. root or CAP_SYS_ADMIN; skipped with a message
# where mounting is not allowed).
# usage: archive_faults.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

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

# item 2: an archive of ~3.2 MiB on a 2 MiB file system: refused on every rank before the
# collective creation (it deadlocked on 2 ranks, crashed on 1), exit 1, nothing left there; a
# small archive still fits.
mkdir -p mnt
if mount -t tmpfs -o size=2m tmpfs mnt 2> /dev/null; then
    printf '[run]\nrealizations = 10\n[spectrum]\nN = 400\nt_sim = 100\nn_trace = 100\n' > big.ini
    for n in 1 2; do
        timeout 60 $MPI -n $n "$B" run big.ini -o mnt/big.h5 > full.out 2> full.err; rc=$?
        [ $rc -eq 1 ] || bad "full disk, $n ranks: exit $rc, expected 1: $(head -3 full.err)"
        grep -qE "no space left on device for the archive \(needs about 3\.[0-9] MiB" full.err ||
            bad "full disk, $n ranks: $(head -3 full.err)"
        left=$(ls -A mnt)
        [ -z "$left" ] || bad "full disk, $n ranks: left $left"
        rm -f mnt/*
    done
    timeout 60 $MPI -n 2 "$B" run tiny.ini -o mnt/tiny.h5 > fit.out 2> fit.err ||
        bad "a small archive on the small disk: $(tail -3 fit.err)"
    # item 10: --resume on a read-only archive says so (exit 2), not "is it an HDF5 file?"
    mount -o remount,ro mnt
    $MPI -n 2 "$B" run tiny.ini -o mnt/tiny.h5 --resume > ro.out 2> ro.err; rc=$?
    [ $rc -eq 2 ] || bad "read-only archive: exit $rc, expected 2: $(head -3 ro.err)"
    grep -q "read-only" ro.err || bad "read-only archive: $(head -3 ro.err)"
    umount mnt
    [ $fail -eq 0 ] && echo "ok full disk refused before creating, a small archive fits, a read-only one is named"
else
    echo "SKIP full disk (issue 18 item 2): cannot mount a tmpfs here (needs root)"
fi

# item 10: a write-protected archive in a writable folder, resumed by a user who may not write
# it (as root: run as nobody through setpriv, else skipped)
mkdir -p rofile && cp tiny.ini rofile/ && chmod 777 rofile
(cd rofile && "$B" run tiny.ini -o tiny.h5 > /dev/null 2>&1) || bad "read-only file: set-up run failed"
chmod 444 rofile/tiny.h5
as_user=""
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
    as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ "$(id -u)" != 0 ] || [ -n "$as_user" ]; then
    (cd rofile && $as_user env OPENBLAS_NUM_THREADS=1 "$B" run tiny.ini -o tiny.h5 --resume \
        > ro.out 2> ro.err); rc=$?
    [ $rc -eq 2 ] || bad "read-only file: exit $rc, expected 2: $(head -3 rofile/ro.err)"
    grep -q "the archive is read-only" rofile/ro.err || bad "read-only file: $(head -3 rofile/ro.err)"
    [ $fail -eq 0 ] && echo "ok a write-protected archive is named read-only"
else
    echo "SKIP read-only archive file: root without setpriv"
fi

# item 6: the archive deleted, or truncated to half its size, a second into the run: the run
# exits 1 and says that the archive was lost or damaged (it exited 0 with the results gone).
printf '[run]\nrealizations = 8\n[spectrum]\nN = 40\nt_sim = 6000\n' > slow.ini
for what in delete truncate; do
    rm -f lost.h5*
    $MPI -n 2 "$B" run slow.ini -o lost.h5 > lost.out 2> lost.err & pid=$!
    for _ in $(seq 100); do [ -e lost.h5 ] && break; sleep 0.1; done
    sleep 0.5
    if [ $what = delete ]; then
        rm -f lost.h5
        want="the archive was lost during the run"
    else
        truncate -s $(($(stat -c %s lost.h5) / 2)) lost.h5
        want="the archive was damaged during the run"
    fi
    kill -0 $pid 2> /dev/null || bad "test set-up: the run ended before the archive was ${what}d"
    wait $pid; rc=$?
    [ $rc -eq 1 ] || bad "archive ${what}d mid-run: exit $rc, expected 1: $(tail -3 lost.err)"
    grep -q "$want" lost.err || bad "archive ${what}d mid-run: $(grep -v '^\[' lost.err | tail -3)"
    [ $fail -eq 0 ] && echo "ok archive ${what}d mid-run: exit 1"
done
exit $fail
