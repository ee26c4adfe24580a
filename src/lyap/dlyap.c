#include "rnnchaos/dlyap.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blas_decl.h"
#include "rnnchaos/checkpoint.h"
#include "rnnchaos/par.h"
#include "rnnchaos/h5dist.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/stats.h"
#include "rnnchaos/tangent.h"
#include "rnnchaos/timer.h"
#include "scalapack_decl.h"

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
#define RC_PBLAS_KB 256
int pilaenv_(const int *ictxt, const char *prec)
{
    (void)ictxt;
    (void)prec;
    return RC_PBLAS_KB;
}

#define MPI_TRY(call, name)                                                                    \
    do {                                                                                       \
        int rc_mpi_code_ = (call);                                                             \
        if (rc_mpi_code_ != MPI_SUCCESS) return rc_mpi_fail(err, rc_mpi_code_, name);             \
    } while (0)

#define MPI_GOTO(call, name)                                                                   \
    do {                                                                                       \
        int rc_mpi_code_ = (call);                                                             \
        if (rc_mpi_code_ != MPI_SUCCESS) {                                                     \
            st = rc_mpi_fail(err, rc_mpi_code_, name);                                            \
            goto cleanup;                                                                      \
        }                                                                                      \
    } while (0)

void rc_dlyap_opts_default(rc_dlyap_opts *o)
{
    memset(o, 0, sizeof *o);
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

/* ---- memory ------------------------------------------------------------------------------- */

static int64_t numroc64(int64_t n, int nb, int p, int P)
{
    /* numroc_ for process p with the first block on process 0, in 64 bits */
    const int64_t nblocks = n / nb;
    int64_t r = (nblocks / P) * nb;
    const int64_t extra = nblocks % P;
    if (p < extra)
        r += nb;
    else if (p == extra)
        r += n % nb;
    return r;
}

/* The one-allreduce CholeskyQR2 needs whole rows of Q on every rank (Pc = 1) and a Gram matrix
 * small beside the rank's share of J (so m << N, where CholeskyQR2 is chosen anyway). */
static int replicated_gram_sizes(int Pc, double m, double lr, double lc)
{
    return Pc == 1 && m * m <= 0.25 * lr * lc;
}

static int pca_on(const rc_lyap_params *lp, int64_t N) { return lp->pca < 0 ? N <= 4096 : lp->pca; }

static double memory_for_m(const rc_model_params *mp, const rc_lyap_params *lp, int Pr, int Pc,
                           int nb, double m, int with_root, int read_J)
{
    const int64_t N = mp->N;
    nb = rc_dlyap_block_size(N, Pr, Pc, nb);
    /* process (0, 0) holds the most of every block-cyclic matrix */
    const double lr = (double)numroc64(N, nb, 0, Pr), lc = (double)numroc64(N, nb, 0, Pc);
    const double lcq = (double)numroc64((int64_t)m, nb, 0, Pc);
    const double lrg = (double)numroc64((int64_t)m, nb, 0, Pr);
    const double ntraj = lp->finite_perturbation ? 2.0 : 1.0;
    const double P = (double)Pr * Pc;
    double d = lr * lc                          /* J */
               + 2.0 * lr * lcq                 /* Q and the scaled panel S */
               + lrg * lcq                      /* Gram matrix */
               + 2.0 * nb * (lr + lcq + nb)     /* pdgeqrf / pdorgqr work */
               + 2.0 * RC_PBLAS_KB * (lr + lc + lcq) /* PBLAS panels inside pdgemm */
               + (double)N * (3.0 * ntraj + 3.0)/* replicated state, J phi(h), phi', noise */
               + ntraj * (lc + lr * (P + 1))    /* local phi(h), partial products, allgather */
               + 4.0 * m + lcq;
    if (read_J) d += (double)nb * lc;
    if (replicated_gram_sizes(Pc, m, lr, lc)) d += m * m;
    if (with_root) {
        const double n_int = floor(lp->t_sim / lp->t_ons + 1e-9);
        d += n_int * (m + 1) + (double)lp->n_trace * (m + 2) + 64.0 * m + 8.0 * lp->n_boot;
        if (pca_on(lp, N)) d += 2.0 * ((double)N * N + 66.0 * N);
    }
    /* MPI, BLACS and the program itself */
    return 8.0 * d + 64.0 * 1048576.0;
}

static double model_m(const rc_model_params *mp, const rc_lyap_params *lp)
{
    if (lp->n_le == RC_NLE_AUTO) return fmax(1.0, (double)mp->N / 4.0);
    return (double)(lp->n_le > 0 ? lp->n_le : mp->N);
}

double rc_dlyap_memory_bytes(const rc_model_params *mp, const rc_lyap_params *lp, int Pr, int Pc,
                             int nb, int with_root)
{
    return memory_for_m(mp, lp, Pr, Pc, nb, model_m(mp, lp), with_root, 0);
}

/* Collective: refuse before allocating when the busiest rank would not fit. */
static rc_status check_memory(MPI_Comm comm, const rc_model_params *mp, const rc_lyap_params *lp,
                              int Pr, int Pc, int nb, double m, int read_J,
                              const rc_dlyap_opts *o, rc_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    double v[2] = {memory_for_m(mp, lp, Pr, Pc, nb, m, rank == 0, read_J), 0.0};
    RC_TRY(rc_memory_per_rank(comm, o->mem_per_rank, &v[1], err));
    v[1] = -v[1];
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_DOUBLE, MPI_MAX, comm), "MPI_Allreduce");
    const double need = v[0], avail = -v[1];
    RC_CHECK(need <= avail, err, RC_ERR_NOMEM,
             "distributed task N = %lld, n_le = %.0f on a %dx%d grid needs %.3g GiB per rank "
             "(J block %.3g GiB), only %.3g GiB available per rank%s: use more ranks or a "
             "smaller task",
             (long long)mp->N, m, Pr, Pc, need / 1073741824.0,
             8.0 * (double)numroc64(mp->N, rc_dlyap_block_size(mp->N, Pr, Pc, nb), 0, Pr) *
                 (double)numroc64(mp->N, rc_dlyap_block_size(mp->N, Pr, Pc, nb), 0, Pc) /
                 1073741824.0,
             avail / 1073741824.0,
             o->mem_per_rank > 0 ? " (--mem-per-rank)" : " (physical memory / ranks per node)");
    return RC_OK;
}

