/* job: the value grammar of docs/user-guide.md, every job-file error (file:line:key), the task list
 * (count, order, ids, seeds, resolved parameters, cost model) and SHA-256 against FIPS vectors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc_test_util.h"
#include "rnnchaos/job.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/sha256.h"

/* Expand value and compare with the expected items. */
static void expect_items(const char *value, int n, const char *const *want)
{
    char **items;
    int got;
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_job_expand_value(value, &items, &got, &err), &err);
    if (got != n) fail_msg("'%s': %d items, expected %d", value, got, n);
    for (int i = 0; i < n; ++i)
        if (strcmp(items[i], want[i]) != 0)
            fail_msg("'%s': item %d is '%s', expected '%s'", value, i, items[i], want[i]);
    rc_job_free_items(items, got);
}

static void expect_value_error(const char *value, const char *fragment)
{
    char **items = NULL;
    int got = 0;
    rc_error err;
    rc_error_clear(&err);
    rc_status st = rc_job_expand_value(value, &items, &got, &err);
    if (st != RC_ERR_INPUT) fail_msg("'%s' was accepted (%d items)", value, got);
    if (!strstr(err.msg, fragment))
        fail_msg("'%s': message '%s' lacks '%s'", value, err.msg, fragment);
    assert_null(items);
}

static void grammar(void **state)
{
    (void)state;
    expect_items("10", 1, (const char *[]){"10"});
    expect_items("  tanh ", 1, (const char *[]){"tanh"});
    expect_items("250, 500,1000 , 2000", 4, (const char *[]){"250", "500", "1000", "2000"});
    expect_items("1:1:4", 4, (const char *[]){"1", "2", "3", "4"});
    expect_items("4:-1:1", 4, (const char *[]){"4", "3", "2", "1"});
    /* inclusive stop, decimal steps without rounding noise */
    expect_items("0.1:0.1:0.5", 5, (const char *[]){"0.1", "0.2", "0.3", "0.4", "0.5"});
    expect_items("0:0.1:1", 11,
                 (const char *[]){"0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8",
                                  "0.9", "1"});
    /* stop not on the grid: the last value below it */
    expect_items("1:2:6", 3, (const char *[]){"1", "3", "5"});
    expect_items("lin(0, 1, 5)", 5, (const char *[]){"0", "0.25", "0.5", "0.75", "1"});
    expect_items("lin(2,2,1)", 1, (const char *[]){"2"});
    expect_items("log(1e-3, 1, 4)", 4, (const char *[]){"0.001", "0.01", "0.1", "1"});
    expect_items("log(100, 3200, 6)", 6,
                 (const char *[]){"100", "200", "400", "800", "1600", "3200"});
    /* items combine */
    expect_items("1, lin(2,4,3), 10:10:20, all", 7,
                 (const char *[]){"1", "2", "3", "4", "10", "20", "all"});
    /* a path with a colon is a scalar */
    expect_items("net.h5:/J", 1, (const char *[]){"net.h5:/J"});
}

static void grammar_errors(void **state)
{
    (void)state;
    expect_value_error("", "empty value");
    expect_value_error("1,,2", "empty item");
    expect_value_error("1, 2,", "empty item");
    expect_value_error("1:0:3", "step must not be 0");
    expect_value_error("1:1:-3", "does not lead");
    expect_value_error("1:2", "start:step:stop");
    expect_value_error("1:2:x", "start:step:stop");
    expect_value_error("1:2:3:4", "start:step:stop");
    expect_value_error("lin(0,1)", "three arguments");
    expect_value_error("lin(0,1,2,3)", "three arguments");
    expect_value_error("lin(0,1,2.5)", "n must be an integer");
    expect_value_error("lin(0,1,0)", "n must be an integer");
    expect_value_error("lin(0,1,1)", "n = 1 needs a == b");
    expect_value_error("lin(a,1,3)", "must be numbers");
    expect_value_error("log(0,1,3)", "a > 0 and b > 0");
    expect_value_error("log(1,-1,3)", "a > 0 and b > 0");
    expect_value_error("lin(0,1,3", "unbalanced '('");
    expect_value_error("lin0,1,3)", "unbalanced ')'");
    expect_value_error("exp(1,2,3)", "unknown function");
    expect_value_error("0:1e-9:1", "more than");
}

