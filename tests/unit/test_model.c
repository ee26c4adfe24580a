/* model: connectivity statistics, block generation, the Euler step against its formula, the
 * discrete-time map, frozen noise, the exact OU discretisation. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "rc_test_util.h"
#include "rnnchaos/h5input.h"
#include "rnnchaos/model.h"
#include "rnnchaos/rng.h"

static rc_model_params params(int64_t N, double g, double b, double dt)
{
    rc_model_params p;
    rc_model_params_default(&p, 17);
    p.N = N;
    p.g = g;
    p.b = b;
    p.dt = dt;
    return p;
}

static void connectivity_statistics(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p = params(400, 1.5, 2.0, 0.1);
    p.J0 = 3.0;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    const int64_t N = p.N;
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < N; ++i) {
        assert_true(net.J[i * N + i] == 0.0);
        for (int64_t j = 0; j < N; ++j)
            if (i != j) {
                s += net.J[i * N + j];
                s2 += net.J[i * N + j] * net.J[i * N + j];
            }
    }
    const double n = (double)(N * (N - 1));
    const double mean = s / n, var = s2 / n - mean * mean;
    const double mean_expected = -p.b * p.J0 / (double)N, var_expected = p.g * p.g / (double)N;
    RC_ASSERT_NEAR(mean, mean_expected, 5.0 * sqrt(var_expected / n));
    RC_ASSERT_NEAR(var / var_expected, 1.0, 5.0 * sqrt(2.0 / n));
    rc_network_free(&net);
}

static void block_matches_full_matrix(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p = params(53, 2.0, 1.0, 0.1);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    /* the block a distributed rank would draw: rows 10..29, columns 17..49 */
    double block[20 * 33];
    rc_network_fill_block(&p, 10, 20, 17, 33, block, 33);
    for (int r = 0; r < 20; ++r)
        for (int c = 0; c < 33; ++c) assert_true(block[r * 33 + c] == net.J[(10 + r) * 53 + 17 + c]);
    rc_network_free(&net);
}

/* h_i <- (1 - a) h_i + a (sum_j J_ij phi(h_j) + b I0) + sigma sqrt(a) z_i, written out. */
static void step_matches_formula(void **state)
{
    (void)state;
    rc_error err;
    const rc_phi_kind phis[3] = {RC_PHI_TANH, RC_PHI_RELU, RC_PHI_HARDTANH};
    for (int f = 0; f < 3; ++f) {
        rc_model_params p = params(41, 2.5, 1.5, 0.2);
        p.phi = phis[f];
        p.I0 = 0.7;
        p.sigma = 0.3;
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        double h[41], expect[41], phi[41], z[41], work[3 * 41];
        rc_model_initial_state(&p, h);
        rc_phi_eval(p.phi, h, phi, 41);
        rc_rng_normals(p.seed_noise, RC_STREAM_NOISE, 5, 0, 41, z);
        const double a = p.dt / p.tau;
        for (int i = 0; i < 41; ++i) {
            double acc = 0;
            for (int j = 0; j < 41; ++j) acc += net.J[i * 41 + j] * phi[j];
            expect[i] = (1 - a) * h[i] + a * (acc + p.b * p.I0) + p.sigma * sqrt(a) * z[i];
        }
        rc_model_step(&net, 5, 0.0, h, 41, 1, work);
        for (int i = 0; i < 41; ++i) RC_ASSERT_NEAR(h[i], expect[i], 1e-13);
        rc_network_free(&net);
    }
}

static void discrete_map_has_no_leak(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p = params(30, 3.0, 0.0, 1.0);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    double h[30], h_before[30], phi[30], work[90];
    rc_model_initial_state(&p, h);
    memcpy(h_before, h, sizeof h);
    rc_phi_eval(p.phi, h_before, phi, 30);
    rc_model_step(&net, 0, 0.0, h, 30, 1, work);
    for (int i = 0; i < 30; ++i) {
        double acc = 0;
        for (int j = 0; j < 30; ++j) acc += net.J[i * 30 + j] * phi[j];
        RC_ASSERT_NEAR(h[i], acc, 1e-13); /* h_i(t+1) = sum_j J_ij phi(h_j): the leak cancels */
    }
    rc_network_free(&net);
}

static void noise_is_frozen_across_trajectories(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p = params(25, 2.0, 0.0, 0.1);
    p.sigma = 0.5;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    double H[50], h1[25], h2[25], work[3 * 50];
    rc_model_initial_state(&p, H);
    for (int i = 0; i < 25; ++i) H[25 + i] = H[i] + 1e-3 * (i % 3);
    memcpy(h1, H, sizeof h1);
    memcpy(h2, H + 25, sizeof h2);
    for (int64_t s = 0; s < 20; ++s) {
        rc_model_step(&net, s, 0.0, H, 25, 2, work);
        rc_model_step(&net, s, 0.0, h1, 25, 1, work);
        rc_model_step(&net, s, 0.0, h2, 25, 1, work);
    }
    for (int i = 0; i < 25; ++i) {
        RC_ASSERT_NEAR(H[i], h1[i], 1e-12);
        RC_ASSERT_NEAR(H[25 + i], h2[i], 1e-12);
    }
    rc_network_free(&net);
}

