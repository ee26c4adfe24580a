/* Checkpoints of the serial engine (lyap.h, checkpoint.h): a run stopped after interval k,
 * stored in a file and resumed from it ends bit for bit as the uninterrupted run, also when
 * stopped twice, with every accumulator in play (finite-perturbation twin, PCA, Lyapunov-vector
 * participation ratio, frozen noise and common OU input).  Offering the state without
 * stopping changes nothing.  A file of another task or a state of another size is refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc_test_util.h"
#include "rnnchaos/checkpoint.h"
#include "rnnchaos/lyap.h"

#define FINGERPRINT "test task 7"

typedef struct {
    const char *path;
    int64_t stop_at; /* stop after this many intervals; 0: never */
    int64_t offered;
} saver;

static int save_and_maybe_stop(void *ctx, const rc_lyap_state *st)
{
    saver *s = ctx;
    rc_error err;
    const rc_lyap_state_field *h = rc_lyap_state_find(st, "header");
    const int64_t done = (int64_t)h->data[4];
    s->offered++;
    if (rc_checkpoint_write(s->path, FINGERPRINT, st, &err) != RC_OK) fail_msg("%s", err.msg);
    return s->stop_at > 0 && done == s->stop_at;
}

static rc_model_params model(int64_t N)
{
    rc_model_params p;
    rc_model_params_default(&p, 3);
    p.N = N;
    p.g = 3.0;
    p.b = 1.0;
    p.I0 = 0.2;
    p.sigma = 0.2;
    p.sigma_c = 0.3;
    p.tau_s = 2.0;
    return p;
}

static rc_lyap_params params(void)
{
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_sim = 90; /* 90 intervals: the PCA batches of 64 fill once and part of a second time */
    lp.t_transient = 10;
    lp.t_ons_transient = 10;
    lp.pca = 1;
    lp.lyapvec_pr = 1;
    lp.n_trace = 8;
    lp.n_boot = 60;
    return lp;
}

static rc_status run(const rc_model_params *p, const rc_lyap_params *lp, rc_lyap_result *r,
                     rc_error *err)
{
    rc_network net;
    RC_TRY(rc_network_create(&net, p, err));
    rc_status st = rc_lyap_run(&net, lp, r, err);
    rc_network_free(&net);
    return st;
}

#define SAME(a, b) assert_memory_equal(&(a), &(b), sizeof(a))

static void assert_same_result(const rc_lyap_result *a, const rc_lyap_result *b)
{
    assert_int_equal(a->m, b->m);
    assert_int_equal(a->n_intervals, b->n_intervals);
    assert_memory_equal(a->lambda, b->lambda, sizeof(double) * (size_t)a->m);
    SAME(a->entropy_H, b->entropy_H);
    SAME(a->dim_ky, b->dim_ky);
    SAME(a->lambda_mean, b->lambda_mean);
    SAME(a->lambda_max_fp, b->lambda_max_fp);
    SAME(a->ci_lambda_max, b->ci_lambda_max);
    SAME(a->ci_entropy_H, b->ci_entropy_H);
    SAME(a->ci_dim_ky, b->ci_dim_ky);
    SAME(a->ci_lambda_max_fp, b->ci_lambda_max_fp);
    SAME(a->lyapvec_pr, b->lyapvec_pr);
    SAME(a->pca_dim_h, b->pca_dim_h);
    SAME(a->pca_dim_phi, b->pca_dim_phi);
    assert_int_equal(a->n_trace, b->n_trace);
    assert_memory_equal(a->trace_lambda, b->trace_lambda, sizeof(double) * (size_t)(a->n_trace * a->m));
    assert_int_equal(a->reorth_fallbacks, b->reorth_fallbacks);
}

/* Stops after interval stop_at (state to path), then resumes from the file into *out. */
static void stop_and_resume(const rc_model_params *p, const rc_lyap_params *base,
                            const rc_lyap_state *from, int64_t stop_at, const char *path,
                            rc_lyap_state *stored)
{
    rc_error err;
    rc_lyap_params lp = *base;
    saver s = {path, stop_at, 0};
    lp.checkpoint = save_and_maybe_stop;
    lp.checkpoint_ctx = &s;
    lp.resume = from;
    rc_lyap_result r;
    assert_int_equal(run(p, &lp, &r, &err), RC_ERR_SIGNAL);
    RC_ASSERT_OK(rc_checkpoint_read(path, FINGERPRINT, stored, &err), &err);
    assert_true(rc_lyap_state_find(stored, "header")->data[4] == (double)stop_at);
}

