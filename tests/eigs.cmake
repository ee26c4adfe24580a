# issue 9 (eigs, fixedpoints): spectra of J and Jacobians, fixed points.
rc_add_cmocka_test(test_eigs LABELS science TIMEOUT 300)
rc_add_cmocka_test(test_fixedpoints LABELS science TIMEOUT 300)
rc_add_script_test(cli_eigs cli_eigs.sh)
