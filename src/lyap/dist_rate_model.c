/* The rate network of docs/model.md section 1 behind the distributed model interface
 * (dist_model.h): its coupling matrix J drawn or filled block by block, the replicated state
 * step (J phi(h) from local partial products, allgathered and summed in rank order) and the
 * tangent step Q <- (1 - dt/tau) Q + (dt/tau) J diag(phi') Q on the block-cyclic panel; and
 * rc_dlyap_run, the backend on this model. */
#include "rnnchaos/dist_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "scalapack_decl.h"

#include "dist_internal.h"

static const int i_one = 1;

/* ---- J ----------------------------------------------------------------------------------- */

/* This rank's blocks of J (lr x lc on g, leading dimension lld). */
static void draw_J(const rc_dgrid *g, const rc_model_params *p, double *J, int64_t lld)
{
    const int nb = g->nb;
    double tmp[64 * 64];
    double *buf = nb <= 64 ? tmp : malloc(sizeof(double) * (size_t)nb * (size_t)nb);
    if (!buf) {
        /* element by element: slower, but never wrong */
        for (int lj = 0; lj < g->lc; ++lj)
            for (int li = 0; li < g->lr; ++li)
                rc_network_fill_block(p, g->grow[li], 1, g->gcol[lj], 1, J + li + lj * lld, 1);
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
                double *dst = J + (int64_t)(bj * nb + c) * lld + bi * nb;
                for (int r = 0; r < nr; ++r) dst[r] = buf[r * nc + c];
            }
        }
    }
    if (buf != tmp) free(buf);
}

void rc_dmatrix_draw_J(rc_dmatrix *J, const rc_dgrid *g, const rc_model_params *p)
{
    draw_J(g, p, J->a, J->lld);
}

void rc_dgrid_draw_J(rc_dgrid *g, const rc_model_params *p)
{
    draw_J(g, p, g->J, g->lr > 0 ? g->lr : 1);
}

/* ---- the tangent step -------------------------------------------------------------------- */

/* The grid's own J as a matrix. */
static rc_dmatrix grid_J(const rc_dgrid *g)
{
    rc_dmatrix J = {.rows = g->N, .cols = g->N, .lr = g->lr, .lc = g->lc,
                    .lld = g->lr > 0 ? g->lr : 1, .a = g->J};
    memcpy(J.desc, g->descJ, sizeof J.desc);
    return J;
}

void rc_dtangent_step_J(rc_dtangent *t, const rc_dgrid *g, const rc_dmatrix *J,
                        const double *dphi, double alpha, double beta)
{
    const int64_t lld = g->lr > 0 ? g->lr : 1;
    for (int lj = 0; lj < t->lcq; ++lj) {
        const double *q = t->Q + lj * lld;
        double *s = t->S + lj * lld;
        for (int li = 0; li < g->lr; ++li) s[li] = dphi[g->grow[li]] * q[li];
    }
    const int n = (int)g->N, m = (int)t->m;
    pdgemm_("N", "N", &n, &m, &n, &alpha, J->a, &i_one, &i_one, J->desc, t->S, &i_one, &i_one,
            t->descQ, &beta, t->Q, &i_one, &i_one, t->descQ);
}

void rc_dtangent_step(rc_dtangent *t, const rc_dgrid *g, const double *dphi, double alpha,
                      double beta)
{
    const rc_dmatrix J = grid_J(g);
    rc_dtangent_step_J(t, g, &J, dphi, alpha, beta);
}

void rc_dtangent_step_rows_J(rc_dtangent *t, const rc_dgrid *g, const rc_dmatrix *J,
                             const double *dphi, const double *rate, const double *beta)
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
    pdgemm_("N", "N", &n, &m, &n, &one, J->a, &i_one, &i_one, J->desc, t->S, &i_one, &i_one,
            t->descQ, &one, t->Q, &i_one, &i_one, t->descQ);
    for (int lj = 0; lj < t->lcq; ++lj) {
        double *q = t->Q + lj * lld;
        for (int li = 0; li < g->lr; ++li) q[li] *= rate[g->grow[li]];
    }
}

void rc_dtangent_step_rows(rc_dtangent *t, const rc_dgrid *g, const double *dphi,
                           const double *rate, const double *beta)
{
    const rc_dmatrix J = grid_J(g);
    rc_dtangent_step_rows_J(t, g, &J, dphi, rate, beta);
}

/* ---- the replicated state step ----------------------------------------------------------- */

/* First half of a state step: this rank's partial products J_loc phi(h)_loc, and their
 * allgather started, so that it travels while pdgemm runs. */