/* ---- the grid and J ----------------------------------------------------------------------- */

static int64_t global_index(int64_t l, int nb, int p, int P)
{
    return ((l / nb) * P + p) * nb + l % nb;
}

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

rc_status rc_dgrid_init(rc_dgrid *g, MPI_Comm comm, int Pr, int Pc, int64_t N, int nb,
                        rc_error *err)
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
    g->J = rc_aligned_alloc((size_t)(g->lr > 0 ? g->lr : 1) * (size_t)(g->lc > 0 ? g->lc : 1),
                            sizeof(double), "local blocks of J", err);
    st = (g->grow && g->gcol && g->rank_row && g->rank_lr && g->J) ? RC_OK : RC_ERR_NOMEM;
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

/* ---- the engine ---------------------------------------------------------------------------- */

typedef struct {
    const rc_dgrid *g;
    const rc_model_params *p;
    const rc_lyap_params *lp;
    rc_dtangent t;
    int64_t N, m, spi;
    int ntraj, reorth;
    double *W;       /* N x ntraj: replicated state [h | h_fp] */
    double *y;       /* N x ntraj: J phi(W) */
    double *dphi, *noise, *phi_loc, *ypart, *yall, *log_r;
    rc_drive drive;
    int64_t step;
    double fp_d0;
    MPI_Request req;
    const rc_dlyap_opts *o;
    int ckpt;          /* checkpoints on: a stop in the accumulation waits for the interval's end */
    double last_saved; /* rank 0: wall time of the last stored state (or of the start) */
    rc_network units; /* per-unit tau_i, gains (heterogeneous models), no J: rc_network_units */
} dengine;

/* Collective: any rank's cancel() stops every rank at this same point. */
static rc_status check_cancel(const dengine *e, rc_error *err)
{
    if (!e->o || !e->o->cancel) return RC_OK;
    int stop = e->o->cancel(e->o->cancel_ctx) != 0;
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, e->g->comm),
            "MPI_Allreduce (cancellation)");
    RC_CHECK(!stop, err, RC_ERR_SIGNAL, "cancelled by a stop request at step %lld",
             (long long)e->step);
    return RC_OK;
}

static void dengine_free(dengine *e)
{
    rc_dtangent_free(&e->t);
    rc_network_free(&e->units);
    free(e->W);
    free(e->y);
    free(e->dphi);
    free(e->noise);
    free(e->phi_loc);
    free(e->ypart);
    free(e->yall);
    free(e->log_r);
}

