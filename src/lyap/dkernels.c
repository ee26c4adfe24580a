/* The distributed tangent-space kernels of dlyap.h: the BLACS grid and its block-cyclic
 * matrices, the orthonormal system Q and its reorthonormalisations (PBLAS/ScaLAPACK).  The
 * models' own kernels (the rate network's J and tangent step) are in their files. */
#include "rnnchaos/dlyap.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blas_decl.h"
#include "rnnchaos/par.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/tangent.h"
#include "scalapack_decl.h"

#include "dist_internal.h"

static const int i_one = 1, i_zero = 0;

/* PBLAS's one tuning knob.  PILAENV returns the "logical block size": the width k of the local
 * rank-k DGEMM updates inside pdgemm (and pdsyrk, pdtrsm).  The reference library returns 32,
 * and ScaLAPACK's documentation names PILAENV as the routine to change for performance (CP2K
 * and others ship their own).  Rank-32 updates re-read and re-write the local C panel every 32
 * flops per entry; with 256 they run at the DGEMM rate.  Measured with rnnchaos_dist_bench
 * (N = 2000, m = N, 2 ranks, shared machine): 45-48% of the aggregate DGEMM rate with 32,
 * 59-68% with 128, 79-88% with 256, 66-87% with 512 (docs/performance.md).  This definition
 * replaces the library's for the whole program: libscalapack calls pilaenv_ through its PLT,
 * and the linker exports the executable's symbol to it.  It only affects speed and the size
 * of PBLAS's internal panels (k x local rows/columns, in the memory estimate below), never a
 * result beyond rounding. */
int pilaenv_(const int *ictxt, const char *prec)
{
    (void)ictxt;
    (void)prec;
    return RC_PBLAS_KB;
}


int rc_dlyap_block_size(int64_t N, int Pr, int Pc, int requested)
{
    if (requested > 0) return requested;
    const int64_t P = Pr > Pc ? Pr : Pc;
    int nb = 64;
    /* fewer than two blocks per process leaves ranks idle in every pdgemm panel */
    while (nb > 4 && (N + nb - 1) / nb < 2 * P) nb /= 2;
    return nb;
}

/* ---- the grid and J ----------------------------------------------------------------------- */

void rc_dgrid_free(rc_dgrid *g)
{
    if (!g) return;
    if (g->ctxt >= 0 && g->myrow >= 0) Cblacs_gridexit(g->ctxt);
    if (g->blacs_handle >= 0) Cfree_blacs_system_handle(g->blacs_handle);
    if (g->comm != MPI_COMM_NULL) MPI_Comm_free(&g->comm);
    free(g->grow);
    free(g->gcol);
    free(g->rank_row);
    free(g->rank_lr);
    free(g->J);
    memset(g, 0, sizeof *g);
    g->comm = MPI_COMM_NULL;
    g->ctxt = g->blacs_handle = -1;
}

