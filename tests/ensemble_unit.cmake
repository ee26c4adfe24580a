# Unit tests of the ensemble layer (job, scheduler).
# The scheduler with a fake task kind (tests/test_sched.c), on one rank and on two (master and a
# worker).
rc_add_cmocka_test(test_sched TIMEOUT 120)
add_test(NAME test_sched_mpi2
         COMMAND ${MPIEXEC_EXECUTABLE} -n 2 --oversubscribe -x OPENBLAS_NUM_THREADS=1
                 $<TARGET_FILE:test_sched>)
set_tests_properties(test_sched_mpi2 PROPERTIES TIMEOUT 120 LABELS mpi
                     ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