static void resume_is_bitwise(void **state)
{
    (void)state;
    rc_error err;
    const rc_model_params p = model(48);
    const rc_lyap_params lp = params();
    char path[64];
    snprintf(path, sizeof path, "/tmp/rc_test_checkpoint_%d.h5", (int)getpid());

    rc_lyap_result ref;
    RC_ASSERT_OK(run(&p, &lp, &ref, &err), &err);

    /* offered every interval, never stopping: the same result */
    rc_lyap_params offered = lp;
    saver s = {path, 0, 0};
    offered.checkpoint = save_and_maybe_stop;
    offered.checkpoint_ctx = &s;
    rc_lyap_result r0;
    RC_ASSERT_OK(run(&p, &offered, &r0, &err), &err);
    assert_int_equal(s.offered, 89); /* not after the last interval */
    assert_same_result(&ref, &r0);

    /* stopped after 17 intervals, resumed, stopped after 70 (one PCA batch flushed in
     * between), resumed to the end */
    rc_lyap_state at17, at70;
    stop_and_resume(&p, &lp, NULL, 17, path, &at17);
    stop_and_resume(&p, &lp, &at17, 70, path, &at70);
    rc_lyap_params resumed = lp;
    resumed.resume = &at70;
    rc_lyap_result r1;
    RC_ASSERT_OK(run(&p, &resumed, &r1, &err), &err);
    assert_same_result(&ref, &r1);
    print_message("resumed twice: lambda_1 %.17g = %.17g, H %.17g, PCA %.6g\n", r1.lambda_max,
                  ref.lambda_max, r1.entropy_H, r1.pca_dim_h);

    /* another task's file, another network size, another run length: refused */
    rc_lyap_state other;
    assert_int_equal(rc_checkpoint_read(path, "test task 8", &other, &err), RC_ERR_INPUT);
    const rc_model_params p2 = model(40);
    rc_lyap_result r2;
    assert_int_equal(run(&p2, &resumed, &r2, &err), RC_ERR_INPUT);
    rc_lyap_params longer = resumed;
    longer.t_sim = 120;
    assert_int_equal(run(&p, &longer, &r2, &err), RC_ERR_INPUT);
    rc_lyap_params single = resumed;
    single.single_precision = 1;
    assert_int_equal(run(&p, &single, &r2, &err), RC_ERR_INPUT);

    rc_checkpoint_state_free(&at17);
    rc_checkpoint_state_free(&at70);
    rc_lyap_result_free(&ref);
    rc_lyap_result_free(&r0);
    rc_lyap_result_free(&r1);
    remove(path);
}

/* n_le = auto: the state of the final run carries the pilots' findings; the resumed run skips
 * the pilots and ends as the uninterrupted one, pilot fields included. */
static void resume_auto_is_bitwise(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p = model(64);
    p.g = 5.0;
    p.b = 0.0;
    rc_lyap_params lp = params();
    lp.n_le = RC_NLE_AUTO;
    char path[64];
    snprintf(path, sizeof path, "/tmp/rc_test_checkpoint_auto_%d.h5", (int)getpid());
    rc_lyap_result ref;
    RC_ASSERT_OK(run(&p, &lp, &ref, &err), &err);
    assert_true(ref.n_le_auto && ref.m < 64);
    rc_lyap_state at40;
    stop_and_resume(&p, &lp, NULL, 40, path, &at40);
    assert_non_null(rc_lyap_state_find(&at40, "auto_pilot"));
    rc_lyap_params resumed = lp;
    resumed.resume = &at40;
    rc_lyap_result r;
    RC_ASSERT_OK(run(&p, &resumed, &r, &err), &err);
    assert_same_result(&ref, &r);
    assert_int_equal(r.pilot_m, ref.pilot_m);
    SAME(r.pilot_dim_ky, ref.pilot_dim_ky);
    assert_true(r.n_le_auto);
    print_message("auto: m = %lld (pilot m = %lld, D = %.3f), resumed after 40 intervals: equal\n",
                  (long long)r.m, (long long)r.pilot_m, r.pilot_dim_ky);
    rc_lyap_result_free(&r);
    /* a fixed-n_le state does not resume an auto run */
    rc_lyap_params fixed = params();
    rc_lyap_state fixed_state;
    stop_and_resume(&p, &fixed, NULL, 5, path, &fixed_state);
    resumed.resume = &fixed_state;
    assert_int_equal(run(&p, &resumed, &r, &err), RC_ERR_INPUT);
    rc_checkpoint_state_free(&at40);
    rc_checkpoint_state_free(&fixed_state);
    rc_lyap_result_free(&ref);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(resume_is_bitwise),
                                       cmocka_unit_test(resume_auto_is_bitwise)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