static rc_status grid_init(rc_dgrid *g, MPI_Comm comm, int Pr, int Pc, int64_t N, int nb,
                           int with_J, rc_error *err)
{
    memset(g, 0, sizeof *g);
    g->comm = MPI_COMM_NULL;
    g->ctxt = g->blacs_handle = -1;
    g->myrow = -1;
    int size;
    MPI_TRY(MPI_Comm_size(comm, &size), "MPI_Comm_size");
    RC_CHECK((int64_t)Pr * Pc == size, err, RC_ERR_INPUT,
             "--grid: %dx%d needs %d ranks, but %d are running (mpiexec -n %d)", Pr, Pc, Pr * Pc,
             size, Pr * Pc);
    RC_CHECK(N >= 1 && N < INT_MAX / 2, err, RC_ERR_INPUT,
             "--N: %lld is beyond what ScaLAPACK's 32-bit indices address", (long long)N);
    rc_status st = RC_OK;
    /* a private communicator: our traffic never matches the caller's, and errors return */
    MPI_GOTO(MPI_Comm_dup(comm, &g->comm), "MPI_Comm_dup");
    MPI_GOTO(MPI_Comm_set_errhandler(g->comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    MPI_Comm_rank(g->comm, &g->rank);
    g->size = size;
    g->Pr = Pr;
    g->Pc = Pc;
    g->N = N;
    g->nb = rc_dlyap_block_size(N, Pr, Pc, nb);
    g->blacs_handle = Csys2blacs_handle(g->comm);
    g->ctxt = g->blacs_handle;
    Cblacs_gridinit(&g->ctxt, "Row", Pr, Pc);
    int nprow = 0, npcol = 0;
    Cblacs_gridinfo(g->ctxt, &nprow, &npcol, &g->myrow, &g->mycol);
    st = (nprow == Pr && npcol == Pc && g->myrow >= 0 && g->mycol >= 0)
             ? RC_OK
             : rc_fail(err, RC_ERR_MPI, "Cblacs_gridinit: rank %d got no place in a %dx%d grid",
                       g->rank, Pr, Pc);
    RC_GOTO(rc_dist_agree(g->comm, st, err));

    const int n = (int)N;
    g->lr = numroc_(&n, &g->nb, &g->myrow, &i_zero, &Pr);
    g->lc = numroc_(&n, &g->nb, &g->mycol, &i_zero, &Pc);
    g->grow = rc_calloc((size_t)(g->lr > 0 ? g->lr : 1), sizeof(int64_t), "local row map", err);
    g->gcol = rc_calloc((size_t)(g->lc > 0 ? g->lc : 1), sizeof(int64_t), "local column map", err);
    g->rank_row = rc_calloc((size_t)size, sizeof(int), "grid rows of ranks", err);
    g->rank_lr = rc_calloc((size_t)size, sizeof(int), "local rows of ranks", err);
    if (with_J)
        g->J = rc_aligned_alloc((size_t)(g->lr > 0 ? g->lr : 1) *
                                    (size_t)(g->lc > 0 ? g->lc : 1),
                                sizeof(double), "local blocks of J", err);
    st = (g->grow && g->gcol && g->rank_row && g->rank_lr && (g->J || !with_J)) ? RC_OK
                                                                               : RC_ERR_NOMEM;
    RC_GOTO(rc_dist_agree(g->comm, st, err));
    for (int l = 0; l < g->lr; ++l) g->grow[l] = global_index(l, g->nb, g->myrow, Pr);
    for (int l = 0; l < g->lc; ++l) g->gcol[l] = global_index(l, g->nb, g->mycol, Pc);
    int mine[2] = {g->myrow, g->lr}, *all = rc_calloc((size_t)(2 * size), sizeof(int), "grid map", err);
    st = all ? RC_OK : RC_ERR_NOMEM;
    RC_GOTO(rc_dist_agree(g->comm, st, err));
    st = RC_OK;
    int code = MPI_Allgather(mine, 2, MPI_INT, all, 2, MPI_INT, g->comm);
    if (code != MPI_SUCCESS) st = rc_mpi_fail(err, code, "MPI_Allgather (grid map)");
    for (int q = 0; q < size && st == RC_OK; ++q) {
        g->rank_row[q] = all[2 * q];
        g->rank_lr[q] = all[2 * q + 1];
        if (all[2 * q + 1] > g->lrmax) g->lrmax = all[2 * q + 1];
    }
    free(all);
    RC_GOTO(st);
    int lld = g->lr > 0 ? g->lr : 1, info = 0;
    descinit_(g->descJ, &n, &n, &g->nb, &g->nb, &i_zero, &i_zero, &g->ctxt, &lld, &info);
    RC_CHECK_GOTO(info == 0, err, RC_ERR_LAPACK, "descinit (J) failed (info = %d)", info);
    return RC_OK;
cleanup:
    rc_dgrid_free(g);
    return st;
}

rc_status rc_dgrid_init(rc_dgrid *g, MPI_Comm comm, int Pr, int Pc, int64_t N, int nb,
                        rc_error *err)
{
    return grid_init(g, comm, Pr, Pc, N, nb, 1, err);
}

rc_status rc_dgrid_init_layout(rc_dgrid *g, MPI_Comm comm, int Pr, int Pc, int64_t N, int nb,
                               rc_error *err)
{
    return grid_init(g, comm, Pr, Pc, N, nb, 0, err);
}

void rc_dmatrix_free(rc_dmatrix *A)
{
    if (!A) return;
    free(A->a);
    memset(A, 0, sizeof *A);
}

rc_status rc_dmatrix_init(rc_dmatrix *A, const rc_dgrid *g, int64_t rows, int64_t cols,
                          rc_error *err)
{
    memset(A, 0, sizeof *A);
    RC_CHECK(rows >= 1 && cols >= 1 && rows < INT_MAX / 2 && cols < INT_MAX / 2, err,
             RC_ERR_INPUT, "a %lld x %lld matrix is beyond what ScaLAPACK's 32-bit indices "
             "address", (long long)rows, (long long)cols);
    A->rows = rows;
    A->cols = cols;
    A->lr = (int)numroc64(rows, g->nb, g->myrow, g->Pr);
    A->lc = (int)numroc64(cols, g->nb, g->mycol, g->Pc);
    A->lld = A->lr > 0 ? A->lr : 1;
    const int m = (int)rows, n = (int)cols, lld = (int)A->lld;
    int info = 0;
    descinit_(A->desc, &m, &n, &g->nb, &g->nb, &i_zero, &i_zero, &g->ctxt, &lld, &info);
    RC_CHECK(info == 0, err, RC_ERR_LAPACK, "descinit (a %lld x %lld matrix) failed (info = %d)",
             (long long)rows, (long long)cols, info);
    A->a = rc_aligned_alloc((size_t)A->lld * (size_t)(A->lc > 0 ? A->lc : 1), sizeof(double),
                            "local blocks of a model matrix", err);
    return A->a ? RC_OK : RC_ERR_NOMEM;
}

/* ---- the orthonormal system and its kernels ---------------------------------------------- */

static int replicated_gram(const rc_dgrid *g, int64_t m)
{
    return replicated_gram_sizes(g->Pc, (double)m, (double)g->lr, (double)g->lc);
}

void rc_dtangent_free(rc_dtangent *t)
{
    if (!t) return;
    free(t->gcolq);
    free(t->Q);
    free(t->S);
    free(t->tau);
    free(t->work);
    free(t->G);
    free(t->diag);
    free(t->log_r1);
    free(t->Grep);
    memset(t, 0, sizeof *t);
}

rc_status rc_dtangent_init(rc_dtangent *t, const rc_dgrid *g, int64_t m, rc_error *err)
{
    memset(t, 0, sizeof *t);
    t->m = m;
    const int n = (int)g->N, mm = (int)m;
    t->lcq = numroc_(&mm, &g->nb, &g->mycol, &i_zero, &g->Pc);
    const int lrg = numroc_(&mm, &g->nb, &g->myrow, &i_zero, &g->Pr);
    const size_t lr1 = (size_t)(g->lr > 0 ? g->lr : 1), lcq1 = (size_t)(t->lcq > 0 ? t->lcq : 1);
    t->gcolq = rc_calloc(lcq1, sizeof(int64_t), "local column map of Q", err);
    t->Q = rc_aligned_alloc(lr1 * lcq1, sizeof(double), "local blocks of Q", err);
    t->S = rc_aligned_alloc(lr1 * lcq1, sizeof(double), "scaled tangent panel", err);
    t->tau = rc_calloc(lcq1, sizeof(double), "Householder scalars", err);
    t->G = rc_aligned_alloc((size_t)(lrg > 0 ? lrg : 1) * lcq1, sizeof(double), "Gram matrix", err);
    t->diag = rc_calloc((size_t)m + 1, sizeof(double), "R_kk reduction buffer", err);
    t->log_r1 = rc_calloc((size_t)m, sizeof(double), "Cholesky diagonal", err);
    if (replicated_gram(g, m))
        t->Grep = rc_aligned_alloc((size_t)(m * m), sizeof(double), "replicated Gram matrix", err);
    rc_status st = (t->gcolq && t->Q && t->S && t->tau && t->G && t->diag && t->log_r1 &&
                    (t->Grep || !replicated_gram(g, m))) ? RC_OK : RC_ERR_NOMEM;
    int info = 0, lld = (int)lr1, lldg = lrg > 0 ? lrg : 1;
    if (st == RC_OK) {
        for (int l = 0; l < t->lcq; ++l) t->gcolq[l] = global_index(l, g->nb, g->mycol, g->Pc);
        descinit_(t->descQ, &n, &mm, &g->nb, &g->nb, &i_zero, &i_zero, &g->ctxt, &lld, &info);
        if (info != 0) st = rc_fail(err, RC_ERR_LAPACK, "descinit (Q) failed (info = %d)", info);
    }
    if (st == RC_OK) {
        descinit_(t->descG, &mm, &mm, &g->nb, &g->nb, &i_zero, &i_zero, &g->ctxt, &lldg, &info);
        if (info != 0) st = rc_fail(err, RC_ERR_LAPACK, "descinit (G) failed (info = %d)", info);
    }
    if (st == RC_OK) {
        /* workspace queries (local) for both Householder routines */
        double q1 = 0, q2 = 0;
        int lwork = -1;
        pdgeqrf_(&n, &mm, t->Q, &i_one, &i_one, t->descQ, t->tau, &q1, &lwork, &info);
        if (info != 0) st = rc_fail(err, RC_ERR_LAPACK, "pdgeqrf workspace query failed (info = %d)", info);
        if (st == RC_OK) {
            pdorgqr_(&n, &mm, &mm, t->Q, &i_one, &i_one, t->descQ, t->tau, &q2, &lwork, &info);
            if (info != 0)
                st = rc_fail(err, RC_ERR_LAPACK, "pdorgqr workspace query failed (info = %d)", info);
        }
        if (st == RC_OK) {
            t->lwork = (int)fmax(fmax(q1, q2), 1.0);
            t->work = rc_aligned_alloc((size_t)t->lwork, sizeof(double), "ScaLAPACK work", err);
            if (!t->work) st = RC_ERR_NOMEM;
        }
    }
    st = rc_dist_agree(g->comm, st, err);
    if (st != RC_OK) rc_dtangent_free(t);
    return st;
}

void rc_dtangent_random_start(rc_dtangent *t, const rc_dgrid *g, uint64_t seed_ons)
{
    const int64_t lld = g->lr > 0 ? g->lr : 1;
    for (int lj = 0; lj < t->lcq; ++lj)
        for (int b = 0; b * g->nb < g->lr; ++b) {
            const int len = g->lr - b * g->nb < g->nb ? g->lr - b * g->nb : g->nb;
            rc_rng_normals(seed_ons, RC_STREAM_ONS, (uint64_t)t->gcolq[lj],
                           (uint64_t)g->grow[b * g->nb], (size_t)len,
                           t->Q + lj * lld + b * g->nb);
        }
}

/* Local row of global row k if this process row owns it, else -1. */
static int local_row_of(const rc_dgrid *g, int64_t k)
{
    if ((k / g->nb) % g->Pr != g->myrow) return -1;
    return (int)((k / g->nb / g->Pr) * g->nb + k % g->nb);
}

/* The diagonal of an m-column distributed matrix A (leading dimension lld, column map of Q),
 * plus an info word, summed over the grid: each entry has exactly one owner and every other
 * rank adds an exact zero, so the sum is exact and the same on every rank. */
static rc_status gather_diagonal(rc_dtangent *t, const rc_dgrid *g, const double *A, int64_t lld,
                                 int info, rc_error *err)
{
    memset(t->diag, 0, sizeof(double) * (size_t)(t->m + 1));
    for (int lj = 0; lj < t->lcq; ++lj) {
        const int li = local_row_of(g, t->gcolq[lj]);
        if (li >= 0) t->diag[t->gcolq[lj]] = A[li + lj * lld];
    }
    t->diag[t->m] = fabs((double)info);
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, t->diag, (int)t->m + 1, MPI_DOUBLE, MPI_SUM, g->comm),
            "MPI_Allreduce (R_kk)");
    return RC_OK;
}

