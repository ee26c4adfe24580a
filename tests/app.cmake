# The app layer (src/app): the subcommands' shared command-line plumbing.
# test_cli ends with rc_cli_with_mpi, a singleton MPI start (no launcher); as root Open MPI
# needs the OMPI_ALLOW_* variables for it, as the script tests get them.
rc_add_cmocka_test(test_cli LABELS unit TIMEOUT 60)
set_tests_properties(test_cli PROPERTIES ENVIRONMENT
  "OPENBLAS_NUM_THREADS=1;OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
