# issue 3: job files, task lists, the parallel HDF5 archive, the scheduler, resume, Slurm.
rc_add_cmocka_test(test_job)
# bad job files and usage errors: exit 2, file:line:key, nothing written (singleton MPI)
rc_add_script_test(run_errors run_errors.sh LABELS cli TIMEOUT 120)
# MPI: -n 1/2/3 bitwise equal, failed tasks recorded, archive row = spectrum --json, max_failures
rc_add_script_test(run_mpi run_mpi.sh LABELS mpi TIMEOUT 180)
# Heap isolation (MALLOC_PERTURB_): a task's result must not depend on what earlier tasks left
# in the heap.
rc_add_script_test(run_heap_isolation run_heap_isolation.sh LABELS mpi TIMEOUT 120)
# signals (USR1 via mpiexec, TERM to ranks, INT), cancellation, SIGKILL at several moments,
# --resume to a bitwise copy of an uninterrupted run
rc_add_script_test(run_stop_resume run_stop_resume.sh LABELS mpi TIMEOUT 300)
rc_add_script_test(run_checkpoint run_checkpoint.sh LABELS mpi TIMEOUT 300)
# A real one-node Slurm (slurm-wlm + munge, started and stopped by the test, as root):
# jobs/quickstart.sbatch with sbatch --wait; a USR1-signalled job resubmits itself and completes.
rc_add_script_test(slurm_quickstart slurm_quickstart.sh LABELS slurm TIMEOUT 900)
rc_add_script_test(slurm_resubmit slurm_resubmit.sh LABELS slurm TIMEOUT 600)
# -n 3 --oversubscribe against -n 2 on 2 cores: the sleeping master costs no throughput (timing)
rc_add_script_test(run_throughput run_throughput.sh LABELS long TIMEOUT 300)
# [gcrit] and [coherence] job sections: -n 1/-n 2 bitwise equal, rows = gcrit/coherence --json
rc_add_script_test(run_kinds run_kinds.sh LABELS mpi TIMEOUT 120)
rc_add_script_test(summarize summarize.sh LABELS cli TIMEOUT 120)
# scripts/plot.py renders every figure that applies to an archive (PNG files checked)
rc_add_script_test(plot_smoke plot_smoke.sh LABELS cli TIMEOUT 120)
# issue 4: mixed sweeps (one-rank and distributed tasks), grids archived, stop and resume
rc_add_script_test(run_dist_mixed run_dist_mixed.sh LABELS mpi TIMEOUT 300)