rc_status rc_dreorth_householder(rc_dtangent *t, const rc_dgrid *g, double *log_r, rc_error *err)
{
    const int n = (int)g->N, m = (int)t->m;
    const int64_t lld = g->lr > 0 ? g->lr : 1;
    int info = 0;
    pdgeqrf_(&n, &m, t->Q, &i_one, &i_one, t->descQ, t->tau, t->work, &t->lwork, &info);
    RC_TRY(gather_diagonal(t, g, t->Q, lld, info, err));
    RC_CHECK(t->diag[m] == 0.0, err, RC_ERR_LAPACK, "pdgeqrf failed (info = %d on rank %d)", info,
             g->rank);
    /* pdgeqrf leaves R_kk of either sign; flipping the columns of the explicit Q' where
     * R_kk < 0 gives the unique factorisation with R_kk > 0, as the serial engine does */
    for (int64_t k = 0; k < m; ++k) {
        const double r = t->diag[k];
        RC_CHECK(r != 0.0 && isfinite(r), err, RC_ERR_NUMERIC,
                 "tangent vectors became linearly dependent or non-finite (R_%lld%lld = %g)",
                 (long long)k, (long long)k, r);
        log_r[k] = log(fabs(r));
    }
    pdorgqr_(&n, &m, &m, t->Q, &i_one, &i_one, t->descQ, t->tau, t->work, &t->lwork, &info);
    int worst = abs(info);
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_INT, MPI_MAX, g->comm),
            "MPI_Allreduce (pdorgqr info)");
    RC_CHECK(worst == 0, err, RC_ERR_LAPACK, "pdorgqr failed (info = %d on rank %d, |info| = %d "
             "on some rank)", info, g->rank, worst);
    for (int lj = 0; lj < t->lcq; ++lj)
        if (t->diag[t->gcolq[lj]] < 0) {
            double *q = t->Q + lj * lld;
            for (int li = 0; li < g->lr; ++li) q[li] = -q[li];
        }
    return RC_OK;
}