static rc_status state_begin(rc_drate_model *r, const double *X, int ntraj, rc_error *err)
{
    const rc_dgrid *g = r->g;
    const int lc = g->lc, lr = g->lr, ldp = g->lrmax > 0 ? g->lrmax : 1;
    for (int c = 0; c < ntraj; ++c) {
        double *ph = r->phi_loc + (int64_t)c * lc;
        const double *h = X + (int64_t)c * g->N;
        for (int lj = 0; lj < lc; ++lj) ph[lj] = h[g->gcol[lj]];
        if (r->units.het) /* phi_j(h_j) = phi(gain_j h_j), as rc_network_phi */
            for (int lj = 0; lj < lc; ++lj) ph[lj] *= r->units.gain_i[g->gcol[lj]];
        rc_phi_eval(r->p->phi, ph, ph, (size_t)lc);
    }
    if (lr > 0 && lc > 0) {
        const double one = 1.0, zero = 0.0;
        const int lld = lr;
        dgemm_("N", "N", &lr, &ntraj, &lc, &one, r->J.a, &lld, r->phi_loc, &lc, &zero, r->ypart,
               &ldp);
    }
    MPI_TRY(MPI_Iallgather(r->ypart, ldp * ntraj, MPI_DOUBLE, r->yall, ldp * ntraj, MPI_DOUBLE,
                           g->comm, &r->req),
            "MPI_Iallgather (J phi(h))");
    return RC_OK;
}

/* Second half: J phi(h) summed in rank order (the same bits on every rank), then the Euler
 * step s with the frozen noise and input of this step. */
static rc_status state_end(rc_drate_model *r, int64_t s, double *X, int ntraj, rc_error *err)
{
    const rc_dgrid *g = r->g;
    MPI_TRY(MPI_Wait(&r->req, MPI_STATUS_IGNORE), "MPI_Wait (J phi(h))");
    const int64_t N = g->N, ldp = g->lrmax > 0 ? g->lrmax : 1;
    memset(r->y, 0, sizeof(double) * (size_t)(N * ntraj));
    for (int q = 0; q < g->size; ++q) {
        const int pr = g->rank_row[q], lrq = g->rank_lr[q];
        const double *part = r->yall + (int64_t)q * ldp * ntraj;
        for (int c = 0; c < ntraj; ++c)
            for (int li = 0; li < lrq; ++li)
                r->y[c * N + global_index(li, g->nb, pr, g->Pr)] += part[c * ldp + li];
    }
    if (r->units.het) {
        const double *a = r->units.rate_i, *b = r->units.beta_i;
        for (int c = 0; c < ntraj; ++c)
            for (int64_t i = 0; i < N; ++i)
                X[c * N + i] = b[i] * X[c * N + i] + a[i] * r->y[c * N + i];
    } else {
        const double alpha = r->p->dt / r->p->tau, beta = 1.0 - alpha;
        for (int64_t k = 0; k < N * ntraj; ++k) X[k] = beta * X[k] + alpha * r->y[k];
    }
    rc_network_add_drive_noise(&r->units, s, r->drive.value, X, N, ntraj, r->noise);
    rc_drive_advance(&r->drive, r->p, s);
    return RC_OK;
}

/* ---- the model's operations (dist_model.h) ---------------------------------------------- */

static double rate_memory_words(const void *self, int Pr, int Pc, int nb, int ntraj, int filled,
                                double *matrix_words)
{
    const rc_drate_model *r = self;
    const int64_t N = r->p->N;
    /* process (0, 0) holds the most of every block-cyclic matrix */
    const double lr = (double)numroc64(N, nb, 0, Pr), lc = (double)numroc64(N, nb, 0, Pc);
    const double P = (double)Pr * Pc, nt = (double)ntraj;
    *matrix_words = lr * lc; /* J */
    return lr * lc + (double)N * (2.0 * nt + 3.0) /* J phi(h), phi', noise, ... */
           + nt * (lc + lr * (P + 1))             /* local phi(h), partial products, allgather */
           + (filled ? (double)nb * lc : 0.0);     /* the reader's buffer */
}

static void rate_teardown(void *self)
{
    rc_drate_model *r = self;
    rc_dmatrix_free(&r->J);
    rc_network_free(&r->units);
    free(r->y);
    free(r->dphi);
    free(r->noise);
    free(r->phi_loc);
    free(r->ypart);
    free(r->yall);
    r->y = r->dphi = r->noise = r->phi_loc = r->ypart = r->yall = NULL;
    r->g = NULL;
}

