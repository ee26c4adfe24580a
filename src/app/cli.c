#include "rnnchaos/cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rc_argiter_init(rc_argiter *it, int argc, char **argv, const char *const *flags)
{
    memset(it, 0, sizeof *it);
    it->argc = argc;
    it->argv = argv;
    it->flags = flags;
}

static int is_flag(const rc_argiter *it, const char *key)
{
    for (const char *const *f = it->flags; f && *f; ++f)
        if (strcmp(*f, key) == 0) return 1;
    return 0;
}

int rc_argiter_next(rc_argiter *it, rc_error *err)
{
    if (it->pos >= it->argc) return 0;
    const char *arg = it->argv[it->pos++];
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
        rc_fail(err, RC_ERR_INPUT, "unexpected argument '%s' (options are --name value)", arg);
        return -1;
    }
    const char *eq = strchr(arg, '=');
    size_t klen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    if (klen >= sizeof it->key) {
        rc_fail(err, RC_ERR_INPUT, "option '%s' is too long", arg);
        return -1;
    }
    memcpy(it->key, arg + 2, klen);
    it->key[klen] = '\0';
    if (is_flag(it, it->key)) {
        if (eq) {
            rc_fail(err, RC_ERR_INPUT, "--%s: takes no value", it->key);
            return -1;
        }
        it->value = NULL;
        return 1;
    }
    if (eq) {
        it->value = eq + 1;
    } else {
        if (it->pos >= it->argc) {
            rc_fail(err, RC_ERR_INPUT, "--%s: missing value", it->key);
            return -1;
        }
        it->value = it->argv[it->pos++];
    }
    return 1;
}

int rc_cli_report(const char *cmd, const rc_error *err)
{
    fprintf(stderr, "rnnchaos %s: error: %s\n", cmd, err->msg[0] ? err->msg : rc_status_name(err->status));
    return rc_status_exit_code(err->status);
}

json_t *rc_json_number(double x) { return isfinite(x) ? json_real(x) : json_null(); }

json_t *rc_json_ci(double lo, double hi)
{
    if (!isfinite(lo) || !isfinite(hi)) return json_null();
    return json_pack("[ff]", lo, hi);
}

json_t *rc_json_array(const double *x, long long n)
{
    json_t *a = json_array();
    for (long long i = 0; a && i < n; ++i) json_array_append_new(a, rc_json_number(x[i]));
    return a;
}

int rc_json_print(json_t *obj)
{
    /* 17 significant digits: the JSON carries the exact doubles (bitwise comparisons). */
    char *s = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!s) return -1;
    int rc = printf("%s\n", s) < 0 ? -1 : 0;
    free(s);
    fflush(stdout);
    return rc;
}

int rc_json_emit(json_t *obj)
{
    const int code = obj && rc_json_print(obj) == 0 ? 0 : 1;
    json_decref(obj);
    return code;
}

int rc_cli_wants_grid(int argc, char **argv)
{
    for (int i = 0; i < argc; ++i)
        if (strcmp(argv[i], "--grid") == 0 || strncmp(argv[i], "--grid=", 7) == 0) return 1;
    return 0;
}

int rc_cli_launched_on_several_ranks(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE",
                                       "SLURM_STEP_NUM_TASKS", NULL};
    for (int i = 0; vars[i]; ++i) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) > 1) return 1;
    }
    return 0;
}

int rc_cli_parsed_on_ranks(MPI_Comm comm, const char *cmd, rc_status parsed, int help,
                           const char *help_text, const rc_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (parsed != RC_OK) {
        if (rank == 0) rc_cli_report(cmd, err);
        return rc_status_exit_code(err->status);
    }
    if (help) {
        if (rank == 0) fputs(help_text, stdout);
        return 0;
    }
    return -1;
}

int rc_cli_with_mpi(const char *cmd, int (*body)(int argc, char **argv, MPI_Comm comm), int argc,
                    char **argv)
{
    int already = 0;
    MPI_Initialized(&already);
    if (!already && MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        fprintf(stderr, "rnnchaos %s: error: MPI_Init failed\n", cmd);
        return 1;
    }
    const int code = body(argc, argv, MPI_COMM_WORLD);
    fflush(stdout);
    if (!already) MPI_Finalize();
    return code;
}