static rc_status dengine_init(dengine *e, const rc_dgrid *g, const rc_model_params *p,
                              const rc_lyap_params *lp, int64_t m, int with_tangent, rc_error *err)
{
    memset(e, 0, sizeof *e);
    e->g = g;
    e->p = p;
    e->lp = lp;
    e->N = g->N;
    e->m = m;
    e->spi = (int64_t)llround(lp->t_ons / p->dt);
    e->ntraj = lp->finite_perturbation ? 2 : 1;
    const size_t N = (size_t)g->N, nt = (size_t)e->ntraj;
    e->W = rc_aligned_alloc(N * nt, sizeof(double), "replicated state", err);
    e->y = rc_aligned_alloc(N * nt, sizeof(double), "J phi(h)", err);
    e->dphi = rc_aligned_alloc(N, sizeof(double), "phi'", err);
    e->noise = rc_aligned_alloc(N, sizeof(double), "noise", err);
    e->phi_loc = rc_aligned_alloc((size_t)(g->lc > 0 ? g->lc : 1) * nt, sizeof(double),
                                  "local phi(h)", err);
    e->ypart = rc_calloc((size_t)(g->lrmax > 0 ? g->lrmax : 1) * nt, sizeof(double),
                         "partial products", err);
    e->yall = rc_calloc((size_t)g->size * (size_t)(g->lrmax > 0 ? g->lrmax : 1) * nt,
                        sizeof(double), "gathered partial products", err);
    e->log_r = rc_calloc((size_t)m, sizeof(double), "log R_kk", err);
    rc_status st = (e->W && e->y && e->dphi && e->noise && e->phi_loc && e->ypart && e->yall &&
                    e->log_r) ? RC_OK : RC_ERR_NOMEM;
    if (st == RC_OK) st = rc_network_units(&e->units, p, err);
    st = rc_dist_agree(g->comm, st, err);
    if (st == RC_OK && with_tangent) st = rc_dtangent_init(&e->t, g, m, err);
    if (st != RC_OK) dengine_free(e);
    return st;
}

/* First half of a state step: this rank's partial products J_loc phi(h)_loc, and their
 * allgather started, so that it travels while pdgemm runs. */
static rc_status state_begin(dengine *e, rc_error *err)
{
    const rc_dgrid *g = e->g;
    const int lc = g->lc, lr = g->lr, ldp = g->lrmax > 0 ? g->lrmax : 1;
    for (int c = 0; c < e->ntraj; ++c) {
        double *ph = e->phi_loc + (int64_t)c * lc;
        const double *h = e->W + (int64_t)c * e->N;
        for (int lj = 0; lj < lc; ++lj) ph[lj] = h[g->gcol[lj]];
        if (e->units.het) /* phi_j(h_j) = phi(gain_j h_j), as rc_network_phi */
            for (int lj = 0; lj < lc; ++lj) ph[lj] *= e->units.gain_i[g->gcol[lj]];
        rc_phi_eval(e->p->phi, ph, ph, (size_t)lc);
    }
    if (lr > 0 && lc > 0) {
        const double one = 1.0, zero = 0.0;
        const int lld = lr;
        dgemm_("N", "N", &lr, &e->ntraj, &lc, &one, g->J, &lld, e->phi_loc, &lc, &zero, e->ypart,
               &ldp);
    }
    MPI_TRY(MPI_Iallgather(e->ypart, ldp * e->ntraj, MPI_DOUBLE, e->yall, ldp * e->ntraj,
                           MPI_DOUBLE, g->comm, &e->req),
            "MPI_Iallgather (J phi(h))");
    return RC_OK;
}

/* Second half: J phi(h) summed in rank order (the same bits on every rank), then the Euler
 * step with the frozen noise and input of this step. */
static rc_status state_end(dengine *e, rc_error *err)
{
    const rc_dgrid *g = e->g;
    MPI_TRY(MPI_Wait(&e->req, MPI_STATUS_IGNORE), "MPI_Wait (J phi(h))");
    const int64_t N = e->N, ldp = g->lrmax > 0 ? g->lrmax : 1;
    memset(e->y, 0, sizeof(double) * (size_t)(N * e->ntraj));
    for (int q = 0; q < g->size; ++q) {
        const int pr = g->rank_row[q], lrq = g->rank_lr[q];
        const double *part = e->yall + (int64_t)q * ldp * e->ntraj;
        for (int c = 0; c < e->ntraj; ++c)
            for (int li = 0; li < lrq; ++li)
                e->y[c * N + global_index(li, g->nb, pr, g->Pr)] += part[c * ldp + li];
    }
    if (e->units.het) {
        const double *a = e->units.rate_i, *b = e->units.beta_i;
        for (int c = 0; c < e->ntraj; ++c)
            for (int64_t i = 0; i < N; ++i)
                e->W[c * N + i] = b[i] * e->W[c * N + i] + a[i] * e->y[c * N + i];
    } else {
        const double alpha = e->p->dt / e->p->tau, beta = 1.0 - alpha;
        for (int64_t k = 0; k < N * e->ntraj; ++k) e->W[k] = beta * e->W[k] + alpha * e->y[k];
    }
    rc_network_add_drive_noise(&e->units, e->step, e->drive.value, e->W, N, e->ntraj, e->noise);
    rc_drive_advance(&e->drive, e->p, e->step);
    e->step++;
    return RC_OK;
}

