/* Private: the BLACS / PBLAS / ScaLAPACK symbols used by the distributed engine.  Debian's
 * libscalapack-openmpi ships no C header, so the prototypes live here, once.
 * Fortran routines take every argument by pointer; character arguments are single letters, so
 * the hidden length arguments are not passed (as in blas_decl.h). */
#ifndef RNNCHAOS_SCALAPACK_DECL_H
#define RNNCHAOS_SCALAPACK_DECL_H

#include <mpi.h>

/* BLACS C interface */
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *context, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int context);

/* PBLAS tuning: the logical block size (defined in src/lyap/dkernels.c, replacing the library's) */
int pilaenv_(const int *ictxt, const char *prec);

/* ScaLAPACK tools */
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc,
            const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);

/* PBLAS */
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
             const double *b, const int *ib, const int *jb, const int *descb, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc);
void pdsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
             const double *a, const int *ia, const int *ja, const int *desca, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc);
void pdtrsm_(const char *side, const char *uplo, const char *transa, const char *diag,
             const int *m, const int *n, const double *alpha, const double *a, const int *ia,
             const int *ja, const int *desca, double *b, const int *ib, const int *jb,
             const int *descb);

/* ScaLAPACK */
void pdgeqrf_(const int *m, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, double *tau, double *work, const int *lwork, int *info);
void pdorgqr_(const int *m, const int *n, const int *k, double *a, const int *ia, const int *ja,
              const int *desca, const double *tau, double *work, const int *lwork, int *info);
void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *info);
void pdgehrd_(const int *n, const int *ilo, const int *ihi, double *a, const int *ia,
              const int *ja, const int *desca, double *tau, double *work, const int *lwork,
              int *info);
void pdhseqr_(const char *job, const char *compz, const int *n, const int *ilo, const int *ihi,
              double *h, const int *desch, double *wr, double *wi, double *z, const int *descz,
              double *work, const int *lwork, int *iwork, const int *liwork, int *info);

#endif
