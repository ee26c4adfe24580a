# issue 8: coherence spectra, information rate, tau_eff (balanced relu networks)
rc_add_cmocka_test(test_coherence LABELS science TIMEOUT 300)
rc_add_script_test(cli_coherence cli_coherence.sh)
