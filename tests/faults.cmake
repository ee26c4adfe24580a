# issue 18: fault paths (a grid that hangs, absurd times, early signals, memory checks).
rc_add_script_test(eigs_grid_1d eigs_grid_1d.sh LABELS mpi cli TIMEOUT 300)
rc_add_script_test(run_early_signal run_early_signal.sh LABELS mpi cli TIMEOUT 300)
rc_add_script_test(steps_limits steps_limits.sh LABELS cli TIMEOUT 300)
rc_add_script_test(h0_finite h0_finite.sh LABELS cli TIMEOUT 60)
