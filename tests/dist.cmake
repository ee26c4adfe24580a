# issue 4: distributed large-N tasks (ScaLAPACK grids, parallel connectivity read).
# test_dist runs the same checks on the grid named by its argument; every verdict is reduced
# over the ranks, so a failure fails all ranks together instead of leaving some waiting.
add_executable(test_dist test_dist.c rc_test_util.c)
target_include_directories(test_dist PRIVATE ${PROJECT_SOURCE_DIR}/src/lyap ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(test_dist PRIVATE rnnchaos_lib PkgConfig::CMOCKA)
set(RC_DIST_ENV "OPENBLAS_NUM_THREADS=1;OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1")
set(RC_MPIEXEC ${MPIEXEC_EXECUTABLE} -x OPENBLAS_NUM_THREADS=1)
# 1x1: the distributed code path on one rank (singleton MPI, no launcher)
add_test(NAME dist_1x1 COMMAND test_dist 1x1)
add_test(NAME dist_1x2 COMMAND ${RC_MPIEXEC} -n 2 $<TARGET_FILE:test_dist> 1x2)
add_test(NAME dist_2x1 COMMAND ${RC_MPIEXEC} -n 2 $<TARGET_FILE:test_dist> 2x1)
add_test(NAME dist_3x1 COMMAND ${RC_MPIEXEC} -n 3 --oversubscribe --mca mpi_yield_when_idle 1 $<TARGET_FILE:test_dist> 3x1)
set_tests_properties(dist_1x1 dist_1x2 dist_2x1 dist_3x1 PROPERTIES
                     LABELS mpi TIMEOUT 600 ENVIRONMENT "${RC_DIST_ENV}"
                     WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
add_test(NAME dist_1x3 COMMAND ${RC_MPIEXEC} -n 3 --oversubscribe --mca mpi_yield_when_idle 1 $<TARGET_FILE:test_dist> 1x3)
set_tests_properties(dist_1x3 PROPERTIES LABELS mpi TIMEOUT 600 ENVIRONMENT "${RC_DIST_ENV}"
                     WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
# the command line on grids: serial = distributed, --connectivity/--h0, bad input once, memory
rc_add_script_test(cli_dist_spectrum cli_dist_spectrum.sh LABELS mpi TIMEOUT 300)
# issue 9: rnnchaos eigs --grid (pdgehrd + pdhseqr) against dgeev, refusals
rc_add_script_test(cli_deigs cli_deigs.sh LABELS mpi TIMEOUT 300)
