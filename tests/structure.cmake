# issue 9 (structured networks): E/I blocks, Dale's law, sparsity, heterogeneous tau and gains.
rc_add_cmocka_test(test_structure LABELS science TIMEOUT 300)
rc_add_script_test(run_structure run_structure.sh)
