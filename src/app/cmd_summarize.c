/* rnnchaos summarize ARCHIVE.h5 [--json] [--no-write]: statistics over realisations and
 * finite-size fits, from nothing but the archive (docs/archive.md, /summary; issue 5).
 *
 * Groups: the tasks of a kind that share every parameter but the four seeds.  Per group: the
 * number of done tasks and, for each quantity of the kind, median, mean, std, 20% and 80%
 * percentiles over the done tasks' finite values (fit.h: rc_summarize).  Families: groups that
 * differ only in N.  Per family with at least three sizes: the extensivity fits of the spectrum
 * kind (H and D against N; H/N and D/N against N, whose slope CI containing 0 means "constant
 * across N") and the finite-size fit of the gcrit kind (log(g_crit - 1) against log N, per
 * realisation and on the group medians).  Every fit is an OLS fit of the realisations' values
 * (fit.h), so its CI reflects the scatter between networks.
 *
 * The results go to stdout (a table, or one JSON object) and into the archive's /summary group
 * (docs/archive.md), replacing an earlier one.  The pieces live in src/app/summarize/
 * (summarize.h). */
#include <stdio.h>
#include <string.h>

#include "rnnchaos/archive.h"
#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/job.h"
#include "summarize/summarize.h"

static const char summarize_help[] =
    "usage: rnnchaos summarize ARCHIVE.h5 [--json] [--no-write] [--no-theory]\n"
    "\n"
    "Groups the tasks of each kind by every parameter but the seeds and prints, per group, the\n"
    "number of done tasks and median, mean, std, 20% and 80% percentiles over realisations of\n"
    "  spectrum:  lambda_max, entropy_H, dim_ky, entropy_H/N, dim_ky/N\n"
    "  gcrit:     g_crit (decided realisations only; the others are counted as non-finite),\n"
    "             g_crit_lower / g_crit_upper (the bracket's ends of every realisation with one\n"
    "             crossing, undecided ones included: bounds on g_crit's median and percentiles)\n"
    "  coherence: info_rate_lb, info_rate_lb_debiased, tau_eff, tau_eff_theory,\n"
    "             active_fraction, rate_mean\n"
    "  eigs:      spectral_edge, bulk_edge, bulk_radius, bulk_radius_theory, n_outliers,\n"
    "             outlier1_re/_im/_distance, outlier2_re/_im (the farthest outliers; realisations\n"
    "             without one are counted as non-finite)\n"
    "  fixedpoints: n_found, n_nontrivial, n_stable, n_converged, q_mean\n"
    "and, for groups that differ only in N (at least 3 sizes), least-squares fits with 95% CIs:\n"
    "  H and D against N, H/N and D/N against N (slope CI containing 0: constant across N);\n"
    "  log(g_crit - 1) against log N (the exponent; -1/2 expected).\n"
    "For spectrum groups of the classic network (tanh, or hardtanh at dt = 1; b = 0,\n"
    "sigma_c = 0, tau = 1) it adds the N -> infinity references: the mean-field lambda_1 and\n"
    "Delta_0 (dmft.h; continuous-time theory for dt < 1, the map for dt = 1) at every g of the\n"
    "groups and on a grid between them, and the random-matrix spectrum below the transition\n"
    "(rmt.h, g < 1, sigma = 0).\n"
    "Writes the tables into the archive's /summary group (replacing an earlier one) unless\n"
    "--no-write; run it after the run has finished (docs/archive.md).\n"
    "  --json      one JSON object on stdout instead of the table\n"
    "  --no-theory leave out the mean-field and random-matrix references\n"
    "Exit codes: 0 ok, 2 bad usage or not an archive, 1 the archive could not be written.\n";

/* ---- the command ---------------------------------------------------------------------------- */

int rc_cmd_summarize(int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    const char *path = NULL;
    int json = 0, no_write = 0, no_theory = 0;
    for (int i = 0; i < argc; ++i) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(summarize_help, stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--no-write") == 0) {
            no_write = 1;
        } else if (strcmp(argv[i], "--no-theory") == 0) {
            no_theory = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            rc_fail(&err, RC_ERR_INPUT, "unknown option %s (see rnnchaos summarize --help)",
                    argv[i]);
            return rc_cli_report("summarize", &err);
        } else if (path) {
            rc_fail(&err, RC_ERR_INPUT, "one archive expected, got '%s' and '%s'", path, argv[i]);
            return rc_cli_report("summarize", &err);
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        rc_fail(&err, RC_ERR_INPUT, "missing the archive (usage: rnnchaos summarize ARCHIVE.h5 "
                "[--json])");
        return rc_cli_report("summarize", &err);
    }
    rc_archive_info info;
    if (rc_archive_info_read(path, &info, &err) != RC_OK) return rc_cli_report("summarize", &err);
    kind_table tables[8];
    int n_tables = 0;
    fit_list fits = {NULL, 0, 0};
    rc_status st = RC_OK;
    for (int k = 0; k < info.n_kinds && st == RC_OK && n_tables < 8; ++k) {
        const int code = rc_task_kind_find(info.kinds[k].kind);
        if (code < 0) continue; /* a kind this program does not know */
        st = rc_summ_load_kind(path, rc_task_kind_get(code), &tables[n_tables], &err);
        if (st == RC_OK) n_tables++;
    }
    rc_archive_info_free(&info);
    for (int k = 0; k < n_tables && st == RC_OK; ++k) st = rc_summ_kind_fits(&tables[k], &fits, &err);
    theory_table th;
    memset(&th, 0, sizeof th);
    for (int k = 0; k < n_tables && st == RC_OK && !no_theory; ++k)
        if (tables[k].kind->summary_theory) st = rc_summ_build_theory(&tables[k], &th, &err);
    int code = 0;
    if (st != RC_OK) {
        code = rc_cli_report("summarize", &err);
    } else {
        if (!no_write && rc_summ_write(path, tables, n_tables, &fits, &th, &err) != RC_OK) {
            code = rc_cli_report("summarize", &err);
            if (code == 2) code = 1; /* the archive was readable: writing it failed */
        }
        if (json) {
            json_t *o = rc_summ_json(path, tables, n_tables, &fits, &th);
            if (!o || rc_json_print(o) != 0) code = 1;
            json_decref(o);
        } else {
            rc_summ_print_tables(path, tables, n_tables, &fits);
            rc_summ_print_theory(&th);
            if (!no_write && code == 0) printf("\n(written to %s:/summary)\n", path);
        }
    }
    for (int k = 0; k < n_tables; ++k) rc_summ_table_free(&tables[k]);
    rc_summ_theory_free(&th);
    free(fits.e);
    return code;
}