/* One Cholesky-QR pass: Q <- Q R^{-1} with R^T R = Q^T Q.  *failed = 1 (on every rank) when
 * the Gram matrix is not numerically positive definite. */
static rc_status cholqr_pass(rc_dtangent *t, const rc_dgrid *g, double *log_r, int *failed,
                             rc_error *err)
{
    const int n = (int)g->N, m = (int)t->m;
    const double one = 1.0, zero = 0.0;
    int info = 0;
    pdsyrk_("U", "T", &m, &n, &one, t->Q, &i_one, &i_one, t->descQ, &zero, t->G, &i_one, &i_one,
            t->descG);
    pdpotrf_("U", &m, t->G, &i_one, &i_one, t->descG, &info);
    /* info < 0 (a bad argument) is an error; info > 0 (not positive definite) a fallback */
    RC_TRY(gather_diagonal(t, g, t->G, t->descG[8], info < 0 ? 1000000 : (info > 0), err));
    RC_CHECK(t->diag[m] < 1000000.0, err, RC_ERR_LAPACK, "pdpotrf failed (info = %d on rank %d)",
             info, g->rank);
    *failed = t->diag[m] != 0.0;
    for (int k = 0; k < m && !*failed; ++k) {
        const double r = t->diag[k];
        if (!(r > 0) || !isfinite(r)) *failed = 1;
        else log_r[k] = log(r);
    }
    if (*failed) return RC_OK;
    pdtrsm_("R", "U", "N", "N", &n, &m, &one, t->G, &i_one, &i_one, t->descG, t->Q, &i_one, &i_one,
            t->descQ);
    return RC_OK;
}

