#!/bin/bash
# One owner per archive (issue 18 items 1 and 8): two runs started together on one -o (different
# jobs) leave exactly one complete archive, one run exits 0 and the other 2 ("in use by another
# run" or "exists"), and no temporary or lock file stays behind; a --resume while a run has the
# archive is refused with exit 2 naming the running process, and changes nothing.
# usage: archive_owner.sh RNNCHAOS WORKDIR
. "$(dirname "$0")/../lib.sh"

printf '[run]\nrealizations = 4\n[spectrum]\nN = 40\nt_sim = 3000\n' > slow.ini
printf '[run]\nrealizations = 2\n[spectrum]\nN = 30\nt_sim = 2000\n' > other.ini
sha() { sha256sum "$1" | cut -c1-64; }

for try in 1 2 3; do
    rm -f out.h5*
    "$B" run slow.ini -o out.h5 > a.out 2> a.err & pa=$!
    "$B" run other.ini -o out.h5 > b.out 2> b.err & pb=$!
    wait $pa; ra=$?
    wait $pb; rb=$?
    if [ $((ra + rb)) -ne 2 ] || { [ $ra -ne 0 ] && [ $rb -ne 0 ]; }; then
        bad "try $try: exits $ra and $rb, expected 0 and 2 ($(cat a.err b.err | tail -4))"
        continue
    fi
    loser=b; winner=slow.ini
    [ $ra -eq 2 ] && { loser=a; winner=other.ini; }
    grep -qE "in use by another run|out.h5 exists" $loser.err ||
        bad "try $try: the loser says: $(cat $loser.err)"
    "$B" info out.h5 --json > info.json 2> info.err || bad "try $try: archive unreadable: $(cat info.err)"
    $PY - "$(sha $winner)" << 'EOF' || bad "try $try: the archive is not the winner's, or incomplete"
import json, sys
info = json.load(open("info.json"))
sys.exit(0 if info.get("job_sha256") == sys.argv[1] and info.get("pending") == 0
         and info.get("failed") == 0 else 1)
EOF
    left=$(ls out.h5.* 2> /dev/null)
    [ -z "$left" ] || bad "try $try: left behind: $left"
    echo "ok try $try: exits $ra $rb"
done

# --resume while the run is going: refused, naming the running process
rm -f out.h5*
"$B" run slow.ini -o out.h5 > a.out 2> a.err & pa=$!
for _ in $(seq 100); do [ -e out.h5 ] && break; sleep 0.1; done
[ -e out.h5 ] || bad "the first run made no archive"
"$B" run slow.ini -o out.h5 --resume > r.out 2> r.err; rr=$?
wait $pa; ra=$?
[ $ra -eq 0 ] || bad "the owner exited $ra: $(cat a.err)"
[ $rr -eq 2 ] || bad "a concurrent --resume exited $rr, expected 2: $(cat r.err)"
grep -q "in use by another run (process $pa on host" r.err || bad "resume refusal: $(cat r.err)"
grep -q "this run: 4 done" a.out || bad "the owner did not run its 4 tasks: $(cat a.out)"
[ -e out.h5.lock ] && bad "out.h5.lock left behind"
# afterwards --resume is allowed again, and finds nothing to do
"$B" run slow.ini -o out.h5 --resume > r2.out 2> r2.err || bad "resume after the run: $(cat r2.err)"
grep -q "0 pending" r2.err || bad "resume after the run: $(cat r2.err)"
echo "ok concurrent resume: $(head -c 200 r.err)"
exit $fail
