/* Model matrices read from HDF5 for the distributed backend (dlyap.h, rc_dlyap_fill_h5): the
 * caller's reader, handed to the backend through rc_dlyap_opts.fill_matrix, so that the backend
 * itself never reads a file. */
#include "rnnchaos/dlyap.h"

#include "rnnchaos/h5dist.h"

rc_status rc_dlyap_fill_h5(void *src, const char *name, const rc_dgrid *g, rc_dmatrix *A,
                           rc_error *err)
{
    const rc_dlyap_h5_source *s = src;
    /* every rank sees the same shapes: the same verdict without agreement */
    RC_CHECK(A->rows == A->cols, err, RC_ERR_INPUT,
             "%s: matrix %s is %lld x %lld; only square matrices are read", s->option, name,
             (long long)A->rows, (long long)A->cols);
    return rc_h5dist_read_block_cyclic(g->comm, s->spec, s->option, A->rows, g->nb, g->Pr, g->Pc,
                                       g->myrow, g->mycol, A->a, A->lld, err);
}

rc_status rc_dgrid_read_J(rc_dgrid *g, const char *spec, rc_error *err)
{
    rc_dlyap_h5_source src = {spec, "--connectivity"};
    rc_dmatrix J = {.rows = g->N, .cols = g->N, .lr = g->lr, .lc = g->lc,
                    .lld = g->lr > 0 ? g->lr : 1, .a = g->J};
    return rc_dlyap_fill_h5(&src, "J", g, &J, err);
}
