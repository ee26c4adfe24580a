# issue 5: g_crit bisection, realisation summaries and fits.
rc_add_cmocka_test(test_fit)
rc_add_cmocka_test(test_gcrit LABELS science TIMEOUT 300)
rc_add_script_test(cli_gcrit cli_gcrit.sh)
