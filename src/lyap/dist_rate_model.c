/* The rate network's part of the distributed backend (dlyap.h): its coupling matrix J drawn
 * or read block by block, and its tangent step Q <- (1 - dt/tau) Q + (dt/tau) J diag(phi') Q on
 * the block-cyclic panel. */
#include "rnnchaos/dlyap.h"

#include <stdlib.h>

#include "rnnchaos/h5dist.h"
#include "scalapack_decl.h"

#include "dist_internal.h"

static const int i_one = 1;

void rc_dgrid_draw_J(rc_dgrid *g, const rc_model_params *p)
{
    const int nb = g->nb;
    const int64_t lld = g->lr > 0 ? g->lr : 1;
    double tmp[64 * 64];
    double *buf = nb <= 64 ? tmp : malloc(sizeof(double) * (size_t)nb * (size_t)nb);
    if (!buf) {
        /* element by element: slower, but never wrong */
        for (int lj = 0; lj < g->lc; ++lj)
            for (int li = 0; li < g->lr; ++li)
                rc_network_fill_block(p, g->grow[li], 1, g->gcol[lj], 1, g->J + li + lj * lld, 1);
        return;
    }
    /* block by block: rc_network_fill_block draws rows of a block row-major; transpose it into
     * the column-major local array */
    for (int bj = 0; bj * nb < g->lc; ++bj) {
        const int nc = g->lc - bj * nb < nb ? g->lc - bj * nb : nb;
        const int64_t c0 = g->gcol[bj * nb];
        for (int bi = 0; bi * nb < g->lr; ++bi) {
            const int nr = g->lr - bi * nb < nb ? g->lr - bi * nb : nb;
            rc_network_fill_block(p, g->grow[bi * nb], nr, c0, nc, buf, nc);
            for (int c = 0; c < nc; ++c) {
                double *dst = g->J + (int64_t)(bj * nb + c) * lld + bi * nb;
                for (int r = 0; r < nr; ++r) dst[r] = buf[r * nc + c];
            }
        }
    }
    if (buf != tmp) free(buf);
}

rc_status rc_dgrid_read_J(rc_dgrid *g, const char *spec, rc_error *err)
{
    return rc_h5dist_read_block_cyclic(g->comm, spec, "--connectivity", g->N, g->nb, g->Pr, g->Pc,
                                       g->myrow, g->mycol, g->J, g->lr > 0 ? g->lr : 1, err);
}

/* ---- the tangent step -------------------------------------------------------------------- */

void rc_dtangent_step(rc_dtangent *t, const rc_dgrid *g, const double *dphi, double alpha,
                      double beta)
{
    const int64_t lld = g->lr > 0 ? g->lr : 1;
    for (int lj = 0; lj < t->lcq; ++lj) {
        const double *q = t->Q + lj * lld;
        double *s = t->S + lj * lld;
        for (int li = 0; li < g->lr; ++li) s[li] = dphi[g->grow[li]] * q[li];
    }
    const int n = (int)g->N, m = (int)t->m;
    pdgemm_("N", "N", &n, &m, &n, &alpha, g->J, &i_one, &i_one, g->descJ, t->S, &i_one, &i_one,
            t->descQ, &beta, t->Q, &i_one, &i_one, t->descQ);
}

void rc_dtangent_step_rows(rc_dtangent *t, const rc_dgrid *g, const double *dphi,
                           const double *rate, const double *beta)
{
    /* Q_i <- beta_i Q_i + rate_i (J S)_i as rate_i ((beta_i / rate_i) Q_i + (J S)_i): one
     * pdgemm with unit coefficients between two row scalings of the local panel
     * (rate_i = dt/tau_i > 0 by validation) */
    const int64_t lld = g->lr > 0 ? g->lr : 1;
    for (int lj = 0; lj < t->lcq; ++lj) {
        double *q = t->Q + lj * lld;
        double *s = t->S + lj * lld;
        for (int li = 0; li < g->lr; ++li) {
            const int64_t i = g->grow[li];
            s[li] = dphi[i] * q[li];
            q[li] *= beta[i] / rate[i];
        }
    }
    const int n = (int)g->N, m = (int)t->m;
    const double one = 1.0;
    pdgemm_("N", "N", &n, &m, &n, &one, g->J, &i_one, &i_one, g->descJ, t->S, &i_one, &i_one,
            t->descQ, &one, t->Q, &i_one, &i_one, t->descQ);
    for (int lj = 0; lj < t->lcq; ++lj) {
        double *q = t->Q + lj * lld;
        for (int li = 0; li < g->lr; ++li) q[li] *= rate[g->grow[li]];
    }
}
