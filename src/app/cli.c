#include "rnnchaos/cli.h"

#include "rnnchaos/model_kind.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/lyap_options.h"
#include "rnnchaos/parse.h"

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
                           rc_cli_help_fn print_help, const rc_error *err)
{
    int rank = 0;
    if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
    if (parsed != RC_OK) {
        if (rank == 0) rc_cli_report(cmd, err);
        return rc_status_exit_code(err->status);
    }
    if (help) {
        if (rank == 0) print_help(stdout);
        return 0;
    }
    return -1;
}

static rc_status model_set(void *target, const char *key, const char *value, rc_error *err)
{
    return rc_model_config_set(target, key, value, err);
}

static rc_status lyap_set(void *target, const char *key, const char *value, rc_error *err)
{
    return rc_lyap_params_set(target, key, value, err);
}

rc_cli_group rc_cli_model_group(rc_model_config *mc)
{
    return (rc_cli_group){rc_model_config_has_key, model_set, mc};
}

rc_cli_group rc_cli_lyap_group(rc_lyap_params *lp)
{
    return (rc_cli_group){rc_lyap_params_has_key, lyap_set, lp};
}

rc_status rc_cli_parse(int argc, char **argv, const char *cmd, rc_cli_own_fn own, void *ctx,
                       const rc_cli_group *groups, int n_groups, rc_cli_common *common,
                       rc_error *err)
{
    static const char *const flags[] = {"json", "help", NULL};
    memset(common, 0, sizeof *common);
    rc_argiter it;
    rc_argiter_init(&it, argc, argv, flags);
    int r;
    while ((r = rc_argiter_next(&it, err)) > 0) {
        char norm[128];
        rc_option_normalize(it.key, norm, sizeof norm);
        if (strcmp(norm, "json") == 0) {
            common->json = 1;
            continue;
        }
        if (strcmp(norm, "help") == 0) {
            common->help = 1;
            continue;
        }
        int taken = 0;
        if (own) RC_TRY(own(ctx, norm, it.value, &taken, err));
        for (int g = 0; g < n_groups && !taken; ++g)
            if (groups[g].has_key(it.key)) {
                RC_TRY(groups[g].set(groups[g].target, it.key, it.value, err));
                taken = 1;
            }
        if (!taken)
            return rc_fail(err, RC_ERR_INPUT, "unknown option --%s (see rnnchaos %s --help)",
                           it.key, cmd);
        if (strcmp(norm, "N") == 0) common->n_given = 1;
    }
    return r < 0 ? err->status : RC_OK;
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

/* ---- --help from the option tables -------------------------------------------------------- */

static const char *value_name(rc_opt_type t)
{
    switch (t) {
    case RC_OPT_DOUBLE: return "X";
    case RC_OPT_INT64:
    case RC_OPT_INT: return "N";
    case RC_OPT_BOOL: return "yes|no";
    case RC_OPT_CUSTOM: return "VALUE";
    }
    return "VALUE";
}

static int skipped(const char *name, const char *const *skip)
{
    for (const char *const *s = skip; s && *s; ++s)
        if (strcmp(*s, name) == 0) return 1;
    return 0;
}

/* "[default]" (and the range of an integer) of row o read from defaults; "" for custom rows,
 * whose doc names their default. */
static void default_text(const rc_opt *o, const void *defaults, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!defaults) return;
    const char *field = (const char *)defaults + o->offset;
    switch (o->type) {
    case RC_OPT_DOUBLE: snprintf(buf, len, " [%g]", *(const double *)field); break;
    case RC_OPT_INT64: snprintf(buf, len, " [%lld]", (long long)*(const int64_t *)field); break;
    case RC_OPT_INT:
        snprintf(buf, len, " [%d] (%lld..%lld)", *(const int *)field, (long long)o->lo,
                 (long long)o->hi);
        break;
    case RC_OPT_BOOL: {
        const int v = *(const int *)field;
        if (v == 0 || v == 1) snprintf(buf, len, " [%s]", v ? "yes" : "no");
        break;
    }
    case RC_OPT_CUSTOM: break;
    }
}

void rc_cli_print_options(FILE *f, const char *title, const rc_opt *table, size_t n,
                          const void *defaults, const char *const *skip)
{
    enum { COLUMN = 24, WIDTH = 96 }; /* docs start after COLUMN, lines wrap before WIDTH */
    fprintf(f, "%s\n", title);
    for (size_t i = 0; i < n; ++i) {
        const rc_opt *o = &table[i];
        if (skipped(o->name, skip)) continue;
        char opt[96], def[64], doc[512];
        snprintf(opt, sizeof opt, "--%s %s", o->name, value_name(o->type));
        default_text(o, defaults, def, sizeof def);
        snprintf(doc, sizeof doc, "%s%s", o->doc ? o->doc : "", def);
        int col = fprintf(f, "  %-*s", COLUMN, opt);
        /* the doc word by word, continued under its first word */
        const char *w = doc;
        int first = 1;
        while (*w) {
            while (*w == ' ') ++w;
            const int len = (int)strcspn(w, " ");
            if (!len) break;
            if (!first && col + 1 + len > WIDTH) {
                col = fprintf(f, "\n%*s", COLUMN + 2, "") - 1;
                first = 1;
            }
            col += fprintf(f, first ? "  %.*s" : " %.*s", len, w);
            first = 0;
            w += len;
        }
        fputc('\n', f);
    }
}

void rc_cli_print_model_options(FILE *f, const char *title, const char *const *skip)
{
    rc_model_config c;
    rc_model_config_default(&c);
    size_t n;
    const rc_opt *t = rc_model_config_options(&n);
    rc_cli_print_options(f, title, t, n, &c, skip);
}

void rc_cli_print_lyap_options(FILE *f, const char *title, const char *const *skip)
{
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    size_t n;
    const rc_opt *t = rc_lyap_params_options(&n);
    rc_cli_print_options(f, title, t, n, &lp, skip);
}

rc_status rc_cli_model_arg(int argc, char **argv, const rc_model_kind **mk, int *list,
                           rc_error *err)
{
    *mk = NULL;
    if (list) *list = 0;
    for (int i = 0; i < argc; ++i) {
        const char *name = strncmp(argv[i], "--model=", 8) == 0 ? argv[i] + 8
                           : strcmp(argv[i], "--model") == 0 && i + 1 < argc ? argv[i + 1]
                                                                             : NULL;
        if (!name || strcmp(name, "rate") == 0) continue;
        if (list && strcmp(name, "list") == 0) {
            *list = 1;
            return RC_OK;
        }
        *mk = rc_model_kind_find(name);
        if (*mk && (*mk)->create) return RC_OK;
        *mk = NULL;
        char names[256] = "";
        for (int k = 0; k < rc_model_kind_count(); ++k)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? ", " : "",
                     rc_model_kind_get(k)->name);
        return rc_fail(err, RC_ERR_INPUT, "--model: unknown model '%s' (models: %s)", name, names);
    }
    return RC_OK;
}

void rc_cli_print_models(void)
{
    for (int k = 0; k < rc_model_kind_count(); ++k)
        printf("%-8s %s\n", rc_model_kind_get(k)->name, rc_model_kind_get(k)->doc);
}
