#!/bin/bash
# rnnchaos run/info: every bad input stops with exit code 2, a message naming file:line:key (or
# the option), and writes nothing; --dry-run computes and writes nothing; an existing archive is
# never overwritten; --resume with another job file is refused.
# usage: run_errors.sh RNNCHAOS WORKDIR
set -u
B=$1
W=$2
rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1
fail=0
say() { echo "$*"; }
bad() { echo "FAIL: $*"; fail=1; }

# expect_error FILE_CONTENT EXPECTED_MESSAGE_FRAGMENT [extra args]
n=0
expect_error() {
    local text=$1 fragment=$2
    shift 2
    n=$((n + 1))
    local dir=case$n
    mkdir -p $dir
    printf '%b' "$text" > $dir/bad.ini
    (cd $dir && "$B" run bad.ini -o out.h5 "$@" > stdout 2> stderr)
    local rc=$?
    if [ $rc -ne 2 ]; then bad "case $n: exit $rc, expected 2 ($(cat $dir/stderr))"; return; fi
    if ! grep -qF -- "$fragment" $dir/stderr; then
        bad "case $n: stderr lacks '$fragment': $(cat $dir/stderr)"
        return
    fi
    local files
    files=$(cd $dir && ls | sort | tr '\n' ' ')
    if [ "$files" != "bad.ini stderr stdout " ]; then bad "case $n: files written: $files"; fi
    if [ -s $dir/stdout ]; then bad "case $n: wrote to stdout: $(cat $dir/stdout)"; fi
    say "ok case $n: $(head -c 160 $dir/stderr)"
}

expect_error '[spectrum]\nN = 20\ng = 2, x\n' 'bad.ini:3: g: expected a finite number'
expect_error '[run]\nseed = 1\n\n[spectrum]\nN = 20\nt_sim = 10\nbogus = 3\n' 'bad.ini:7: bogus: unknown key in [spectrum]'
expect_error '[spectrum]\nN = 20, 40\nn_le = 30\n' 'bad.ini:3: n_le: must be'
expect_error '[spectrum]\nN = 20\ng = 1:0:3\n' 'bad.ini:3: g: '
expect_error '[spectrum]\nN = 20\ng = log(0, 1, 3)\n' 'bad.ini:3: g: '
expect_error '[run]\nrealizations = 0\n[spectrum]\nN = 20\n' 'bad.ini:2: realizations: '
expect_error '[sweep]\nN = 20\n' 'bad.ini:1: unknown section [sweep]'
expect_error '[run]\noutput = x.h5\n' 'bad.ini:1: no task section'
expect_error '[spectrum]\nN = 20\nN = 30\n' 'bad.ini:3: N: given twice'
# issue 18 item 7: spellings of one key, trailing text after a section header
expect_error '[spectrum]\nN = 20\nt_sim = 5, 6\n--t-sim = 7\n' 'bad.ini:4: --t-sim: given twice in [spectrum] (first at line 3 as t_sim)'
expect_error '[run]\nmax_failures = 1\nmax-failures = 2\n[spectrum]\nN = 20\n' 'bad.ini:3: max-failures: given twice in [run] (first at line 2 as max_failures)'
expect_error '[spectrum] junk\nN = 20\n' 'bad.ini:1: text after the section header [spectrum]'
expect_error '[spectrum]\nN = 20\ndt = 0.1\nt_ons = 0.25\n' 'bad.ini:4: t_ons: '
expect_error '[run]\nranks_per_dist_task = 0\n[spectrum]\nN = 20\n' 'bad.ini:2: ranks_per_dist_task: expected one integer between 1 and'
# model = NAME chooses the spectrum kind of a model (model_kind.h): one per section, a known one,
# only where the kind exists, and a section per kind
expect_error '[spectrum]\nN = 20\nmodel = banana\n' "bad.ini:3: model: unknown model 'banana' for [spectrum] (models: rate"
expect_error '[spectrum]\nN = 20\nmodel = rate, rate\n' 'bad.ini:3: model: one model per section'
expect_error '[gcrit]\nN = 20\nmodel = banana\n' "bad.ini:3: model: unknown model 'banana' for [gcrit] (models: rate)"
expect_error '[spectrum]\nN = 20\nmodel = rate\n[spectrum_rate]\nN = 20\n' 'bad.ini:4: unknown section [spectrum_rate]'
# usage errors
expect_error '[spectrum]\nN = 20\n' 'unknown option --frobnicate' --frobnicate
expect_error '[spectrum]\nN = 20\n' '--resume and --dry-run' --resume --dry-run
(cd case1 && "$B" run > /dev/null 2> stderr2); rc=$?
[ $rc -eq 2 ] && grep -q "missing the job file" case1/stderr2 || bad "no job file: exit $rc"
(cd case1 && "$B" run nonexistent.ini > /dev/null 2> stderr3); rc=$?
[ $rc -eq 2 ] && grep -q "nonexistent.ini: cannot open the job file" case1/stderr3 || bad "missing job: exit $rc"

