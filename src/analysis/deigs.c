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

/* pdgehrd + pdhseqr on a Pr x Pc grid over comm (size Pr * Pc). */
static rc_status deigs_on_grid(MPI_Comm comm, int Pr, int Pc, const rc_model_params *mp,
                               rc_deigs_of of, double *wr, double *wi, rc_error *err)
{
    const int64_t N = mp->N;
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

void rc_deigs_solver_grid(int Pr, int Pc, int *Sr, int *Sc)
{
    *Sr = Pr;
    *Sc = Pc;
    const int P = Pr * Pc;
    if ((Pr > 1 && Pc > 1) || P <= 2) return;
    if (P == 3) {
        /* two ranks in the requested orientation: pdlaqr5 skips the broadcasts at P <= 2 */
        *Sr = Pr > 1 ? 2 : 1;
        *Sc = Pc > 1 ? 2 : 1;
        return;
    }
    /* the most ranks on a grid with at least two rows and two columns, the squarer on ties */
    int best = 0;
    for (int r = 2; r * 2 <= P; ++r) {
        const int c = P / r;
        if (c < 2) break;
        const int d = r > c ? r - c : c - r, bd = *Sr > *Sc ? *Sr - *Sc : *Sc - *Sr;
        if (r * c > best || (r * c == best && d < bd)) {
            best = r * c;
            *Sr = r;
            *Sc = c;
        }
    }
}

rc_status rc_deigs_run(MPI_Comm comm, int Pr, int Pc, const rc_model_params *mp, rc_deigs_of of,
                       double *wr, double *wi, rc_error *err)
{
    RC_TRY(rc_model_params_validate(mp, err));
    const int64_t N = mp->N;
    RC_CHECK(N <= 2147483647, err, RC_ERR_INPUT, "--N: at most 2^31 - 1 for ScaLAPACK");
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    RC_CHECK((int64_t)Pr * Pc == size, err, RC_ERR_INPUT,
             "--grid: %dx%d needs %d ranks, but %d are running (mpiexec -n %d)", Pr, Pc, Pr * Pc,
             size, Pr * Pc);
    int Sr, Sc;
    rc_deigs_solver_grid(Pr, Pc, &Sr, &Sc);
    if (Sr == Pr && Sc == Pc) return deigs_on_grid(comm, Pr, Pc, mp, of, wr, wi, err);
    /* ScaLAPACK 2.2's pdlaqr5 (its cross-border bulge chase, the broadcasts after label 160)
     * deadlocks on a one-dimensional grid of three or more processes: with a window on process
     * rows r and r + 1 of a P x 1 grid, both owners pass its test MYCOL = CSRC1 and both call
     * DGEBS2D('Col') in the one column scope, while the third rank waits in IGAMX2D (issue 18:
     * 3x1 and 1x3 hung at N = 300; gdb shows the two senders).  The test should compare rows
     * for 'Col' (and columns for 'Row'); it is a library defect, so the whole solve runs on the
     * first Sr * Sc ranks, a grid with two rows and two columns (or two ranks), and the others
     * wait for the eigenvalues (docs/user-guide.md, eigs --grid). */
    const int inside = rank < Sr * Sc;
    MPI_Comm sub = MPI_COMM_NULL;
    int code = MPI_Comm_split(comm, inside ? 0 : MPI_UNDEFINED, rank, &sub);
    rc_status st = code == MPI_SUCCESS ? RC_OK : rc_mpi_fail(err, code, "MPI_Comm_split");
    if (st == RC_OK && inside) st = deigs_on_grid(sub, Sr, Sc, mp, of, wr, wi, err);
    if (sub != MPI_COMM_NULL) MPI_Comm_free(&sub);
    /* the solving ranks agree among themselves; rank 0 of comm is one of them */
    st = rc_dist_agree(comm, st, err);
    if (st != RC_OK) return st;
    code = MPI_Bcast(wr, (int)N, MPI_DOUBLE, 0, comm);
    if (code == MPI_SUCCESS) code = MPI_Bcast(wi, (int)N, MPI_DOUBLE, 0, comm);
    return rc_dist_agree(comm, code == MPI_SUCCESS ? RC_OK : rc_mpi_fail(err, code, "MPI_Bcast"),
                         err);
}