static void sha256_vectors(void **state)
{
    (void)state;
    char hex[65];
    rc_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    rc_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    rc_sha256_hex(m448, strlen(m448), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a' (many blocks) */
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    rc_sha256_hex(a, 1000000, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static const char job_ok[] =
    "; a small sweep\n"
    "[run]\n"
    "output = sweep.h5\n"
    "seed = 7\n"
    "realizations = 3\n"
    "max_failures = 2\n"
    "checkpoint_every = 600\n"
    "\n"
    "[spectrum]\n"
    "N = 20, 40\n"
    "g = lin(1, 3, 3)\n"
    "phi = tanh\n"
    "t_sim = 20\n"
    "t_transient = 5\n"
    "t_ons_transient = 5\n"
    "n_le = all\n"
    "n_boot = 50 ; inline comment\n";

static void task_list(void **state)
{
    (void)state;
    rc_job job;
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_job_parse(job_ok, strlen(job_ok), "sweep.ini", &job, &err), &err);
    assert_string_equal(job.output, "sweep.h5");
    assert_int_equal(job.seed, 7);
    assert_int_equal(job.max_failures, 2);
    assert_true(job.checkpoints == 1 && job.checkpoint_every == 600.0);
    assert_int_equal(job.n_sections, 1);
    assert_int_equal(job.n_tasks, 2 * 3 * 3);
    assert_int_equal(rc_job_kind_tasks(&job, rc_task_kind_find("spectrum")), 18);
    const double gs[3] = {1, 2, 3};
    const int64_t Ns[2] = {20, 40};
    for (int64_t id = 0; id < job.n_tasks; ++id) {
        const rc_task *t = &job.tasks[id];
        const rc_spectrum_task *s = &t->p.spectrum;
        /* the first key varies slowest, the realisation fastest */
        const int64_t r = id % 3, gi = (id / 3) % 3, Ni = id / 9;
        assert_int_equal(t->id, id);
        assert_int_equal(t->kind_index, id);
        assert_int_equal(t->realization, r);
        assert_int_equal(t->combo, id / 3);
        assert_int_equal(s->model.N, Ns[Ni]);
        assert_true(s->model.g == gs[gi]);
        /* seeds: base seed + realisation index, on every stream */
        assert_int_equal(s->model.seed_net, 7 + r);
        assert_int_equal(s->model.seed_ic, 7 + r);
        assert_int_equal(s->model.seed_ons, 7 + r);
        assert_int_equal(s->model.seed_noise, 7 + r);
        /* resolved automatic values */
        assert_int_equal(s->lyap.n_le, s->model.N);
        assert_int_equal(s->lyap.pca, 1);
        assert_true(s->lyap.t_sim == 20 && s->lyap.t_transient == 5);
        assert_int_equal(s->lyap.n_boot, 50);
        assert_int_equal(t->ranks, 1);
        /* the cost model is the one of lyap.h */
        rc_lyap_cost c = rc_lyap_cost_model(&s->model, &s->lyap);
        assert_true(t->cost_flops == c.tangent_flops + c.qr_flops + c.state_flops);
        assert_true(t->mem_bytes == rc_lyap_memory_bytes(&s->model, &s->lyap));
        assert_true(t->cost_flops > 0);
    }
    /* cost grows with N: N = 40 tasks cost more than N = 20 ones */
    assert_true(job.tasks[9].cost_flops > 4 * job.tasks[0].cost_flops);
    /* hash of the text */
    char hex[65];
    rc_sha256_hex(job_ok, strlen(job_ok), hex);
    assert_string_equal(job.sha256, hex);
    assert_int_equal(job.text_len, strlen(job_ok));
    rc_job_free(&job);

    /* the same text gives the same list (ids are stable) */
    rc_job a, b;
    RC_ASSERT_OK(rc_job_parse(job_ok, strlen(job_ok), "a.ini", &a, &err), &err);
    RC_ASSERT_OK(rc_job_parse(job_ok, strlen(job_ok), "b.ini", &b, &err), &err);
    assert_int_equal(a.n_tasks, b.n_tasks);
    assert_memory_equal(a.tasks, b.tasks, sizeof(rc_task) * (size_t)a.n_tasks);
    rc_job_free(&a);
    rc_job_free(&b);
}

static void task_list_details(void **state)
{
    (void)state;
    rc_error err;
    rc_error_clear(&err);
    rc_job job;
    /* section-level realizations, seed in the section, '-' and '_' spellings, continuation lines,
     * default output from the file name, seed overrides shifted by the realisation */
    const char *text = "[spectrum]\n"
                       "realizations = 2\n"
                       "seed = 100\n"
                       "seed_net = 5\n"
                       "N = 20,\n"
                       "    30\n"
                       "t-sim = 10\n"
                       "n_le = 3\n"
                       "pca = no\n";
    RC_ASSERT_OK(rc_job_parse(text, strlen(text), "dir/my.job.ini", &job, &err), &err);
    assert_string_equal(job.output, "my.job.h5");
    assert_int_equal(job.n_tasks, 4);
    assert_int_equal(job.tasks[1].p.spectrum.model.N, 20);
    assert_int_equal(job.tasks[2].p.spectrum.model.N, 30);
    assert_int_equal(job.tasks[1].p.spectrum.model.seed_net, 6);
    assert_int_equal(job.tasks[1].p.spectrum.model.seed_ic, 101);
    assert_int_equal(job.tasks[3].p.spectrum.lyap.n_le, 3);
    assert_int_equal(job.tasks[3].p.spectrum.lyap.pca, 0);
    assert_true(job.tasks[3].p.spectrum.lyap.t_sim == 10);
    rc_job_free(&job);

    /* n_le = auto stays auto (-1); the archive makes room for all N exponents */
    const char *autom = "[spectrum]\nN = 40\nn_le = auto\nt_sim = 10\n";
    RC_ASSERT_OK(rc_job_parse(autom, strlen(autom), "a.ini", &job, &err), &err);
    assert_int_equal(job.tasks[0].p.spectrum.lyap.n_le, RC_NLE_AUTO);
    {
        const rc_task_kind *kind = rc_task_kind_get(job.tasks[0].kind);
        for (int c = 0; c < kind->n_results; ++c)
            if (strcmp(kind->results[c].name, "lambda") == 0) {
                int64_t dims[2];
                kind->result_dims(job.tasks[0].p.raw, c, dims);
                assert_int_equal(dims[1], 40);
            }
    }
    rc_job_free(&job);

    /* dist_min_N marks large tasks as distributed */
    const char *dist = "[run]\ndist_min_N = 30\nranks_per_dist_task = 2\n[spectrum]\nN = 20, 30\n"
                       "t_sim = 10\n";
    RC_ASSERT_OK(rc_job_parse(dist, strlen(dist), "d.ini", &job, &err), &err);
    assert_int_equal(job.tasks[0].ranks, 1);
    assert_int_equal(job.tasks[1].ranks, 2);
    rc_job_free(&job);
}

/* The text must fail with a message that starts "bad.ini:LINE: KEY" and contains fragment. */
static void expect_job_error(const char *text, int line, const char *key, const char *fragment)
{
    rc_job job;
    rc_error err;
    rc_error_clear(&err);
    rc_status st = rc_job_parse(text, strlen(text), "bad.ini", &job, &err);
    if (st != RC_ERR_INPUT) fail_msg("accepted (status %s):\n%s", rc_status_name(st), text);
    char prefix[128];
    if (key)
        snprintf(prefix, sizeof prefix, "bad.ini:%d: %s: ", line, key);
    else
        snprintf(prefix, sizeof prefix, "bad.ini:%d: ", line);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not start with '%s'", err.msg, prefix);
    if (!strstr(err.msg, fragment)) fail_msg("message '%s' lacks '%s'", err.msg, fragment);
    assert_null(job.tasks);
}

/* A header may carry a comment; the job parses. */
static void header_comments(void **state)
{
    (void)state;
    const char *text = "[run]  ; the run\nseed = 3\n[spectrum] # one network\nN = 20\n";
    rc_job job;
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_job_parse(text, strlen(text), "ok.ini", &job, &err), &err);
    assert_int_equal(job.n_tasks, 1);
    assert_int_equal(job.seed, 3);
    rc_job_free(&job);
}

static void job_errors(void **state)
{
    (void)state;
    expect_job_error("[spectrum]\nN = 20\ng = 2, x, 3\n", 3, "g", "expected a finite number, got 'x'");
    expect_job_error("[spectrum]\nN = 20\ng = 1:0:3\n", 3, "g", "step must not be 0");
    expect_job_error("[spectrum]\nN = lin(10, 20, 4)\n", 2, "N", "expected an integer, got '13.33");
    expect_job_error("[spectrum]\nN = 20\nphi = tanh, sigmoid\n", 3, "phi", "sigmoid");
    expect_job_error("[spectrum]\nN = 20\nbogus = 1\n", 3, "bogus", "unknown key in [spectrum]");
    expect_job_error("[spectrum]\nN = 20\nN = 30\n", 3, "N", "given twice in [spectrum] (first at line 2)");
    /* issue 18 item 7: one key spelled differently is still one key ('-' and '_', "--") */
    expect_job_error("[spectrum]\nN = 20\nt_sim = 5, 6\n--t-sim = 7\n", 4, "--t-sim",
                     "given twice in [spectrum] (first at line 3 as t_sim)");
    expect_job_error("[spectrum]\nN = 20\nt-sim = 5\nt_sim = 7\n", 4, "t_sim",
                     "given twice in [spectrum] (first at line 3 as t-sim)");
    expect_job_error("[spectrum]\nseed_net = 1\nN = 20\nseed-net = 2\n", 4, "seed-net",
                     "(first at line 2 as seed_net)");
    expect_job_error("[run]\nmax_failures = 1\nmax-failures = 2\n[spectrum]\nN = 20\n", 3,
                     "max-failures", "given twice in [run] (first at line 2 as max_failures)");
    /* a section header with text after it */
    expect_job_error("[spectrum] junk\nN = 20\n", 1, NULL, "after the section header [spectrum]");
    expect_job_error("[run]\nseed = 1\n[spectrum]]\nN = 20\n", 3, NULL, "after the section header");
    expect_job_error("[run]\nseed = 1\n[spectrum]\nN = 20\n[run]\n", 5, NULL, "section [run] appears twice");
    expect_job_error("[run]\nseed = 1\n\n[spectra]\nN = 20\n", 4, NULL, "unknown section [spectra]");
    expect_job_error("[run]\n[gcrit]\nN = 20\ng = 2\n", 4, "g", "varies g");
    expect_job_error("[gcrit]\nN = 20\nt_sim = 100\n", 3, "t_sim", "set by the g_crit search");
    expect_job_error("[gcrit]\nN = 20\ng_lo = 2\ng_hi = 1\n", 4, "g_hi", "must be > g_lo");
    expect_job_error("[coherence]\nN = 20\nphi = relu\nb = 0\nsigma_c = 0.1\nI0 = 1\n", 4, "b", "balance");
    expect_job_error("[coherence]\nN = 20\nt_seg = 0.15\nsigma_c = 0.1\n", 3, "t_seg", "even number");
    expect_job_error("[run]\nseed = 1\n", 1, NULL, "no task section");
    expect_job_error("N = 20\n[spectrum]\n", 1, "N", "outside any section");
    expect_job_error("[run]\nsed = 3\n[spectrum]\nN = 20\n", 2, "sed", "unknown key in [run]");
    expect_job_error("[run]\nseed = -3\n[spectrum]\nN = 20\n", 2, "seed", "non-negative integer");
    expect_job_error("[run]\nrealizations = 0\n[spectrum]\nN = 20\n", 2, "realizations", "between 1 and");
    expect_job_error("[run]\nrealizations = 1, 2\n[spectrum]\nN = 20\n", 2, "realizations", "one integer");
    expect_job_error("[run]\nmax_failures = -1\n[spectrum]\nN = 20\n", 2, "max_failures", "between 0 and");
    expect_job_error("[run]\ncheckpoint_every = -5\n[spectrum]\nN = 20\n", 2, "checkpoint_every", "seconds >= 0");
    expect_job_error("[run]\ncheckpoints = maybe\n[spectrum]\nN = 20\n", 2, "checkpoints", "yes or no");
    expect_job_error("[spectrum]\nrealizations = x\nN = 20\n", 2, "realizations", "one integer");
    expect_job_error("[run]\nseed 3\n[spectrum]\nN = 20\n", 2, NULL, "syntax error");
    expect_job_error("[run\nseed = 3\n[spectrum]\nN = 20\n", 1, NULL, "syntax error");
    expect_job_error("[spectrum]\nN = 20\nconnectivity = J.h5:/J\n", 3, "connectivity", "not supported in job files");
    /* validation of whole tasks: the message points at the key the check names */
    expect_job_error("[spectrum]\nN = 50, 20\nn_le = 30\n", 3, "n_le", "(for N = 20)");
    expect_job_error("[spectrum]\nN = 20, 10\nn_le = 15\nt_sim = 10\n", 3, "n_le", "between 1 and N (= 10)");
    expect_job_error("[spectrum]\nN = 20\ndt = 0.3\n", 1, NULL, "[spectrum]: --t-ons");
    expect_job_error("[spectrum]\nN = 20\ndt = 0.1\nt_ons = 0.25\n", 4, "t_ons", "whole number of steps");
    expect_job_error("[spectrum]\nN = 20\ndt = 2\n", 3, "dt", "dt <= tau");
    expect_job_error("[spectrum]\nN = 0, 20\n", 2, "N", "positive integer");
    expect_job_error("[spectrum]\nN = 20\ng = -1\n", 3, "g", ">= 0");
    expect_job_error("[spectrum]\n\nN = 20\nt_sim = 0.5\n", 4, "t_sim", "t_ons");
    /* a line too long for libinih */
    char longline[400];
    snprintf(longline, sizeof longline, "[spectrum]\nN = 20\ng = 1");
    for (int i = 0; i < 80; ++i) strcat(longline, ", 1");
    strcat(longline, "\n");
    expect_job_error(longline, 3, NULL, "line longer than");
    /* binary junk and oversize files */
    const char nul[] = "[spectrum]\nN = 2\0 0\n";
    rc_job job;
    rc_error err;
    assert_int_equal(rc_job_parse(nul, sizeof nul - 1, "bad.ini", &job, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "NUL"));
    char *big = malloc(RC_JOB_MAX_TEXT + 10);
    assert_non_null(big);
    memset(big, ';', RC_JOB_MAX_TEXT + 10);
    assert_int_equal(rc_job_parse(big, RC_JOB_MAX_TEXT + 10, "bad.ini", &job, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "larger than"));
    free(big);
    assert_int_equal(rc_job_load("/nonexistent/job.ini", &job, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "/nonexistent/job.ini"));
}

static void kinds(void **state)
{
    (void)state;
    /* kind codes are stored in archives: spectrum 0, gcrit 1, coherence 2, eigs 3,
     * fixedpoints 4, gradients 5, then the built-in models' spectra (lstm 6, gru 7), forever */
    assert_int_equal(rc_task_kind_count(), 8);
    assert_int_equal(rc_task_kind_find("gradients"), 5);
    assert_int_equal(rc_task_kind_find("spectrum_lstm"), 6);
    assert_int_equal(rc_task_kind_find("spectrum_gru"), 7);
    assert_int_equal(rc_task_kind_find("spectrum"), 0);
    assert_int_equal(rc_task_kind_find("gcrit"), 1);
    assert_int_equal(rc_task_kind_find("coherence"), 2);
    assert_int_equal(rc_task_kind_find("eigs"), 3);
    assert_int_equal(rc_task_kind_find("fixedpoints"), 4);
    assert_int_equal(rc_task_kind_find("nonsense"), -1);
    assert_null(rc_task_kind_get(-1));
    assert_null(rc_task_kind_get(8));
    for (int k = 0; k < rc_task_kind_count(); ++k) {
        const rc_task_kind *kind = rc_task_kind_get(k);
        /* column names are unique, the headline is a scalar result column, texts are scalars */
        int headline = 0;
        for (int i = 0; i < kind->n_results; ++i) {
            headline |= strcmp(kind->results[i].name, kind->headline) == 0 &&
                        kind->results[i].ndim == 0 && kind->results[i].type == RC_COL_F64;
            if (kind->results[i].type != RC_COL_F64) assert_int_equal(kind->results[i].ndim, 0);
            for (int j = 0; j < i; ++j)
                assert_string_not_equal(kind->results[i].name, kind->results[j].name);
        }
        assert_true(headline);
        for (int i = 0; i < kind->n_params; ++i)
            for (int j = 0; j < i; ++j)
                assert_string_not_equal(kind->params[i].name, kind->params[j].name);
    }
}

/* gcrit and coherence sections: keys of their commands, seeds + realisation, padding shapes. */
static void kinds_gcrit_coherence(void **state)
{
    (void)state;
    const char *text = "[run]\nseed = 7\nrealizations = 2\n"
                       "[gcrit]\nN = 20, 40\ng_lo = 0.5\ng_hi = 3\ng_tol = 0.1\nmax_probes = 30\n"
                       "t_min = 40\nt_max = 160\n"
                       "[coherence]\nN = 30\nphi = relu\nb = 1, 4\nI0 = 1\nsigma_c = 0.1\n"
                       "dt = 0.05\nt_seg = 5\nt_sim = 50\nt_step = 2\nstep_trials = 0\n";
    rc_job job;
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_job_parse(text, strlen(text), "gc.ini", &job, &err), &err);
    assert_int_equal(job.n_tasks, 8);
    const rc_gcrit_task *g = &job.tasks[3].p.gcrit; /* N = 40, realisation 1 */
    assert_int_equal(job.tasks[3].kind, 1);
    assert_int_equal(g->model.N, 40);
    assert_int_equal(g->model.seed_net, 8);
    assert_true(g->gcrit.g_hi == 3 && g->gcrit.g_tol == 0.1 && g->gcrit.max_probes == 30);
    assert_true(g->gcrit.t_min == 40 && g->gcrit.t_max == 160);
    const rc_task_kind *gk = rc_task_kind_get(1);
    int64_t dims[2];
    for (int c = 0; c < gk->n_results; ++c) {
        gk->result_dims(g, c, dims);
        if (strcmp(gk->results[c].name, "probe_ci") == 0) assert_true(dims[0] == 30 && dims[1] == 2);
        if (strcmp(gk->results[c].name, "probe_g") == 0) assert_true(dims[1] == 30);
    }
    assert_true(job.tasks[3].cost_flops > 0 && job.tasks[3].mem_bytes > 0);
    /* a gcrit task at N = 40 costs more than one at N = 20 */
    assert_true(job.tasks[3].cost_flops > job.tasks[0].cost_flops);
    const rc_coherence_task *c = &job.tasks[7].p.coherence; /* b = 4, realisation 1 */
    assert_int_equal(job.tasks[7].kind, 2);
    assert_true(c->model.b == 4 && c->model.phi == RC_PHI_RELU && c->model.seed_noise == 8);
    assert_true(c->coherence.t_seg == 5 && c->coherence.step_trials == 0 && c->coherence.h0 == NULL);
    const rc_task_kind *ck = rc_task_kind_get(2);
    for (int k = 0; k < ck->n_results; ++k) {
        ck->result_dims(c, k, dims);
        if (strcmp(ck->results[k].name, "coherence") == 0) assert_int_equal(dims[1], 51);
        if (strcmp(ck->results[k].name, "step_response") == 0) assert_int_equal(dims[1], 0);
    }
    rc_job_free(&job);
}

