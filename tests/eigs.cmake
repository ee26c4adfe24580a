# issue 9 (eigs, fixedpoints): spectra of J and Jacobians, fixed points.
rc_add_cmocka_test(test_eigs LABELS science TIMEOUT 300)
rc_add_cmocka_test(test_fixedpoints LABELS science TIMEOUT 300)
rc_add_script_test(cli_eigs cli_eigs.sh)
# [eigs] and [fixedpoints] job sections: -n 1 = -n 2, rows = the commands' --json, summarize
rc_add_script_test(run_eigs_kinds run_eigs_kinds.sh LABELS mpi cli TIMEOUT 120)
rc_add_script_test(plot_eigs_smoke plot_eigs_smoke.sh LABELS cli TIMEOUT 120)