/* max over i <= j of |(Q^T Q)_ij - delta_ij|, the same on every rank (NaN counts as infinite). */
static rc_status orthogonality_defect(rc_dtangent *t, const rc_dgrid *g, double *defect,
                                      rc_error *err)
{
    const int n = (int)g->N, m = (int)t->m;
    const double one = 1.0, zero = 0.0;
    pdsyrk_("U", "T", &m, &n, &one, t->Q, &i_one, &i_one, t->descQ, &zero, t->G, &i_one, &i_one,
            t->descG);
    const int lldg = t->descG[8];
    const int lrg = numroc_(&m, &g->nb, &g->myrow, &i_zero, &g->Pr);
    double worst = 0.0;
    for (int lj = 0; lj < t->lcq; ++lj) {
        const int64_t j = t->gcolq[lj];
        for (int li = 0; li < lrg; ++li) {
            const int64_t i = global_index(li, g->nb, g->myrow, g->Pr);
            if (i > j) continue; /* pdsyrk leaves the strict lower triangle untouched */
            const double d = fabs(t->G[li + (int64_t)lj * lldg] - (i == j ? 1.0 : 0.0));
            if (!(d <= worst)) worst = isnan(d) ? INFINITY : d;
        }
    }
    MPI_TRY(MPI_Allreduce(&worst, defect, 1, MPI_DOUBLE, MPI_MAX, g->comm),
            "MPI_Allreduce (orthogonality)");
    return RC_OK;
}

