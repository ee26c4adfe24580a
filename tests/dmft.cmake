# issue 6: mean-field theory (dmft) and random-matrix references (rmt).
rc_add_cmocka_test(test_rmt LABELS unit TIMEOUT 120)
rc_add_cmocka_test(test_dmft LABELS science TIMEOUT 300)
rc_add_script_test(dmft_cli dmft_cli.sh)
# N = 2000 simulations against the mean field (15 runs of ~15-20 s each on one core, ~4 min).
rc_add_script_test(dmft_sim dmft_sim.sh LABELS long TIMEOUT 3600)
# The map's mean field and the hardtanh analytic spectrum against small simulations (~5 s).
rc_add_script_test(dmft_map_sim dmft_map_sim.sh LABELS science TIMEOUT 300)