static void ou_input_stationary_statistics(void **state)
{
    (void)state;
    rc_model_params p = params(1, 0.0, 1.0, 0.05);
    p.sigma_c = 0.8;
    p.tau_s = 0.5;
    rc_drive d;
    rc_drive_init(&d, &p);
    const int64_t n = 400000;
    double s = 0, s2 = 0, lag = 0, prev = d.value;
    for (int64_t k = 0; k < n; ++k) {
        rc_drive_advance(&d, &p, k);
        s += d.value;
        s2 += d.value * d.value;
        lag += d.value * prev;
        prev = d.value;
    }
    double var = s2 / n, rho = lag / n / var;
    /* exact discretisation: stationary variance sigma_c^2 and lag-1 correlation exp(-dt/tau_s)
     * for every dt; correlated samples: tau_int = (1 + rho)/(1 - rho) ~ 20, so 5 sd ~ 3% */
    RC_ASSERT_NEAR(var / (p.sigma_c * p.sigma_c), 1.0, 0.05);
    RC_ASSERT_NEAR(rho, exp(-p.dt / p.tau_s), 0.005);
    RC_ASSERT_NEAR(s / n, 0.0, 0.02);
}

static void validation_names_options(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p = params(10, 1, 0, 0.1);
    p.dt = 1.5;
    assert_int_equal(rc_model_params_validate(&p, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--dt"));
    p = params(0, 1, 0, 0.1);
    assert_int_equal(rc_model_params_validate(&p, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--N"));
    rc_phi_kind phi;
    assert_int_equal(rc_phi_parse("sigmoid", &phi, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--phi"));
}

/* relu: the active-column step equals the full step (up to the order of the additions), for
 * one and three trajectories, continuous and discrete time. */
static void active_column_step_matches_full_step(void **state)
{
    (void)state;
    rc_error err;
    const double dts[2] = {0.1, 1.0};
    for (int d = 0; d < 2; ++d) {
        rc_model_params p = params(70, 2.0, 2.0, dts[d]);
        p.phi = RC_PHI_RELU;
        p.I0 = 1.0;
        p.sigma = 0.2;
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        double *Jc = NULL;
        RC_ASSERT_OK(rc_network_columns(&net, &Jc, &err), &err);
        double A[3 * 70], B[3 * 70], work[4 * 70];
        for (int c = 0; c < 3; ++c) rc_rng_normals(4, RC_STREAM_AUX, (uint64_t)c, 0, 70, A + c * 70);
        memcpy(B, A, sizeof A);
        int active = 0;
        for (int i = 0; i < 70; ++i) active += A[i] > 0;
        assert_true(active > 10 && active < 60); /* both kinds of unit present */
        for (int ntraj = 1; ntraj <= 3; ntraj += 2)
            for (int64_t step = 0; step < 5; ++step) {
                rc_model_step(&net, step, 0.3, A, 70, ntraj, work);
                rc_model_step_active(&net, Jc, step, 0.3, B, 70, ntraj, work);
                for (int k = 0; k < 70 * ntraj; ++k) RC_ASSERT_NEAR(B[k], A[k], 1e-12 * (1 + fabs(A[k])));
            }
        free(Jc);
        rc_network_free(&net);
    }
}

/* A drawn J written to HDF5 and read back as --connectivity is the same matrix, same layout
 * (row-major, J[i][j] couples j -> i, as numpy/h5py write it). */
static void connectivity_file_round_trip(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p = params(23, 2.0, 1.0, 0.1);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    RC_ASSERT_OK(rc_h5_write_matrix("test_model_J.h5", "/J", net.J, 23, 23, &err), &err);
    double *J = NULL;
    int64_t rows, cols;
    RC_ASSERT_OK(rc_h5_read_matrix("test_model_J.h5:/J", "--connectivity", 1, &J, &rows, &cols, &err), &err);
    assert_int_equal(rows, 23);
    assert_int_equal(cols, 23);
    assert_memory_equal(J, net.J, sizeof(double) * 23 * 23);
    free(J);
    remove("test_model_J.h5");
    rc_network_free(&net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connectivity_statistics), cmocka_unit_test(block_matches_full_matrix),
        cmocka_unit_test(step_matches_formula),    cmocka_unit_test(discrete_map_has_no_leak),
        cmocka_unit_test(noise_is_frozen_across_trajectories),
        cmocka_unit_test(ou_input_stationary_statistics), cmocka_unit_test(validation_names_options),
        cmocka_unit_test(connectivity_file_round_trip),
        cmocka_unit_test(active_column_step_matches_full_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