/* One pass of the Pr x 1 path: G = sum over ranks of Q_loc^T Q_loc (one allreduce), the
 * Cholesky factor on every rank, Q_loc <- Q_loc R^{-1}.  Every rank makes the same collective
 * calls whatever happens locally; *failed is only a local verdict (made common by the
 * orthogonality check that follows every pair of passes). */
static rc_status cholqr_pass_replicated(rc_dtangent *t, const rc_dgrid *g, double *log_r,
                                        int *failed, rc_error *err)
{
    const int m = (int)t->m, lr = g->lr, lld = g->lr > 0 ? g->lr : 1;
    const double one = 1.0, zero = 0.0;
    double *G = t->Grep;
    if (lr > 0)
        dsyrk_("U", "T", &m, &lr, &one, t->Q, &lld, &zero, G, &m);
    else
        memset(G, 0, sizeof(double) * (size_t)m * (size_t)m);
    /* the lower triangle is not referenced by dpotrf("U"): reduce it anyway, one contiguous
     * buffer is cheaper than packing */
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, G, m * m, MPI_DOUBLE, MPI_SUM, g->comm),
            "MPI_Allreduce (Gram matrix)");
    if (*failed) return RC_OK;
    int info = 0;
    dpotrf_("U", &m, G, &m, &info);
    RC_CHECK(info >= 0, err, RC_ERR_LAPACK, "dpotrf failed (info = %d)", info);
    if (info > 0) {
        *failed = 1;
        return RC_OK;
    }
    for (int k = 0; k < m; ++k) {
        const double r = G[k + (int64_t)k * m];
        if (!(r > 0) || !isfinite(r)) {
            *failed = 1;
            return RC_OK;
        }
        log_r[k] = log(r);
    }
    if (lr > 0) dtrsm_("R", "U", "N", "N", &lr, &m, &one, G, &m, t->Q, &lld);
    return RC_OK;
}

