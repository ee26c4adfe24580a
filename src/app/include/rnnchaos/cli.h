/* Shared command-line plumbing of the subcommands: "--key value" / "--key=value" iteration, the
 * argument loop over a command's option groups, --help made from the option tables (opts.h),
 * errors on stderr in one format, JSON numbers that turn NaN into null. */
#ifndef RNNCHAOS_CLI_H
#define RNNCHAOS_CLI_H

#include <jansson.h>
#include <mpi.h>

#include <stdio.h>

#include "rnnchaos/error.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/options.h"
#include "rnnchaos/opts.h"

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
/* Prints a command's --help (on stdout, or where a test points it). */
typedef void (*rc_cli_help_fn)(FILE *f);

/* The end of a command's argument parsing: with parsed != RC_OK reports err (once: on rank 0)
 * and returns its exit code; with help prints the help (rank 0) and returns 0; else -1 (the
 * command goes on).  Under MPI every rank parses the same arguments and reaches the same
 * verdict; comm MPI_COMM_NULL: a serial command (MPI need not be initialised). */
int rc_cli_parsed_on_ranks(MPI_Comm comm, const char *cmd, rc_status parsed, int help,
                           rc_cli_help_fn print_help, const rc_error *err);

/* One group of options a command accepts: the keys has_key knows, parsed by set into target. */
typedef struct {
    int (*has_key)(const char *key);
    rc_status (*set)(void *target, const char *key, const char *value, rc_error *err);
    void *target;
} rc_cli_group;

/* The groups of the model options (options.h) and of the Lyapunov run options
 * (lyap_options.h). */
rc_cli_group rc_cli_model_group(rc_model_config *mc);
rc_cli_group rc_cli_lyap_group(rc_lyap_params *lp);

/* A command's own keys, tried before the groups (NULL: none): sets *taken when norm (the key,
 * normalised by rc_option_normalize) is one of them; a refusal is an error (RC_ERR_INPUT). */
typedef rc_status (*rc_cli_own_fn)(void *ctx, const char *norm, const char *value, int *taken,
                                   rc_error *err);

/* What every command's argument loop records besides its groups. */
typedef struct {
    int json, help; /* --json, --help (flags) */
    int n_given;    /* --N was given (a file's size must then agree) */
} rc_cli_common;

/* The argument loop of the analysis commands: --json and --help, then each --key value to own
 * or to the first group whose has_key knows it (in the order given); any other key is
 * "unknown option --KEY (see rnnchaos CMD --help)" (cmd: "eigs", "spectrum --model NAME").
 * Stops at the first error. */
rc_status rc_cli_parse(int argc, char **argv, const char *cmd, rc_cli_own_fn own, void *ctx,
                       const rc_cli_group *groups, int n_groups, rc_cli_common *common,
                       rc_error *err);

/* Runs body on every rank of MPI_COMM_WORLD between MPI_Init and MPI_Finalize (unless MPI was
 * initialised already) and returns body's exit code; cmd names the command in messages. */
int rc_cli_with_mpi(const char *cmd, int (*body)(int argc, char **argv, MPI_Comm comm), int argc,
                    char **argv);

/* The option lines of a command's --help from an option table (opts.h), under a title line:
 * "  --name VALUE   doc [default]", the docs aligned and wrapped within 96 columns, an
 * RC_OPT_INT row's range after it.  defaults: the table's parameter struct as its _default
 * function leaves it (NULL: no defaults shown); a custom row's doc states its own default.  Rows named in skip (NULL-terminated, '-' form; NULL: none) are left out. */
void rc_cli_print_options(FILE *f, const char *title, const rc_opt *table, size_t n,
                          const void *defaults, const char *const *skip);
/* The model options (options.h) with their defaults, and the Lyapunov run options
 * (lyap_options.h), likewise. */
void rc_cli_print_model_options(FILE *f, const char *title, const char *const *skip);
void rc_cli_print_lyap_options(FILE *f, const char *title, const char *const *skip);

/* The model named by --model NAME / --model=NAME in argv (model_kind.h): *mk NULL for the rate
 * network (no --model, or --model rate).  With list non-NULL, `--model list` sets *list and
 * *mk NULL (the caller prints rc_cli_print_models); otherwise, as any unknown name, it is
 * RC_ERR_INPUT naming the models. */
struct rc_model_kind;
rc_status rc_cli_model_arg(int argc, char **argv, const struct rc_model_kind **mk, int *list,
                           rc_error *err);
void rc_cli_print_models(void);

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