/* The state is replicated bit for bit, so every rank reaches the same verdict. */
static rc_status check_state(const dengine *e, int ntraj, rc_error *err)
{
    RC_CHECK(rc_state_is_sane(e->W, (size_t)(e->N * ntraj)), err, RC_ERR_NUMERIC,
             "trajectory diverged (non-finite or |h| > 1e12) at step %lld, t = %g",
             (long long)e->step, (double)e->step * e->p->dt);
    return RC_OK;
}

/* Trajectory only (the twin does not exist yet). */
static rc_status dengine_relax(dengine *e, int64_t nsteps, rc_error *err)
{
    const int ntraj = e->ntraj;
    e->ntraj = 1;
    rc_status st = RC_OK;
    for (int64_t s = 0; s < nsteps && st == RC_OK; ++s) {
        if (e->lp->observer) {
            rc_network_dphi(&e->units, e->W, e->dphi);
            e->lp->observer(e->lp->observer_ctx, e->step, 0, e->W, e->dphi);
        }
        st = state_begin(e, err);
        if (st == RC_OK) st = state_end(e, err);
        if (st == RC_OK && (s + 1) % e->spi == 0) st = check_state(e, 1, err);
        if (st == RC_OK && (s + 1) % e->spi == 0) st = check_cancel(e, err);
    }
    if (st == RC_OK) st = check_state(e, 1, err);
    e->ntraj = ntraj;
    return st;
}

static rc_status dengine_reorth(dengine *e, rc_error *err)
{
    if (e->reorth == RC_REORTH_CHOLQR2) return rc_dreorth_cholqr2(&e->t, e->g, e->log_r, err);
    return rc_dreorth_householder(&e->t, e->g, e->log_r, err);
}

static rc_status dengine_interval(dengine *e, int phase, rc_error *err)
{
    const double alpha = e->p->dt / e->p->tau, beta = 1.0 - alpha;
    for (int64_t s = 0; s < e->spi; ++s) {
        rc_network_dphi(&e->units, e->W, e->dphi);
        if (e->lp->observer) e->lp->observer(e->lp->observer_ctx, e->step, phase, e->W, e->dphi);
        RC_TRY(state_begin(e, err));
        if (e->units.het)
            rc_dtangent_step_rows(&e->t, e->g, e->dphi, e->units.rate_i, e->units.beta_i);
        else
            rc_dtangent_step(&e->t, e->g, e->dphi, alpha, beta);
        RC_TRY(state_end(e, err));
    }
    RC_TRY(check_state(e, e->ntraj, err));
    if (!(e->ckpt && phase == 2)) RC_TRY(check_cancel(e, err));
    return dengine_reorth(e, err);
}

/* ---- checkpoints (rc_dlyap_opts) ---------------------------------------------------------- */

typedef struct {
    char path[4096], fingerprint[512];
    double header[12], pr_sum, cov_counts[2][2];
} dckpt;

static void dckpt_names(const dengine *e, dckpt *c)
{
    const rc_dgrid *g = e->g;
    /* the pattern comes from the scheduler: "%d" is the rank */
    snprintf(c->path, sizeof c->path, e->o->checkpoint_path, g->rank);
    snprintf(c->fingerprint, sizeof c->fingerprint, "%s grid %dx%d nb %d rank %d",
             e->o->checkpoint_fingerprint ? e->o->checkpoint_fingerprint : "", g->Pr, g->Pc, g->nb,
             g->rank);
}