static rc_status rate_setup(void *self, const rc_dgrid *g, int ntraj,
                            rc_status (*fill)(void *fill_ctx, const char *name,
                                              const rc_dgrid *g, rc_dmatrix *A, rc_error *err),
                            void *fill_ctx, rc_error *err)
{
    rc_drate_model *r = self;
    r->g = g;
    const size_t N = (size_t)g->N, nt = (size_t)ntraj;
    rc_status st = rc_dmatrix_init(&r->J, g, g->N, g->N, err);
    r->y = rc_aligned_alloc(N * nt, sizeof(double), "J phi(h)", err);
    r->dphi = rc_aligned_alloc(N, sizeof(double), "phi'", err);
    r->noise = rc_aligned_alloc(N, sizeof(double), "noise", err);
    r->phi_loc = rc_aligned_alloc((size_t)(g->lc > 0 ? g->lc : 1) * nt, sizeof(double),
                                  "local phi(h)", err);
    /* zeroed: a rank without columns sends zeros it never computes */
    r->ypart = rc_calloc((size_t)(g->lrmax > 0 ? g->lrmax : 1) * nt, sizeof(double),
                         "partial products", err);
    r->yall = rc_calloc((size_t)g->size * (size_t)(g->lrmax > 0 ? g->lrmax : 1) * nt,
                        sizeof(double), "gathered partial products", err);
    if (st == RC_OK && !(r->y && r->dphi && r->noise && r->phi_loc && r->ypart && r->yall))
        st = RC_ERR_NOMEM;
    if (st == RC_OK) st = rc_network_units(&r->units, r->p, err);
    st = rc_dist_agree(g->comm, st, err);
    if (st == RC_OK) {
        if (fill)
            st = rc_dist_agree(g->comm, fill(fill_ctx, "J", g, &r->J, err), err);
        else
            rc_dmatrix_draw_J(&r->J, g, r->p);
    }
    if (st != RC_OK) rate_teardown(r);
    return st;
}

static void rate_rewind(void *self)
{
    rc_drate_model *r = self;
    rc_drive_init(&r->drive, r->p); /* decay and kick; a resumed run then takes the stored value */
}

static void rate_initial_state(void *self, double *x)
{
    const rc_drate_model *r = self;
    rc_model_initial_state(r->p, x);
}

static const double *rate_linearise(void *self, const double *x)
{
    rc_drate_model *r = self;
    rc_network_dphi(&r->units, x, r->dphi);
    return r->dphi;
}

static rc_status rate_step(void *self, int64_t s, double *X, int ntraj, rc_error *err)
{
    rc_drate_model *r = self;
    RC_TRY(state_begin(r, X, ntraj, err));
    return state_end(r, s, X, ntraj, err);
}

static rc_status rate_tangent_step(void *self, int64_t s, double *X, int ntraj, rc_dtangent *t,
                                   rc_error *err)
{
    rc_drate_model *r = self;
    RC_TRY(state_begin(r, X, ntraj, err));
    if (r->units.het) {
        rc_dtangent_step_rows_J(t, r->g, &r->J, r->dphi, r->units.rate_i, r->units.beta_i);
    } else {
        const double alpha = r->p->dt / r->p->tau, beta = 1.0 - alpha;
        rc_dtangent_step_J(t, r->g, &r->J, r->dphi, alpha, beta);
    }
    return state_end(r, s, X, ntraj, err);
}

static void rate_observable(void *self, const double *x, double *out)
{
    const rc_drate_model *r = self;
    rc_network_phi(&r->units, x, out);
}

void rc_drate_model_free(rc_drate_model *r)
{
    rate_teardown(r);
    memset(r, 0, sizeof *r);
}

void rc_drate_model_init(rc_drate_model *r, const rc_model_params *p, rc_dlyap_model *model)
{
    memset(r, 0, sizeof *r);
    r->p = p;
    rc_drive_init(&r->drive, p);
    *model = (rc_dlyap_model){.name = "rate",
                              .self = r,
                              .N = p->N,
                              .dt = p->dt,
                              .seed_ons = p->seed_ons,
                              .memory_words = rate_memory_words,
                              .matrix_label = "J block",
                              .setup = rate_setup,
                              .teardown = rate_teardown,
                              .rewind = rate_rewind,
                              .initial_state = rate_initial_state,
                              .linearise = rate_linearise,
                              .step = rate_step,
                              .tangent_step = rate_tangent_step,
                              .observable = rate_observable,
                              .input_state = &r->drive.value};
}

/* ---- the backend on a rate network (dlyap.h) -------------------------------------------- */

double rc_dlyap_memory_bytes(const rc_model_params *mp, const rc_lyap_params *lp, int Pr, int Pc,
                             int nb, int with_root)
{
    rc_drate_model r;
    rc_dlyap_model md;
    rc_drate_model_init(&r, mp, &md);
    return rc_dlyap_model_memory_bytes(&md, lp, Pr, Pc, nb, with_root);
}

rc_status rc_dlyap_run(MPI_Comm comm, int Pr, int Pc, const rc_model_params *mp,
                       const rc_lyap_params *lp, const rc_dlyap_opts *opts, rc_lyap_result *res,
                       rc_error *err)
{
    memset(res, 0, sizeof *res);
    /* the same inputs on every rank give the same verdict: no agreement needed yet */
    RC_TRY(rc_lyap_params_validate(lp, mp, err));
    rc_drate_model r;
    rc_dlyap_model md;
    rc_drate_model_init(&r, mp, &md);
    rc_status st = rc_dlyap_run_checked(comm, Pr, Pc, &md, lp, opts, res, err);
    rc_drate_model_free(&r);
    return st;
}