expect_error '[spectrum]\nN = 20\nt_sim = 5\n' 'directory' -o nodir/out.h5
# --dry-run: the table and totals, nothing written
mkdir -p dry && cd dry
printf '[run]\nrealizations = 3\n[spectrum]\nN = 20, 40\ng = lin(1, 3, 3)\nt_sim = 20\n' > job.ini
"$B" run job.ini --dry-run > out 2> err
rc=$?
[ $rc -eq 0 ] || bad "dry-run exit $rc: $(cat err)"
grep -q "18 tasks" out || bad "dry-run does not count 18 tasks: $(cat out)"
grep -q "GFLOP" out && grep -q "MiB" out || bad "dry-run lacks cost or memory estimates"
[ "$(ls | sort | tr '\n' ' ')" = "err job.ini out " ] || bad "dry-run wrote files: $(ls)"
say "ok dry-run: $(tail -1 out)"

# never overwrite; --resume needs the same job file
printf '[spectrum]\nN = 20\nt_sim = 5\nt_transient = 1\nt_ons_transient = 1\nn_boot = 10\n' > small.ini
"$B" run small.ini -o a.h5 > /dev/null 2> err || bad "small run failed: $(cat err)"
before=$(sha256sum a.h5)
"$B" run small.ini -o a.h5 > /dev/null 2> err; rc=$?
[ $rc -eq 2 ] && grep -q "a.h5 exists: continue it with --resume" err || bad "overwrite not refused: exit $rc $(cat err)"
[ "$(sha256sum a.h5)" = "$before" ] || bad "a.h5 changed after a refused run"
printf '[spectrum]\nN = 20\nt_sim = 6\nt_transient = 1\nt_ons_transient = 1\nn_boot = 10\n' > other.ini
"$B" run other.ini -o a.h5 --resume > /dev/null 2> err; rc=$?
[ $rc -eq 2 ] && grep -q "different job file" err || bad "resume with another job not refused: exit $rc $(cat err)"
[ "$(sha256sum a.h5)" = "$before" ] || bad "a.h5 changed after a refused resume"
say "ok refusals: $(cat err)"
# a complete archive resumes to a no-op
"$B" run small.ini -o a.h5 --resume > out 2> err; rc=$?
[ $rc -eq 0 ] || bad "resume of a complete archive: exit $rc $(cat err)"
# a file that is not an archive
echo "not hdf5" > junk.h5
"$B" run small.ini -o junk.h5 --resume > /dev/null 2> err; rc=$?
[ $rc -eq 2 ] || bad "resume of junk: exit $rc $(cat err)"
"$B" info junk.h5 > /dev/null 2> err; rc=$?
[ $rc -eq 2 ] && grep -q "junk.h5" err || bad "info junk: exit $rc $(cat err)"
"$B" info > /dev/null 2> err; rc=$?
[ $rc -eq 2 ] || bad "info without archive: exit $rc"
"$B" info a.h5 --json > info.json || bad "info a.h5 failed"
/usr/bin/python3 - info.json <<'EOF' || bad "info --json content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["tasks"] == 1 and d["done"] == 1 and d["failed"] == 0 and d["pending"] == 0, d
assert len(d["job_sha256"]) == 64 and d["failures"] == [], d
assert d["runs"] == 2, d["runs"]
EOF
# an output where no file can be created (a pseudo-file system) is bad input, and nothing is left
printf '[spectrum]\nN = 10\nt_sim = 5\n' > proc.ini
"$B" run proc.ini -o /proc/rc_run_errors.h5 > /dev/null 2> err; rc=$?
[ $rc -eq 2 ] && grep -q "cannot create files there" err || bad "output in /proc: exit $rc $(cat err)"
[ $fail -eq 0 ] && echo "run_errors: all checks passed"
exit $fail