/* This rank's part of the state after n_done accumulated intervals. */
static void dckpt_view(const dengine *e, int64_t n_int, int64_t n_done, double pr_sum,
                       double *local, double *fp_local, const rc_cov *covs[2], dckpt *c,
                       rc_lyap_state *st)
{
    memset(st, 0, sizeof *st);
    const double header[12] = {(double)e->N, (double)e->m, (double)e->ntraj, (double)n_int,
                               (double)n_done, (double)e->step, (double)e->t.n_cholqr2,
                               (double)e->t.n_fallback, (double)e->g->Pr, (double)e->g->Pc,
                               (double)e->g->rank, (double)e->g->nb};
    memcpy(c->header, header, sizeof header);
    c->pr_sum = pr_sum;
    const int root = e->g->rank == 0;
    rc_lyap_state_add(st, "header", c->header, 12);
    rc_lyap_state_add(st, "drive", (double *)&e->drive.value, 1);
    rc_lyap_state_add(st, "fp_d0", (double *)&e->fp_d0, 1);
    rc_lyap_state_add(st, "pr_sum", &c->pr_sum, 1);
    rc_lyap_state_add(st, "W", e->W, e->N * e->ntraj);
    rc_lyap_state_add(st, "Q", e->t.Q, (int64_t)e->g->lr * e->t.lcq);
    rc_lyap_state_add(st, "local", local, root ? n_done * e->m : 0);
    rc_lyap_state_add(st, "fp_local", fp_local, root ? n_done : 0);
    for (int k = 0; k < 2; ++k) rc_lyap_state_add_cov(st, k, covs[k], c->cov_counts[k]);
}

/* This rank's part of a stored state into the engine; returns the intervals done. */
static rc_status dckpt_load(dengine *e, const rc_lyap_state *st, int64_t n_int, double *pr_sum,
                            double *local, double *fp_local, rc_cov *cov_h, rc_cov *cov_phi,
                            int64_t *n_done, rc_error *err)
{
    const double *h;
    const int root = e->g->rank == 0;
    RC_TRY(rc_lyap_state_get(st, "header", 12, &h, err));
    RC_CHECK(h[0] == (double)e->N && h[1] == (double)e->m && h[2] == (double)e->ntraj &&
                 h[3] == (double)n_int && h[4] >= 1 && h[4] <= (double)n_int,
             err, RC_ERR_INPUT, "checkpoint: stored for another run");
    *n_done = (int64_t)h[4];
    e->step = (int64_t)h[5];
    e->t.n_cholqr2 = (int64_t)h[6];
    e->t.n_fallback = (int64_t)h[7];
    RC_TRY(rc_lyap_state_copy(st, "drive", 1, &e->drive.value, err));
    RC_TRY(rc_lyap_state_copy(st, "fp_d0", 1, &e->fp_d0, err));
    RC_TRY(rc_lyap_state_copy(st, "pr_sum", 1, pr_sum, err));
    RC_TRY(rc_lyap_state_copy(st, "W", e->N * e->ntraj, e->W, err));
    RC_TRY(rc_lyap_state_copy(st, "Q", (int64_t)e->g->lr * e->t.lcq, e->t.Q, err));
    RC_TRY(rc_lyap_state_copy(st, "local", root ? *n_done * e->m : 0, local, err));
    RC_TRY(rc_lyap_state_copy(st, "fp_local", root ? *n_done : 0, fp_local, err));
    RC_TRY(rc_lyap_state_load_cov(st, 0, cov_h, err));
    return rc_lyap_state_load_cov(st, 1, cov_phi, err);
}

/* Collective: continue from the stored parts if every rank has its own; otherwise start afresh
 * (*n_done = 0). */
static rc_status dckpt_resume(dengine *e, int64_t n_int, double *pr_sum, double *local,
                              double *fp_local, rc_cov *cov_h, rc_cov *cov_phi, int64_t *n_done,
                              rc_error *err)
{
    dckpt c;
    dckpt_names(e, &c);
    rc_lyap_state st;
    memset(&st, 0, sizeof st);
    rc_error lerr;
    int ok = access(c.path, F_OK) == 0 && rc_checkpoint_read(c.path, c.fingerprint, &st, &lerr) == RC_OK;
    ok = ok && dckpt_load(e, &st, n_int, pr_sum, local, fp_local, cov_h, cov_phi, n_done, &lerr) == RC_OK;
    rc_checkpoint_state_free(&st);
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, e->g->comm),
            "MPI_Allreduce (checkpoint parts)");
    if (!ok) {
        /* an incomplete or foreign set: every rank starts from t = 0 (the engine's buffers are
         * overwritten by the transients; the accumulators are reset here) */
        *n_done = 0;
        *pr_sum = 0.0;
        e->step = 0;
        rc_drive_init(&e->drive, e->p);
        e->t.n_cholqr2 = e->t.n_fallback = 0;
        rc_cov_reset(cov_h);
        rc_cov_reset(cov_phi);
    }
    return RC_OK;
}

