# The archive (src/ensemble/archive/): create, write, read back, resume, edit (unit), and its fault
# paths under concurrent runs, full disks, lost files and odd names (issue 18).
rc_add_cmocka_test(test_archive LABELS unit TIMEOUT 120)
# two runs on one -o, and a --resume while a run has the archive (issue 18 items 1 and 8)
rc_add_script_test(archive_owner archive_owner.sh LABELS cli TIMEOUT 180)
# fault paths: -o names too long for MPI-IO, a full disk (tmpfs; skipped without mount rights), an
# archive lost mid-run (issue 18 items 5, 2, 6)
rc_add_script_test(archive_faults archive_faults.sh LABELS mpi TIMEOUT 180)