static rc_status cholqr2_replicated(rc_dtangent *t, const rc_dgrid *g, double *log_r,
                                    int *ok, rc_error *err)
{
    const int m = (int)t->m, lr = g->lr, lld = g->lr > 0 ? g->lr : 1;
    int failed = 0;
    RC_TRY(cholqr_pass_replicated(t, g, t->log_r1, &failed, err));
    RC_TRY(cholqr_pass_replicated(t, g, log_r, &failed, err));
    /* orthogonality of the result: the same allreduce once more */
    const double one = 1.0, zero = 0.0;
    double *G = t->Grep;
    if (lr > 0)
        dsyrk_("U", "T", &m, &lr, &one, t->Q, &lld, &zero, G, &m);
    else
        memset(G, 0, sizeof(double) * (size_t)m * (size_t)m);
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, G, m * m, MPI_DOUBLE, MPI_SUM, g->comm),
            "MPI_Allreduce (orthogonality)");
    double worst = failed ? INFINITY : 0.0;
    for (int j = 0; j < m && !failed; ++j)
        for (int i = 0; i <= j; ++i) {
            const double d = fabs(G[i + (int64_t)j * m] - (i == j ? 1.0 : 0.0));
            if (!(d <= worst)) worst = isnan(d) ? INFINITY : d;
        }
    /* one verdict for all: a rank whose factorisation failed, or whose copy of the Gram
     * matrix differed, makes every rank fall back */
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_DOUBLE, MPI_MAX, g->comm),
            "MPI_Allreduce (orthogonality verdict)");
    *ok = worst <= 1e-12;
    if (*ok) {
        /* rank 0's log R_kk for all, so the series does not depend on which rank records it */
        for (int64_t k = 0; k < t->m; ++k) log_r[k] += t->log_r1[k];
        MPI_TRY(MPI_Bcast(log_r, m, MPI_DOUBLE, 0, g->comm), "MPI_Bcast (log R_kk)");
    }
    return RC_OK;
}

rc_status rc_dreorth_cholqr2(rc_dtangent *t, const rc_dgrid *g, double *log_r, rc_error *err)
{
    const size_t count = (size_t)(g->lr > 0 ? g->lr : 1) * (size_t)(t->lcq > 0 ? t->lcq : 1);
    memcpy(t->S, t->Q, sizeof(double) * count); /* the panel buffer is free between steps */
    if (t->Grep) {
        int ok = 0;
        RC_TRY(cholqr2_replicated(t, g, log_r, &ok, err));
        if (ok) {
            t->n_cholqr2++;
            return RC_OK;
        }
        memcpy(t->Q, t->S, sizeof(double) * count);
        t->n_fallback++;
        return rc_dreorth_householder(t, g, log_r, err);
    }
    int failed = 0;
    /* R = R2 R1: upper triangular with positive diagonal, the same unique factor as
     * Householder with the signs fixed */
    RC_TRY(cholqr_pass(t, g, t->log_r1, &failed, err));
    if (!failed) RC_TRY(cholqr_pass(t, g, log_r, &failed, err));
    double defect = INFINITY;
    if (!failed) RC_TRY(orthogonality_defect(t, g, &defect, err));
    if (!failed && defect <= 1e-12) {
        for (int64_t k = 0; k < t->m; ++k) log_r[k] += t->log_r1[k];
        t->n_cholqr2++;
        return RC_OK;
    }
    memcpy(t->Q, t->S, sizeof(double) * count);
    t->n_fallback++;
    return rc_dreorth_householder(t, g, log_r, err);
}

int rc_dreorth_auto_choice(const rc_dgrid *g, int64_t m)
{
    /* Measured with rnnchaos_dist_bench (docs/performance.md, "Distributed kernels"): the
     * one-allreduce CholeskyQR2 of Pr x 1 grids beats pdgeqrf + pdorgqr severalfold for
     * m <= N/10; the pdsyrk/pdpotrf/pdtrsm version is slower than Householder on every shape
     * measured, and so is any CholeskyQR2 for square panels. */
    return (8 * m <= g->N && replicated_gram(g, m)) ? RC_REORTH_CHOLQR2 : RC_REORTH_HOUSEHOLDER;
}
