/* Distributed eigenvalues (deigs.h). */
#include "rnnchaos/deigs.h"

#include <stdlib.h>
#include <string.h>

#include "rnnchaos/dlyap.h"
#include "scalapack_decl.h"

/* pdhseqr's deflation windows need square blocks of at least 6 rows */
enum { DEIGS_MIN_NB = 8 };

/* A = diag(r) (-I + J diag(c)) with r_i = tau/tau_i, c_j = phi_j'(0), on this rank's entries
 * (the same matrix as the serial Jacobian of eigs.h at h = 0). */
static rc_status make_jacobian_zero(rc_dgrid *g, const rc_model_params *mp, rc_error *err)
{
    rc_network units;
    RC_TRY(rc_network_units(&units, mp, err));
    const int64_t N = mp->N;
    double *c = rc_calloc((size_t)N, sizeof(double), "phi'(0)", err);
    if (!c) {
        rc_network_free(&units);
        return RC_ERR_NOMEM;
    }
    rc_network_dphi(&units, c, c); /* c = 0 on entry: phi_j'(0) */
    const int64_t lld = g->lr > 0 ? g->lr : 1;
    for (int lj = 0; lj < g->lc; ++lj) {
        const int64_t j = g->gcol[lj];
        for (int li = 0; li < g->lr; ++li) {
            const int64_t i = g->grow[li];
            const double r = units.het ? mp->tau / units.tau_i[i] : 1.0;
            double *a = g->J + li + lj * lld;
            *a = r * (*a * c[j] - (i == j ? 1.0 : 0.0));
        }
    }
    free(c);
    rc_network_free(&units);
    return RC_OK;
}

rc_status rc_deigs_run(MPI_Comm comm, int Pr, int Pc, const rc_model_params *mp, rc_deigs_of of,
                       double *wr, double *wi, rc_error *err)
{
    RC_TRY(rc_model_params_validate(mp, err));
    const int64_t N = mp->N;
    RC_CHECK(N <= 2147483647, err, RC_ERR_INPUT, "--N: at most 2^31 - 1 for ScaLAPACK");
    int nb = rc_dlyap_block_size(N, Pr, Pc, 0);
    if (nb < DEIGS_MIN_NB) nb = DEIGS_MIN_NB;
    rc_dgrid g;
    RC_TRY(rc_dgrid_init(&g, comm, Pr, Pc, N, nb, err));
    rc_dgrid_draw_J(&g, mp);
    rc_status st = RC_OK;
    if (of == RC_DEIGS_JACOBIAN_ZERO) st = make_jacobian_zero(&g, mp, err);
    st = rc_dist_agree(g.comm, st, err);
    double *tau = NULL, *work = NULL;
    int *iwork = NULL;
    const int n = (int)N, one = 1, m_one = -1;
    int info = 0;
    if (st == RC_OK) {
        /* Hessenberg reduction: workspace query, then the call */
        double q = 0;
        tau = rc_calloc((size_t)g.lc + 2, sizeof(double), "pdgehrd scalars", err);
        pdgehrd_(&n, &one, &n, g.J, &one, &one, g.descJ, tau, &q, &m_one, &info);
        const int lwork = (int)q + 1;
        work = tau ? rc_calloc((size_t)lwork, sizeof(double), "pdgehrd workspace", err) : NULL;
        st = rc_dist_agree(g.comm, work ? RC_OK : RC_ERR_NOMEM, err);
        if (st == RC_OK) {
            pdgehrd_(&n, &one, &n, g.J, &one, &one, g.descJ, tau, work, &lwork, &info);
            st = info == 0 ? RC_OK : rc_fail(err, RC_ERR_LAPACK, "pdgehrd failed (info = %d)", info);
            st = rc_dist_agree(g.comm, st, err);
        }
    }
    if (st == RC_OK) {
        /* the reflectors below the subdiagonal are not part of H */
        const int64_t lld = g.lr > 0 ? g.lr : 1;
        for (int lj = 0; lj < g.lc; ++lj)
            for (int li = 0; li < g.lr; ++li)
                if (g.grow[li] > g.gcol[lj] + 1) g.J[li + lj * lld] = 0.0;
        /* the query already uses IWORK as scratch for its argument checks (PCHK2MAT): one int
         * is not enough room */
        double q[64] = {0};
        int iq[64] = {0};
        pdhseqr_("S", "N", &n, &one, &n, g.J, g.descJ, wr, wi, g.J, g.descJ, q, &m_one, iq,
                 &m_one, &info);
        /* With exactly the queried sizes ScaLAPACK 2.2's pdhseqr crashed in its aggressive
         * early deflation (pdlaqr3 -> pdtrord) at N = 300 on 2 ranks (JOB = 'E'); twice the
         * answer plus a term in N has never failed: cheap insurance. */
        const int lwork = 2 * (int)q[0] + 4 * n + 1024, liwork = 2 * iq[0] + 4 * n + 1024;
        free(work);
        work = rc_calloc((size_t)lwork, sizeof(double), "pdhseqr workspace", err);
        iwork = work ? rc_calloc((size_t)liwork, sizeof(int), "pdhseqr workspace", err) : NULL;
        st = rc_dist_agree(g.comm, iwork ? RC_OK : RC_ERR_NOMEM, err);
        if (st == RC_OK) {
            /* JOB = 'S' (the Schur form too), not 'E': with 'E' the eigenvalues of ScaLAPACK
             * 2.2's pdhseqr are wrong (off by O(1), measured against dgeev) as soon as the
             * aggressive-early-deflation path runs (N >= 240 here, on every grid, 1x1 too) */
            pdhseqr_("S", "N", &n, &one, &n, g.J, g.descJ, wr, wi, g.J, g.descJ, work, &lwork,
                     iwork, &liwork, &info);
            st = info == 0 ? RC_OK
                 : info > 0 ? rc_fail(err, RC_ERR_NUMERIC, "pdhseqr: the QR iteration did not "
                                      "converge for eigenvalues %d..%d", info, n)
                            : rc_fail(err, RC_ERR_LAPACK, "pdhseqr failed (info = %d)", info);
            st = rc_dist_agree(g.comm, st, err);
        }
    }
    free(tau);
    free(work);
    free(iwork);
    rc_dgrid_free(&g);
    return st;
}