static int cancel_always(void *ctx)
{
    (void)ctx;
    return 1;
}

/* gcrit checks for a stop request before every probe, coherence before it starts. */
static void kind_run_cancel_gcrit_coherence(void **state)
{
    (void)state;
    const char *text = "[gcrit]\nN = 20\n[coherence]\nN = 20\nsigma_c = 0.1\n";
    rc_job job;
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_job_parse(text, strlen(text), "c.ini", &job, &err), &err);
    rc_task_cancel cancel = {cancel_always, NULL, NULL};
    rc_task_output out;
    for (int i = 0; i < 2; ++i) {
        const rc_task_kind *kind = rc_task_kind_get(job.tasks[i].kind);
        assert_int_equal(kind->run(job.tasks[i].p.raw, &cancel, &out, &err), RC_ERR_SIGNAL);
    }
    rc_job_free(&job);
}

/* A task run through the kind descriptor equals rc_lyap_run called directly (bitwise). */
static void kind_run_matches_engine(void **state)
{
    (void)state;
    const char *text = "[run]\nseed = 3\n[spectrum]\nN = 24\ng = 3\nt_sim = 10\nt_transient = 2\n"
                       "t_ons_transient = 2\nn_boot = 20\nn_trace = 4\n";
    rc_job job;
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_job_parse(text, strlen(text), "k.ini", &job, &err), &err);
    const rc_task_kind *kind = rc_task_kind_get(job.tasks[0].kind);
    rc_task_output out;
    RC_ASSERT_OK(kind->run(job.tasks[0].p.raw, NULL, &out, &err), &err);

    rc_network net;
    rc_lyap_result res;
    rc_model_params mp;
    rc_model_params_default(&mp, 3);
    mp.N = 24;
    mp.g = 3;
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_sim = 10;
    lp.t_transient = 2;
    lp.t_ons_transient = 2;
    lp.n_boot = 20;
    lp.n_trace = 4;
    RC_ASSERT_OK(rc_network_create(&net, &mp, &err), &err);
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &res, &err), &err);
    int col_lambda = -1, col_lmax = -1, col_trace = -1;
    for (int i = 0; i < kind->n_results; ++i) {
        if (strcmp(kind->results[i].name, "lambda") == 0) col_lambda = i;
        if (strcmp(kind->results[i].name, "lambda_max") == 0) col_lmax = i;
        if (strcmp(kind->results[i].name, "trace_lambda") == 0) col_trace = i;
    }
    assert_true(col_lambda >= 0 && col_lmax >= 0 && col_trace >= 0);
    assert_int_equal(out.cells[col_lambda].dims[1], 24);
    assert_memory_equal(out.cells[col_lambda].a, res.lambda, 24 * sizeof(double));
    assert_memory_equal(&out.cells[col_lmax].f, &res.lambda_max, sizeof(double));
    assert_int_equal(out.cells[col_trace].dims[0], 4);
    assert_memory_equal(out.cells[col_trace].a, res.trace_lambda, 4 * 24 * sizeof(double));
    /* the shapes the archive allocates hold the results */
    int64_t dims[2];
    kind->result_dims(job.tasks[0].p.raw, col_trace, dims);
    assert_int_equal(dims[0], 4);
    assert_int_equal(dims[1], 24);
    kind->output_free(&out);
    rc_lyap_result_free(&res);
    rc_network_free(&net);
    rc_job_free(&job);
}

