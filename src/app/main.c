/* rnnchaos: argument handling and dispatch only; the science is in librnnchaos. */
#include <stdio.h>
#include <string.h>

#include "rnnchaos/commands.h"
#include "rnnchaos/sched.h"
#include "rnnchaos_version.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} rc_command;

static const rc_command commands[] = {
    {"spectrum", rc_cmd_spectrum, "Lyapunov spectrum, entropy rate and dimension of one network"},
    {"clv", rc_cmd_clv, "Covariant Lyapunov vectors: growth rates, localisation, angles (Ginelli)"},
    {"gradients", rc_cmd_gradients, "Exploding/vanishing gradients: singular values of the long-term Jacobian"},
    {"run", rc_cmd_run, "Run a job file (sweep) over MPI ranks into one HDF5 archive"},
    {"info", rc_cmd_info, "Job, task counts and failures of a run archive"},
    {"summarize", rc_cmd_summarize, "Statistics over realisations and finite-size fits of a run archive"},
    {"gcrit", rc_cmd_gcrit, "Finite-size critical coupling g_crit of one realisation (bisection)"},
    {"coherence", rc_cmd_coherence, "Coherence, information rate and tau_eff (balanced relu)"},
    {"eigs", rc_cmd_eigs, "Eigenvalues of J or of the Jacobian: bulk radius, spectral edge, outliers"},
    {"fixedpoints", rc_cmd_fixedpoints, "Fixed points from random starts (Newton), their stability"},
    {"dmft", rc_cmd_dmft, "Mean-field theory (N -> infinity): Delta0, Delta(t), lambda_1 with error estimates"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: rnnchaos COMMAND [options]   (rnnchaos COMMAND --help for its options)\n\n"
                 "Chaos in recurrent neural networks: Lyapunov spectra, g_crit, coherence.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nExit codes: 0 ok, 1 a task or run failed, 2 bad input, 3 stopped by a signal "
                 "(resumable).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("rnnchaos %s (commit %s)\n", RC_VERSION_STRING, RC_GIT_COMMIT);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    /* `run` honours SIGTERM, SIGUSR1 and SIGINT by stopping cleanly once its archive is
     * consistent (exit 3).  A signal that came during MPI_Init_thread, before the handler was
     * installed, killed the ranks (issue 18): install the flag-only handler before anything
     * else; rc_cmd_run reinstalls it after MPI_Init_thread and its scheduler reads the flag.
     * The other commands keep the default actions (Ctrl-C ends them). */
    if (strcmp(argv[1], "run") == 0) rc_sched_install_signal_handlers();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "rnnchaos: error: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
