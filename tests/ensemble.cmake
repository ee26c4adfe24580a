# issue 3: job files, task lists, the parallel HDF5 archive, the scheduler, resume, Slurm.
rc_add_cmocka_test(test_job)
# bad job files and usage errors: exit 2, file:line:key, nothing written (singleton MPI)
rc_add_script_test(run_errors run_errors.sh LABELS cli TIMEOUT 120)
