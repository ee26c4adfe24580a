/* Shared command-line plumbing of the subcommands: "--key value" / "--key=value" iteration,
 * errors on stderr in one format, JSON numbers that turn NaN into null. */
#ifndef RNNCHAOS_CLI_H
#define RNNCHAOS_CLI_H

#include <jansson.h>
#include <mpi.h>

#include "rnnchaos/error.h"

/* Iterate over argv: on each call yields the next option's key (without "--") and value (NULL
 * for a flag listed in flags, a NULL-terminated list of flag names).  Returns 1 while options
 * remain, 0 at the end, -1 with err set on a malformed argument. */
typedef struct {
    int argc, pos;
    char **argv;
    const char *const *flags;
    char key[128];
    const char *value;
} rc_argiter;

void rc_argiter_init(rc_argiter *it, int argc, char **argv, const char *const *flags);
int rc_argiter_next(rc_argiter *it, rc_error *err);

/* Distributed commands: 1 if argv asks for a process grid (--grid / --grid=...), and 1 if a
 * launcher (mpiexec, srun) started this process as one of several ranks - read from the
 * launcher's environment, so that a plain serial run never initialises MPI. */
int rc_cli_wants_grid(int argc, char **argv);
int rc_cli_launched_on_several_ranks(void);
/* Under MPI every rank parses the same arguments and reaches the same verdict; this reports it
 * once (rank 0).  parsed: what the parser returned (err holds its message); help: --help was
 * given.  Returns the exit code when the command ends here, -1 when it goes on. */
int rc_cli_parsed_on_ranks(MPI_Comm comm, const char *cmd, rc_status parsed, int help,
                           const char *help_text, const rc_error *err);

/* Runs body on every rank of MPI_COMM_WORLD between MPI_Init and MPI_Finalize (unless MPI was
 * initialised already) and returns body's exit code; cmd names the command in messages. */
int rc_cli_with_mpi(const char *cmd, int (*body)(int argc, char **argv, MPI_Comm comm), int argc,
                    char **argv);

/* "rnnchaos CMD: error: MSG" on stderr; returns the exit code of err->status. */
int rc_cli_report(const char *cmd, const rc_error *err);

/* json_real, or json_null for NaN/Inf (JSON has no NaN). */
json_t *rc_json_number(double x);
json_t *rc_json_ci(double lo, double hi);
json_t *rc_json_array(const double *x, long long n);
/* Print one JSON object and a newline on stdout; 0 or -1. */
int rc_json_print(json_t *obj);
/* A command's JSON output: prints obj (NULL: the object could not be built), releases it, and
 * returns the exit code (0, or 1 when it could not be built or written). */
int rc_json_emit(json_t *obj);

#endif