/* Collective, after accumulated interval n_done: agree on a stop request and on whether a state
 * is due; store every rank's part if so; RC_ERR_SIGNAL after storing for a stop. */
static rc_status dckpt_point(dengine *e, int64_t n_int, int64_t n_done, double pr_sum,
                             double *local, double *fp_local, const rc_cov *covs[2], rc_error *err)
{
    const double now = rc_wall_seconds();
    int flags[2] = {e->o->cancel ? e->o->cancel(e->o->cancel_ctx) != 0 : 0,
                    e->g->rank == 0 && e->o->checkpoint_every_s > 0 &&
                        now - e->last_saved >= e->o->checkpoint_every_s};
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, e->g->comm),
            "MPI_Allreduce (checkpoint)");
    if (flags[0] || flags[1]) {
        dckpt c;
        rc_lyap_state st;
        dckpt_names(e, &c);
        dckpt_view(e, n_int, n_done, pr_sum, local, fp_local, covs, &c, &st);
        rc_error werr;
        if (rc_checkpoint_write(c.path, c.fingerprint, &st, &werr) != RC_OK)
            fprintf(stderr, "rnnchaos: warning: rank %d: %s\n", e->g->rank, werr.msg);
        e->last_saved = now;
    }
    RC_CHECK(!flags[0], err, RC_ERR_SIGNAL, "cancelled by a stop request after interval %lld "
             "(state stored)", (long long)n_done);
    return RC_OK;
}

static double fp_renormalise(dengine *e)
{
    return rc_fp_twin_renormalise(e->W, e->W + e->N, e->N, e->fp_d0);
}

/* sum_i q_i1^4 of the first Lyapunov vector, summed over the grid. */
static rc_status first_vector_pr(dengine *e, double *pr, rc_error *err)
{
    double s4 = 0.0;
    if (e->t.lcq > 0 && e->t.gcolq[0] == 0)
        for (int li = 0; li < e->g->lr; ++li) {
            const double q = e->t.Q[li];
            s4 += q * q * q * q;
        }
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, &s4, 1, MPI_DOUBLE, MPI_SUM, e->g->comm),
            "MPI_Allreduce (participation ratio)");
    *pr = 1.0 / s4;
    return RC_OK;
}

/* Collective: the result of rank 0 on every rank (scalars, then the arrays). */
static rc_status bcast_result(MPI_Comm comm, rc_lyap_result *res, rc_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    rc_lyap_result mine = *res;
    MPI_TRY(MPI_Bcast(res, (int)sizeof *res, MPI_BYTE, 0, comm), "MPI_Bcast (result)");
    if (rank != 0) {
        res->lambda = rc_calloc((size_t)res->m, sizeof(double), "exponents", err);
        res->trace_t = rc_calloc((size_t)res->n_trace + 1, sizeof(double), "trace times", err);
        res->trace_lambda = rc_calloc((size_t)(res->n_trace + 1) * (size_t)res->m, sizeof(double),
                                      "trace spectra", err);
        res->trace_entropy_H = rc_calloc((size_t)res->n_trace + 1, sizeof(double), "trace H", err);
    } else {
        *res = mine;
    }
    rc_status st = (res->lambda && res->trace_t && res->trace_lambda && res->trace_entropy_H)
                       ? RC_OK : RC_ERR_NOMEM;
    st = rc_dist_agree(comm, st, err);
    if (st != RC_OK) {
        if (rank != 0) {
            free(res->lambda);
            free(res->trace_t);
            free(res->trace_lambda);
            free(res->trace_entropy_H);
            memset(res, 0, sizeof *res);
        }
        return st;
    }
    MPI_TRY(MPI_Bcast(res->lambda, (int)res->m, MPI_DOUBLE, 0, comm), "MPI_Bcast (result)");
    MPI_TRY(MPI_Bcast(res->trace_t, res->n_trace, MPI_DOUBLE, 0, comm), "MPI_Bcast (result)");
    MPI_TRY(MPI_Bcast(res->trace_lambda, (int)(res->n_trace * res->m), MPI_DOUBLE, 0, comm),
            "MPI_Bcast (result)");
    MPI_TRY(MPI_Bcast(res->trace_entropy_H, res->n_trace, MPI_DOUBLE, 0, comm),
            "MPI_Bcast (result)");
    return RC_OK;
}

static int64_t n_intervals_of(double t, double t_ons) { return (int64_t)floor(t / t_ons + 1e-9); }