static int cancel_after(void *ctx)
{
    int *calls = ctx;
    return ++*calls > 50;
}

/* A cancelled task stops at once with RC_ERR_SIGNAL. */
static void kind_run_cancel(void **state)
{
    (void)state;
    const char *text = "[spectrum]\nN = 20\nt_sim = 1000\n";
    rc_job job;
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_job_parse(text, strlen(text), "c.ini", &job, &err), &err);
    const rc_task_kind *kind = rc_task_kind_get(job.tasks[0].kind);
    int calls = 0;
    rc_task_cancel cancel = {cancel_after, &calls};
    rc_task_output out;
    assert_int_equal(kind->run(job.tasks[0].p.raw, &cancel, &out, &err), RC_ERR_SIGNAL);
    assert_int_equal(calls, 51);
    rc_job_free(&job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grammar),
        cmocka_unit_test(grammar_errors),
        cmocka_unit_test(sha256_vectors),
        cmocka_unit_test(task_list),
        cmocka_unit_test(task_list_details),
        cmocka_unit_test(job_errors),
        cmocka_unit_test(header_comments),
        cmocka_unit_test(kinds),
        cmocka_unit_test(kinds_gcrit_coherence),
        cmocka_unit_test(kind_run_cancel_gcrit_coherence),
        cmocka_unit_test(kind_run_matches_engine),
        cmocka_unit_test(kind_run_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