/* The method with a fixed number m of exponents (lyap.c's lyap_run_fixed, distributed). */
static rc_status dlyap_run_fixed(const rc_dgrid *g, const rc_model_params *p,
                                 const rc_lyap_params *lp, int64_t m, const rc_dlyap_opts *o,
                                 rc_lyap_result *res, rc_error *err)
{
    const double t_start = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    const int64_t N = g->N;
    const int64_t n_int = n_intervals_of(lp->t_sim, lp->t_ons);
    const int64_t n_int_transient = n_intervals_of(lp->t_ons_transient, lp->t_ons);
    const int root = g->rank == 0;
    const int do_pca = pca_on(lp, N);
    RC_TRY(check_memory(g->comm, p, lp, g->Pr, g->Pc, g->nb, (double)m, 0, o, err));

    rc_status st = RC_OK;
    dengine e;
    double *local = NULL, *fp_local = NULL, *phi_h = NULL;
    rc_cov cov_h, cov_phi;
    memset(&cov_h, 0, sizeof cov_h);
    memset(&cov_phi, 0, sizeof cov_phi);
    RC_TRY(dengine_init(&e, g, p, lp, m, 1, err));
    e.o = o;
    e.reorth = lp->reorth == RC_REORTH_AUTO ? rc_dreorth_auto_choice(g, m)
                                            : lp->reorth;
    /* only rank 0 keeps the series and the covariances: the state is the same everywhere */
    if (root) {
        local = rc_calloc((size_t)(n_int * m), sizeof(double), "local exponents", err);
        fp_local = rc_calloc((size_t)n_int, sizeof(double), "finite-perturbation series", err);
        phi_h = rc_aligned_alloc((size_t)N, sizeof(double), "phi(h)", err);
        st = (local && fp_local && phi_h) ? RC_OK : RC_ERR_NOMEM;
        if (st == RC_OK && do_pca) st = rc_cov_init(&cov_h, N, err);
        if (st == RC_OK && do_pca) st = rc_cov_init(&cov_phi, N, err);
    }
    RC_GOTO(rc_dist_agree(g->comm, st, err));

    double pr_sum = 0.0;
    int64_t k_start = 0;
    const rc_cov *covs[2] = {&cov_h, &cov_phi};
    e.ckpt = o && o->checkpoint_path && o->checkpoint_path[0];
    e.last_saved = rc_wall_seconds();
    rc_drive_init(&e.drive, p); /* decay and kick; a resumed run then takes the stored value */
    if (e.ckpt)
        RC_GOTO(dckpt_resume(&e, n_int, &pr_sum, local, fp_local, &cov_h, &cov_phi, &k_start, err));
    if (k_start == 0) {
        /* 1. the trajectory relaxes */
        if (lp->h0)
            memcpy(e.W, lp->h0, (size_t)N * sizeof(double));
        else
            rc_model_initial_state(p, e.W);
        RC_GOTO(dengine_relax(&e, (int64_t)llround(lp->t_transient / p->dt), err));

        /* 2. random orthonormal start and the finite-perturbation twin */
        rc_dtangent_random_start(&e.t, g, p->seed_ons);
        RC_GOTO(rc_dreorth_householder(&e.t, g, e.log_r, err));
        if (e.ntraj == 2) e.fp_d0 = rc_fp_twin_start(p, e.W, e.W + N);

        /* 3. the orthonormal system relaxes */
        for (int64_t k = 0; k < n_int_transient; ++k) {
            RC_GOTO(dengine_interval(&e, 1, err));
            if (e.ntraj == 2) fp_renormalise(&e);
        }
    }

    /* 4. accumulation */
    for (int64_t k = k_start; k < n_int; ++k) {
        RC_GOTO(dengine_interval(&e, 2, err));
        for (int64_t j = 0; j < m; ++j)
            RC_CHECK_GOTO(isfinite(e.log_r[j]), err, RC_ERR_NUMERIC,
                          "non-finite log R_kk at interval %lld", (long long)k);
        const double growth = e.ntraj == 2 ? fp_renormalise(&e) : 0.0;
        if (lp->lyapvec_pr) {
            double pr = 0.0;
            RC_GOTO(first_vector_pr(&e, &pr, err));
            pr_sum += pr;
        }
        if (root) {
            double *row = local + k * m;
            for (int64_t j = 0; j < m; ++j) row[j] = e.log_r[j] / lp->t_ons;
            fp_local[k] = growth / lp->t_ons;
            if (do_pca) {
                rc_cov_add(&cov_h, e.W);
                rc_network_phi(&e.units, e.W, phi_h);
                rc_cov_add(&cov_phi, phi_h);
            }
        }
        if (e.ckpt && k + 1 < n_int)
            RC_GOTO(dckpt_point(&e, n_int, k + 1, pr_sum, local, fp_local, covs, err));
    }

    /* 5. exponents, derived quantities, CIs, trace: the serial engine's code, on rank 0 */
    if (root) {
        st = rc_lyap_summarize(local, e.ntraj == 2 ? fp_local : NULL, n_int, N, m, lp->t_ons,
                               lp->n_trace, lp->n_boot, p->seed_ons, res, err);
        if (st == RC_OK) {
            res->lyapvec_pr = lp->lyapvec_pr ? pr_sum / (double)n_int : NAN;
            res->pca_dim_h = do_pca ? rc_cov_participation_ratio(&cov_h) : NAN;
            res->pca_dim_phi = do_pca ? rc_cov_participation_ratio(&cov_phi) : NAN;
            res->reorth_used = e.reorth;
            res->reorth_fallbacks = e.t.n_fallback;
            res->resumed_after = k_start;
            res->wall_s = rc_wall_seconds() - t_start;
        }
    }
    RC_GOTO(rc_dist_agree(g->comm, st, err));
    RC_GOTO(bcast_result(g->comm, res, err));

cleanup:
    if (st != RC_OK && root) rc_lyap_result_free(res);
    dengine_free(&e);
    rc_cov_free(&cov_h);
    rc_cov_free(&cov_phi);
    free(local);
    free(fp_local);
    free(phi_h);
    return st;
}

typedef struct {
    const rc_dgrid *g;
    const rc_model_params *mp;
    const rc_dlyap_opts *o;
} dist_fixed_ctx;

static rc_status dist_run_fixed(void *ctx, const rc_lyap_params *lp, int64_t m,
                                rc_lyap_result *res, rc_error *err)
{
    const dist_fixed_ctx *c = ctx;
    return dlyap_run_fixed(c->g, c->mp, lp, m, c->o, res, err);
}

rc_status rc_dlyap_run(MPI_Comm comm, int Pr, int Pc, const rc_model_params *mp,
                       const rc_lyap_params *lp, const rc_dlyap_opts *opts, rc_lyap_result *res,
                       rc_error *err)
{
    const double t_start = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    rc_dlyap_opts dflt;
    rc_dlyap_opts_default(&dflt);
    const rc_dlyap_opts *o = opts ? opts : &dflt;
    const int read_J = o->connectivity && o->connectivity[0];
    int size;
    MPI_TRY(MPI_Comm_size(comm, &size), "MPI_Comm_size");
    /* the same inputs on every rank give the same verdict: no agreement needed yet */
    RC_TRY(rc_lyap_params_validate(lp, mp, err));
    RC_CHECK(!lp->single_precision, err, RC_ERR_INPUT,
             "--precision single: not available on a process grid (use double)");
    RC_CHECK(!lp->use_reference_kernels, err, RC_ERR_INPUT,
             "reference kernels: not available on a process grid");
    RC_CHECK((int64_t)Pr * Pc == size, err, RC_ERR_INPUT,
             "--grid: %dx%d needs %d ranks, but %d are running (mpiexec -n %d)", Pr, Pc, Pr * Pc,
             size, Pr * Pc);
    RC_TRY(check_memory(comm, mp, lp, Pr, Pc, o->nb, model_m(mp, lp), read_J, o, err));

    rc_dgrid g;
    RC_TRY(rc_dgrid_init(&g, comm, Pr, Pc, mp->N, o->nb, err));
    rc_status st = RC_OK;
    if (read_J)
        RC_GOTO(rc_dgrid_read_J(&g, o->connectivity, err));
    else
        rc_dgrid_draw_J(&g, mp);

    if (lp->n_le != RC_NLE_AUTO) {
        RC_GOTO(dlyap_run_fixed(&g, mp, lp, lp->n_le ? lp->n_le : mp->N, o, res, err));
        res->wall_s = rc_wall_seconds() - t_start;
        goto cleanup;
    }
    /* --n-le auto: the pilot scheme of rc_lyap_run, shared through rc_lyap_run_auto (without
     * checkpoints: the pilots and the final run would share the stored parts) */
    rc_dlyap_opts no_ckpt = *o;
    no_ckpt.checkpoint_path = NULL;
    dist_fixed_ctx fc = {&g, mp, &no_ckpt};
    RC_GOTO(rc_lyap_run_auto(mp->N, lp, dist_run_fixed, &fc, res, err));
cleanup:
    rc_dgrid_free(&g);
    return st;
}
