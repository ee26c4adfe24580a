/* The run archive (archive.h, docs/archive.md): parallel HDF5 through the MPI-IO driver.
 *
 * SWIFT's rule: every object exists before the first task runs.  Creation and the root
 * attributes are collective (every rank, same order, same values); the rows of a task are then
 * written by the rank that ran it with independent raw-data writes into contiguous, early
 * allocated datasets, which touch no HDF5 metadata.  That is what makes a file killed at any
 * moment readable: its metadata was complete and flushed before the run started. */
/* flock(2) is BSD, not POSIX: the run and summarize use it to keep each other out (below). */
#define _DEFAULT_SOURCE 1

#include "rnnchaos/archive.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "rnnchaos_version.h"

_Static_assert(RC_RESULT_STR_LEN == RC_ARCHIVE_REASON_LEN, "result texts share the reason type");

typedef struct {
    const rc_task_kind *kind;
    int64_t n, first_task;
    hid_t group, status, reason, rank, wall;
    hid_t results[RC_MAX_RESULT_COLS];
    int64_t max_dims[RC_MAX_RESULT_COLS][2];
} kind_sets;

struct rc_archive {
    hid_t file, reason_type;
    int lock_fd;       /* rank 0: a shared flock on the archive while the run has it open */
    const rc_job *job; /* borrowed: the caller keeps it alive while the archive is open */
    int n_kinds;
    kind_sets *ks;     /* by kind code; kind == NULL where the job has no such section */
};

/* ---- small helpers ------------------------------------------------------------------------ */

/* A step that already filled err (rc_calloc, make_dataset, ...) failed. */
#define FAILED_GOTO(cond, code)                                                                \
    do {                                                                                       \
        if (cond) {                                                                            \
            st = (code);                                                                       \
            goto cleanup;                                                                      \
        }                                                                                      \
    } while (0)

#define H5_TRY(call, what)                                                                     \
    do {                                                                                       \
        if ((call) < 0) {                                                                      \
            st = rc_fail(err, RC_ERR_IO, "HDF5: %s failed", (what));                           \
            goto cleanup;                                                                      \
        }                                                                                      \
    } while (0)

static hid_t col_h5_type(rc_col_type t)
{
    switch (t) {
    case RC_COL_F64: return H5T_NATIVE_DOUBLE;
    case RC_COL_I64: return H5T_NATIVE_INT64;
    case RC_COL_U64: return H5T_NATIVE_UINT64;
    case RC_COL_INT: return H5T_NATIVE_INT;
    case RC_COL_PHI: return H5T_NATIVE_INT; /* converted to a string by the caller */
    case RC_COL_STR: return H5T_NATIVE_INT; /* results only, written with the text type */
    }
    return H5T_NATIVE_DOUBLE;
}

/* Contiguous, allocated now, filled with *fill: the layout that allows raw-data-only writes. */
static hid_t make_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                          const void *fill, const char *doc, rc_error *err)
{
    hid_t space = -1, dcpl = -1, d = -1;
    rc_status st = RC_OK;
    space = H5Screate_simple(rank, dims, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5_TRY(space, "H5Screate_simple");
    H5_TRY(dcpl, "H5Pcreate");
    H5_TRY(H5Pset_layout(dcpl, H5D_CONTIGUOUS), "H5Pset_layout");
    H5_TRY(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time");
    if (fill) {
        H5_TRY(H5Pset_fill_value(dcpl, type, fill), "H5Pset_fill_value");
        H5_TRY(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), "H5Pset_fill_time");
    }
    d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) {
        st = rc_fail(err, RC_ERR_IO, "HDF5: creating dataset '%s' failed", name);
        goto cleanup;
    }
    if (doc) {
        hid_t st_t = H5Tcopy(H5T_C_S1), as = H5Screate(H5S_SCALAR), a = -1;
        if (st_t >= 0 && as >= 0 && H5Tset_size(st_t, H5T_VARIABLE) >= 0)
            a = H5Acreate2(d, "description", st_t, as, H5P_DEFAULT, H5P_DEFAULT);
        herr_t w = a >= 0 ? H5Awrite(a, st_t, &doc) : -1;
        if (a >= 0) H5Aclose(a);
        if (as >= 0) H5Sclose(as);
        if (st_t >= 0) H5Tclose(st_t);
        if (w < 0) {
            st = rc_fail(err, RC_ERR_IO, "HDF5: describing dataset '%s' failed", name);
            goto cleanup;
        }
    }
cleanup:
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    if (st != RC_OK && d >= 0) {
        H5Dclose(d);
        d = -1;
    }
    return d;
}

static rc_status attr_write_string(hid_t loc, const char *name, const char *value, rc_error *err)
{
    rc_status st = RC_OK;
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate(H5S_SCALAR), a = -1;
    H5_TRY(t, "H5Tcopy");
    H5_TRY(s, "H5Screate");
    H5_TRY(H5Tset_size(t, H5T_VARIABLE), "H5Tset_size");
    H5_TRY(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset");
    htri_t exists = H5Aexists(loc, name);
    H5_TRY(exists, "H5Aexists");
    a = exists ? H5Aopen(loc, name, H5P_DEFAULT) : H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    H5_TRY(a, name);
    const char *v = value ? value : "";
    H5_TRY(H5Awrite(a, t, &v), name);
cleanup:
    if (a >= 0) H5Aclose(a);
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    return st;
}

static rc_status attr_write_int64(hid_t loc, const char *name, int64_t value, rc_error *err)
{
    rc_status st = RC_OK;
    hid_t s = H5Screate(H5S_SCALAR), a = -1;
    H5_TRY(s, "H5Screate");
    htri_t exists = H5Aexists(loc, name);
    H5_TRY(exists, "H5Aexists");
    a = exists ? H5Aopen(loc, name, H5P_DEFAULT)
               : H5Acreate2(loc, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    H5_TRY(a, name);
    H5_TRY(H5Awrite(a, H5T_NATIVE_INT64, &value), name);
cleanup:
    if (a >= 0) H5Aclose(a);
    if (s >= 0) H5Sclose(s);
    return st;
}

/* A string attribute (variable or fixed length) as a malloc'ed C string; NULL if absent. */
static char *attr_read_string(hid_t loc, const char *name)
{
    if (H5Aexists(loc, name) <= 0) return NULL;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return NULL;
    hid_t ft = H5Aget_type(a);
    char *out = NULL;
    if (ft >= 0 && H5Tget_class(ft) == H5T_STRING) {
        if (H5Tis_variable_str(ft) > 0) {
            hid_t mt = H5Tcopy(ft); /* same character set: HDF5 does not convert ASCII/UTF-8 */
            char *v = NULL;
            if (mt >= 0 && H5Aread(a, mt, &v) >= 0 && v) {
                out = strdup(v);
                H5free_memory(v);
            }
            if (mt >= 0) H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(ft);
            out = calloc(n + 1, 1);
            if (out && H5Aread(a, ft, out) < 0) {
                free(out);
                out = NULL;
            }
        }
    }
    if (ft >= 0) H5Tclose(ft);
    H5Aclose(a);
    return out;
}

static int attr_read_int64(hid_t loc, const char *name, int64_t *v)
{
    if (H5Aexists(loc, name) <= 0) return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t r = H5Aread(a, H5T_NATIVE_INT64, v);
    H5Aclose(a);
    return r < 0 ? -1 : 0;
}

/* Write count elements of a 1-D dataset starting at offset (independent). */
static rc_status write_1d(hid_t d, hid_t memtype, int64_t offset, int64_t count, const void *buf,
                          const char *what, rc_error *err)
{
    rc_status st = RC_OK;
    hsize_t start = (hsize_t)offset, cnt = (hsize_t)count;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &cnt, NULL);
    H5_TRY(fs, what);
    H5_TRY(ms, what);
    H5_TRY(H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL), what);
    H5_TRY(H5Dwrite(d, memtype, ms, fs, H5P_DEFAULT, buf), what);
cleanup:
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return st;
}

/* Write the block [row, 0:d0, 0:d1] (rank 3) or [row, 0:d1] (rank 2) of an array result. */
static rc_status write_row_block(hid_t d, int ndim, int64_t row, int64_t d0, int64_t d1,
                                 const double *buf, const char *what, rc_error *err)
{
    rc_status st = RC_OK;
    hsize_t start[3] = {(hsize_t)row, 0, 0}, cnt[3];
    int rank = ndim + 1;
    cnt[0] = 1;
    if (ndim == 1) {
        cnt[1] = (hsize_t)d1;
    } else {
        cnt[1] = (hsize_t)d0;
        cnt[2] = (hsize_t)d1;
    }
    hsize_t total = (hsize_t)(d0 * d1);
    if (total == 0) return RC_OK;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &total, NULL);
    H5_TRY(fs, what);
    H5_TRY(ms, what);
    H5_TRY(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL), what);
    (void)rank;
    H5_TRY(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf), what);
cleanup:
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return st;
}

static void silence_hdf5(void)
{
    /* Errors reach the user through rc_error with a message naming the file; HDF5's own stack
     * dump on stderr would only repeat it in library terms. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* ---- layout ------------------------------------------------------------------------------- */

static void kind_max_dims(const rc_job *job, kind_sets *k)
{
    for (int c = 0; c < k->kind->n_results; ++c) {
        k->max_dims[c][0] = 1;
        k->max_dims[c][1] = 1;
    }
    for (int64_t i = 0; i < k->n; ++i) {
        const rc_task *t = &job->tasks[k->first_task + i];
        for (int c = 0; c < k->kind->n_results; ++c) {
            if (k->kind->results[c].ndim == 0) continue;
            int64_t dims[2];
            k->kind->result_dims(t->p.raw, c, dims);
            for (int j = 0; j < 2; ++j)
                if (dims[j] > k->max_dims[c][j]) k->max_dims[c][j] = dims[j];
        }
    }
}

static rc_status setup_kinds(rc_archive *ar, const rc_job *job, rc_error *err)
{
    ar->n_kinds = rc_task_kind_count();
    ar->ks = rc_calloc((size_t)ar->n_kinds, sizeof(kind_sets), "archive kinds", err);
    if (!ar->ks) return RC_ERR_NOMEM;
    for (int k = 0; k < ar->n_kinds; ++k) {
        kind_sets *ks = &ar->ks[k];
        ks->group = ks->status = ks->reason = ks->rank = ks->wall = -1;
        for (int c = 0; c < RC_MAX_RESULT_COLS; ++c) ks->results[c] = -1;
    }
    for (int s = 0; s < job->n_sections; ++s) {
        kind_sets *ks = &ar->ks[job->sections[s].kind];
        ks->kind = rc_task_kind_get(job->sections[s].kind);
        ks->n = job->sections[s].n_tasks;
        ks->first_task = job->sections[s].first_task;
        kind_max_dims(job, ks);
    }
    return RC_OK;
}

static rc_status result_fill(const rc_result_column *col, double *ffill, int64_t *ifill)
{
    *ffill = NAN;
    *ifill = -1;
    return RC_OK;
}

/* Parameter columns of a kind: written once by rank 0 when the archive is created. */
static rc_status write_param_tables(hid_t params, const rc_job *job, const kind_sets *ks,
                                    int writer, rc_error *err)
{
    rc_status st = RC_OK;
    const int64_t n = ks->n;
    hsize_t dims[1] = {(hsize_t)(n > 0 ? n : 1)};
    void *buf = rc_calloc((size_t)dims[0], 16, "parameter column", err);
    hid_t phi_t = H5Tcopy(H5T_C_S1);
    if (!buf) return RC_ERR_NOMEM;
    H5_TRY(phi_t, "H5Tcopy");
    H5_TRY(H5Tset_size(phi_t, 16), "H5Tset_size");
    for (int c = 0; c < ks->kind->n_params; ++c) {
        const rc_param_column *col = &ks->kind->params[c];
        hid_t ftype = col->type == RC_COL_PHI ? phi_t : col_h5_type(col->type);
        hid_t d = make_dataset(params, col->name, ftype, 1, dims, NULL, col->doc, err);
        if (d < 0) {
            st = RC_ERR_IO;
            goto cleanup;
        }
        if (writer) {
            for (int64_t i = 0; i < n; ++i) {
                const unsigned char *p = job->tasks[ks->first_task + i].p.raw + col->offset;
                switch (col->type) {
                case RC_COL_F64: memcpy((double *)buf + i, p, 8); break;
                case RC_COL_I64: memcpy((int64_t *)buf + i, p, 8); break;
                case RC_COL_U64: memcpy((uint64_t *)buf + i, p, 8); break;
                case RC_COL_INT: memcpy((int *)buf + i, p, sizeof(int)); break;
                case RC_COL_PHI: {
                    rc_phi_kind phi;
                    memcpy(&phi, p, sizeof phi);
                    memset((char *)buf + 16 * i, 0, 16);
                    snprintf((char *)buf + 16 * i, 16, "%s", rc_phi_name(phi));
                    break;
                }
                case RC_COL_STR: break; /* not a parameter type */
                }
            }
            st = n > 0 ? write_1d(d, col->type == RC_COL_PHI ? phi_t : col_h5_type(col->type), 0,
                                  n, buf, col->name, err)
                       : RC_OK;
        }
        H5Dclose(d);
        if (st != RC_OK) goto cleanup;
    }
cleanup:
    if (phi_t >= 0) H5Tclose(phi_t);
    free(buf);
    return st;
}

/* Per-kind tables: ids, parameters, status, and the result datasets. */
static rc_status create_kind(rc_archive *ar, const rc_job *job, kind_sets *ks, int writer,
                             rc_error *err)
{
    rc_status st = RC_OK;
    const int64_t n = ks->n;
    hsize_t dims[3] = {(hsize_t)(n > 0 ? n : 1), 1, 1};
    int64_t *ibuf = NULL;
    hid_t params = -1, d = -1;
    ks->group = H5Gcreate2(ar->file, ks->kind->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5_TRY(ks->group, "creating the kind group");
    RC_GOTO(attr_write_int64(ks->group, "n_tasks", n, err));
    RC_GOTO(attr_write_int64(ks->group, "first_task", ks->first_task, err));
    RC_GOTO(attr_write_string(ks->group, "headline", ks->kind->headline, err));

    /* task ids and realisations */
    ibuf = rc_calloc((size_t)dims[0], sizeof(int64_t), "id column", err);
    FAILED_GOTO(!(ibuf), RC_ERR_NOMEM);
    const char *id_names[3] = {"task_id", "realization", "combo"};
    const char *id_docs[3] = {"global task id", "realisation index (added to the seeds)",
                              "parameter combination within the section"};
    for (int j = 0; j < 3; ++j) {
        d = make_dataset(ks->group, id_names[j], H5T_STD_I64LE, 1, dims, NULL, id_docs[j], err);
        FAILED_GOTO(!(d >= 0), RC_ERR_IO);
        if (writer && n > 0) {
            for (int64_t i = 0; i < n; ++i) {
                const rc_task *t = &job->tasks[ks->first_task + i];
                ibuf[i] = j == 0 ? t->id : j == 1 ? t->realization : t->combo;
            }
            RC_GOTO(write_1d(d, H5T_NATIVE_INT64, 0, n, ibuf, id_names[j], err));
        }
        H5Dclose(d);
        d = -1;
    }
    params = H5Gcreate2(ks->group, "params", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5_TRY(params, "creating the params group");
    RC_GOTO(write_param_tables(params, job, ks, writer, err));

    /* run-time columns */
    const int8_t pending = RC_TASK_PENDING;
    const int minus1 = -1;
    const double nan = NAN;
    ks->status = make_dataset(ks->group, "status", H5T_STD_I8LE, 1, dims, &pending,
                              "0 pending, 1 done, 2 failed; written after the task's results", err);
    FAILED_GOTO(!(ks->status >= 0), RC_ERR_IO);
    const char zero_reason[RC_ARCHIVE_REASON_LEN] = {0};
    ks->reason = make_dataset(ks->group, "reason", ar->reason_type, 1, dims, zero_reason,
                              "why a failed task failed", err);
    FAILED_GOTO(!(ks->reason >= 0), RC_ERR_IO);
    ks->rank = make_dataset(ks->group, "rank", H5T_STD_I32LE, 1, dims, &minus1,
                            "MPI rank that ran the task (-1: not run)", err);
    FAILED_GOTO(!(ks->rank >= 0), RC_ERR_IO);
    ks->wall = make_dataset(ks->group, "wall_s", H5T_IEEE_F64LE, 1, dims, &nan,
                            "wall-clock time of the task (s)", err);
    FAILED_GOTO(!(ks->wall >= 0), RC_ERR_IO);
    for (int c = 0; c < ks->kind->n_results; ++c) {
        const rc_result_column *col = &ks->kind->results[c];
        double ffill;
        int64_t ifill;
        result_fill(col, &ffill, &ifill);
        int rank = 1 + col->ndim;
        if (col->ndim == 1) dims[1] = (hsize_t)ks->max_dims[c][1];
        if (col->ndim == 2) {
            dims[1] = (hsize_t)ks->max_dims[c][0];
            dims[2] = (hsize_t)ks->max_dims[c][1];
        }
        const int is_int = col->type == RC_COL_I64;
        if (col->type == RC_COL_STR) /* texts: fixed length, filled with "" */
            ks->results[c] = make_dataset(ks->group, col->name, ar->reason_type, 1, dims,
                                          zero_reason, col->doc, err);
        else
            ks->results[c] = make_dataset(ks->group, col->name,
                                          is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, rank, dims,
                                          is_int ? (const void *)&ifill : (const void *)&ffill,
                                          col->doc, err);
        FAILED_GOTO(!(ks->results[c] >= 0), RC_ERR_IO);
    }
cleanup:
    if (d >= 0) H5Dclose(d);
    if (params >= 0) H5Gclose(params);
    free(ibuf);
    return st;
}

static rc_status create_task_table(rc_archive *ar, const rc_job *job, int writer, rc_error *err)
{
    rc_status st = RC_OK;
    const int64_t n = job->n_tasks;
    hsize_t dims[1] = {(hsize_t)(n > 0 ? n : 1)};
    hid_t g = -1, d = -1;
    double *buf = rc_calloc((size_t)dims[0], sizeof(double), "task table", err);
    if (!buf) return RC_ERR_NOMEM;
    g = H5Gcreate2(ar->file, "tasks", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5_TRY(g, "creating /tasks");
    static const char *names[5] = {"kind", "kind_index", "cost_flops", "mem_bytes", "ranks"};
    static const char *docs[5] = {"kind code (index into the root attribute 'kinds')",
                                  "row in the kind's group", "estimated flops (cost model)",
                                  "estimated bytes per rank", "ranks the task needs"};
    for (int j = 0; j < 5; ++j) {
        const int is_f = j == 2 || j == 3;
        d = make_dataset(g, names[j], is_f ? H5T_IEEE_F64LE : H5T_STD_I64LE, 1, dims, NULL,
                         docs[j], err);
        FAILED_GOTO(!(d >= 0), RC_ERR_IO);
        if (writer && n > 0) {
            for (int64_t i = 0; i < n; ++i) {
                const rc_task *t = &job->tasks[i];
                if (is_f)
                    buf[i] = j == 2 ? t->cost_flops : t->mem_bytes;
                else
                    ((int64_t *)buf)[i] = j == 0 ? t->kind : j == 1 ? t->kind_index : t->ranks;
            }
            RC_GOTO(write_1d(d, is_f ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, 0, n, buf, names[j],
                             err));
        }
        H5Dclose(d);
        d = -1;
    }
cleanup:
    if (d >= 0) H5Dclose(d);
    if (g >= 0) H5Gclose(g);
    free(buf);
    return st;
}

static char *kinds_list(void)
{
    size_t len = 1;
    for (int k = 0; k < rc_task_kind_count(); ++k) len += strlen(rc_task_kind_get(k)->name) + 1;
    char *s = calloc(len, 1);
    if (!s) return NULL;
    for (int k = 0; k < rc_task_kind_count(); ++k) {
        if (k) strcat(s, ",");
        strcat(s, rc_task_kind_get(k)->name);
    }
    return s;
}

#define RUN_LOG_ROWS 256
#define RUN_LOG_LEN 512

/* One line per run (create or resume) in a preallocated fixed-length string dataset: a resume
 * records itself with a raw-data write, so it changes no HDF5 metadata either. */
static void run_log_line(const rc_archive_run_info *info, char line[RUN_LOG_LEN])
{
    memset(line, 0, RUN_LOG_LEN);
    snprintf(line, RUN_LOG_LEN, "%s mpi_size=%d hosts=%.150s cmd=%.280s", info->date,
             info->mpi_size, info->hosts, info->command_line);
}

static hid_t run_log_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, RUN_LOG_LEN) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Rows of the run log as one malloc'ed block (RUN_LOG_ROWS x RUN_LOG_LEN); NULL on failure. */
static char *run_log_read(hid_t file)
{
    hid_t t = run_log_type(), d = t >= 0 ? H5Dopen2(file, "run_log", H5P_DEFAULT) : -1;
    char *rows = d >= 0 ? calloc(RUN_LOG_ROWS, RUN_LOG_LEN) : NULL;
    if (rows && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0) {
        free(rows);
        rows = NULL;
    }
    if (d >= 0) H5Dclose(d);
    if (t >= 0) H5Tclose(t);
    if (rows)
        for (int r = 0; r < RUN_LOG_ROWS; ++r) rows[(size_t)r * RUN_LOG_LEN + RUN_LOG_LEN - 1] = 0;
    return rows;
}

/* Rank 0 writes the line into the first free row (the last row is reused once all are full). */
static rc_status run_log_append(hid_t file, int writer, const rc_archive_run_info *info,
                                rc_error *err)
{
    rc_status st = RC_OK;
    hid_t t = run_log_type(), d = -1;
    char *rows = NULL;
    H5_TRY(t, "run log type");
    d = H5Dopen2(file, "run_log", H5P_DEFAULT);
    H5_TRY(d, "opening /run_log");
    if (writer) {
        rows = run_log_read(file);
        RC_CHECK_GOTO(rows, err, RC_ERR_IO, "HDF5: reading /run_log failed");
        int r = 0;
        while (r < RUN_LOG_ROWS - 1 && rows[(size_t)r * RUN_LOG_LEN]) ++r;
        char line[RUN_LOG_LEN];
        run_log_line(info, line);
        RC_GOTO(write_1d(d, t, r, 1, line, "run_log", err));
    }
cleanup:
    free(rows);
    if (d >= 0) H5Dclose(d);
    if (t >= 0) H5Tclose(t);
    return st;
}

static rc_status create_run_log(hid_t file, int writer, const rc_archive_run_info *info,
                                rc_error *err)
{
    rc_status st = RC_OK;
    hid_t t = run_log_type();
    if (t < 0) return rc_fail(err, RC_ERR_IO, "HDF5: run log type");
    hsize_t dims[1] = {RUN_LOG_ROWS};
    static const char empty[RUN_LOG_LEN];
    hid_t d = make_dataset(file, "run_log", t, 1, dims, empty,
                           "one line per run of the job: date, MPI size, hosts, command line", err);
    FAILED_GOTO(d < 0, RC_ERR_IO);
    H5Dclose(d);
    RC_GOTO(run_log_append(file, writer, info, err));
cleanup:
    H5Tclose(t);
    return st;
}

static rc_status open_file(const char *path, MPI_Comm comm, int create, hid_t *file, rc_error *err)
{
    rc_status st = RC_OK;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5_TRY(fapl, "H5Pcreate");
    H5_TRY(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), "H5Pset_fapl_mpio");
    *file = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)
                   : H5Fopen(path, H5F_ACC_RDWR, fapl);
    if (*file < 0)
        st = rc_fail(err, create ? RC_ERR_IO : RC_ERR_INPUT, "%s: cannot %s the archive", path,
                     create ? "create" : "open (is it an HDF5 file?)");
cleanup:
    if (fapl >= 0) H5Pclose(fapl);
    return st;
}

static void archive_free(rc_archive *ar)
{
    if (!ar) return;
    if (ar->ks) {
        for (int k = 0; k < ar->n_kinds; ++k) {
            kind_sets *ks = &ar->ks[k];
            for (int c = 0; c < RC_MAX_RESULT_COLS; ++c)
                if (ks->results[c] >= 0) H5Dclose(ks->results[c]);
            hid_t ds[4] = {ks->status, ks->reason, ks->rank, ks->wall};
            for (int j = 0; j < 4; ++j)
                if (ds[j] >= 0) H5Dclose(ds[j]);
            if (ks->group >= 0) H5Gclose(ks->group);
        }
        free(ar->ks);
    }
    if (ar->reason_type >= 0) H5Tclose(ar->reason_type);
    if (ar->lock_fd >= 0) close(ar->lock_fd); /* releases the flock */
    free(ar);
}

/* Rank 0 holds a shared flock on the archive for as long as the run has it open.  The MPI-IO
 * driver takes no lock of its own, and a process that changed the file's metadata meanwhile
 * (h5py in r+ mode, rnnchaos summarize) would corrupt it: both take an exclusive lock first
 * (HDF5's own file locking for h5py; rc_archive_edit_open for summarize) and are refused.
 * Readers take shared locks or none, and are unaffected.  The kernel drops the lock when the
 * process dies, so a killed run leaves no stale lock.  Best effort: on file systems without
 * flock (some NFS set-ups) the lock is silently absent. */
static void hold_run_lock(rc_archive *ar, const char *path)
{
    ar->lock_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (ar->lock_fd >= 0 && flock(ar->lock_fd, LOCK_SH | LOCK_NB) != 0) {
        close(ar->lock_fd);
        ar->lock_fd = -1;
    }
}

static rc_archive *archive_alloc(const rc_job *job, rc_error *err)
{
    rc_archive *ar = rc_calloc(1, sizeof *ar, "archive", err);
    if (!ar) return NULL;
    ar->file = -1;
    ar->lock_fd = -1;
    ar->job = job;
    ar->reason_type = H5Tcopy(H5T_C_S1);
    if (ar->reason_type < 0 || H5Tset_size(ar->reason_type, RC_ARCHIVE_REASON_LEN) < 0 ||
        H5Tset_strpad(ar->reason_type, H5T_STR_NULLTERM) < 0) {
        rc_fail(err, RC_ERR_IO, "HDF5: string type");
        archive_free(ar);
        return NULL;
    }
    if (setup_kinds(ar, job, err) != RC_OK) {
        archive_free(ar);
        return NULL;
    }
    return ar;
}

rc_status rc_archive_create(const char *path, const rc_job *job, MPI_Comm comm,
                            const rc_archive_run_info *info, rc_archive **out, rc_error *err)
{
    silence_hdf5();
    *out = NULL;
    int rank;
    MPI_Comm_rank(comm, &rank);
    rc_status st = RC_OK;
    char *kinds = NULL, *tmp = NULL;
    rc_archive *ar = archive_alloc(job, err);
    if (!ar) return err ? err->status : RC_ERR_NOMEM;
    /* Laid out under a temporary name and linked to path only when complete: a process killed
     * while the archive is being created leaves no file at path, so "path exists" always means
     * "a complete archive" (--resume then has something valid to continue). */
    tmp = malloc(strlen(path) + 16);
    RC_CHECK_GOTO(tmp, err, RC_ERR_NOMEM, "out of memory");
    sprintf(tmp, "%s.creating", path);
    RC_GOTO(open_file(tmp, comm, 1, &ar->file, err));
    const int writer = rank == 0;
    kinds = kinds_list();
    RC_CHECK_GOTO(kinds, err, RC_ERR_NOMEM, "out of memory");
    /* root attributes: collective, identical values on every rank */
    RC_GOTO(attr_write_string(ar->file, "format", RC_ARCHIVE_FORMAT, err));
    RC_GOTO(attr_write_int64(ar->file, "format_version", RC_ARCHIVE_FORMAT_VERSION, err));
    RC_GOTO(attr_write_string(ar->file, "program_version", RC_VERSION_STRING, err));
    RC_GOTO(attr_write_string(ar->file, "git_commit", RC_GIT_COMMIT, err));
    RC_GOTO(attr_write_string(ar->file, "created", info->date, err));
    RC_GOTO(attr_write_string(ar->file, "command_line", info->command_line, err));
    RC_GOTO(attr_write_int64(ar->file, "mpi_size", info->mpi_size, err));
    RC_GOTO(attr_write_string(ar->file, "hosts", info->hosts, err));
    RC_GOTO(attr_write_string(ar->file, "job_file", job->name, err));
    RC_GOTO(attr_write_string(ar->file, "job_text", job->text, err));
    RC_GOTO(attr_write_string(ar->file, "job_sha256", job->sha256, err));
    RC_GOTO(attr_write_int64(ar->file, "n_tasks", job->n_tasks, err));
    RC_GOTO(attr_write_string(ar->file, "kinds", kinds, err));
    RC_GOTO(create_run_log(ar->file, writer, info, err));
    RC_GOTO(create_task_table(ar, job, writer, err));
    for (int k = 0; k < ar->n_kinds; ++k)
        if (ar->ks[k].kind) RC_GOTO(create_kind(ar, job, &ar->ks[k], writer, err));
    /* Written last: a file without it was cut off while being laid out. */
    RC_GOTO(attr_write_int64(ar->file, "layout_complete", 1, err));
    MPI_Barrier(comm); /* rank 0's table writes are in before the metadata goes to disk */
    H5_TRY(H5Fflush(ar->file, H5F_SCOPE_GLOBAL), "H5Fflush");
    MPI_Barrier(comm);
    int linked = 1;
    if (rank == 0) {
        /* link() refuses to replace a file that appeared meanwhile; rename() where the file
         * system has no hard links. */
        if (link(tmp, path) == 0)
            unlink(tmp);
        else if (errno == EEXIST)
            linked = 0;
        else
            linked = rename(tmp, path) == 0 ? 1 : -1;
    }
    MPI_Bcast(&linked, 1, MPI_INT, 0, comm);
    RC_CHECK_GOTO(linked == 1, err, linked == 0 ? RC_ERR_INPUT : RC_ERR_IO,
                  linked == 0 ? "%s appeared while the archive was being created"
                              : "%s: cannot rename the new archive into place", path);
    if (rank == 0) hold_run_lock(ar, path);
    *out = ar;
cleanup:
    free(kinds);
    free(tmp);
    if (st != RC_OK) {
        hid_t f = ar->file;
        archive_free(ar);
        if (f >= 0) H5Fclose(f);
        if (rank == 0 && tmp) unlink(tmp);
    }
    return st;
}

static rc_status open_kind(rc_archive *ar, kind_sets *ks, const char *path, rc_error *err)
{
    rc_status st = RC_OK;
    ks->group = H5Gopen2(ar->file, ks->kind->name, H5P_DEFAULT);
    RC_CHECK(ks->group >= 0, err, RC_ERR_INPUT, "%s: has no group /%s", path, ks->kind->name);
    const char *names[4] = {"status", "reason", "rank", "wall_s"};
    hid_t *sets[4] = {&ks->status, &ks->reason, &ks->rank, &ks->wall};
    for (int j = 0; j < 4; ++j) {
        *sets[j] = H5Dopen2(ks->group, names[j], H5P_DEFAULT);
        RC_CHECK(*sets[j] >= 0, err, RC_ERR_INPUT, "%s: has no dataset /%s/%s", path,
                 ks->kind->name, names[j]);
    }
    for (int c = 0; c < ks->kind->n_results; ++c) {
        const rc_result_column *col = &ks->kind->results[c];
        ks->results[c] = H5Dopen2(ks->group, col->name, H5P_DEFAULT);
        RC_CHECK(ks->results[c] >= 0, err, RC_ERR_INPUT, "%s: has no dataset /%s/%s", path,
                 ks->kind->name, col->name);
        /* the layout must hold this job's results */
        hid_t sp = H5Dget_space(ks->results[c]);
        hsize_t dims[3] = {0, 0, 0};
        int nd = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
        if (sp >= 0) H5Sclose(sp);
        int ok = nd == 1 + col->ndim && (int64_t)dims[0] >= ks->n;
        if (ok && col->ndim == 1) ok = (int64_t)dims[1] >= ks->max_dims[c][1];
        if (ok && col->ndim == 2)
            ok = (int64_t)dims[1] >= ks->max_dims[c][0] && (int64_t)dims[2] >= ks->max_dims[c][1];
        RC_CHECK(ok, err, RC_ERR_INPUT, "%s: /%s/%s does not have the shape this job needs",
                 path, ks->kind->name, col->name);
    }
    return st;
}

rc_status rc_archive_open_resume(const char *path, const rc_job *job, MPI_Comm comm,
                                 const rc_archive_run_info *info, rc_archive **out,
                                 rc_error *err)
{
    silence_hdf5();
    *out = NULL;
    rc_status st = RC_OK;
    char *format = NULL, *sha = NULL;
    rc_archive *ar = archive_alloc(job, err);
    if (!ar) return err ? err->status : RC_ERR_NOMEM;
    RC_GOTO(open_file(path, comm, 0, &ar->file, err));
    format = attr_read_string(ar->file, "format");
    int64_t version = 0, complete = 0;
    RC_CHECK_GOTO(format && strcmp(format, RC_ARCHIVE_FORMAT) == 0, err, RC_ERR_INPUT,
                  "%s: not an rnnchaos archive (no attribute format = '%s')", path,
                  RC_ARCHIVE_FORMAT);
    RC_CHECK_GOTO(attr_read_int64(ar->file, "format_version", &version) == 0 &&
                      version == RC_ARCHIVE_FORMAT_VERSION,
                  err, RC_ERR_INPUT, "%s: archive format version %lld, this program writes %d",
                  path, (long long)version, RC_ARCHIVE_FORMAT_VERSION);
    RC_CHECK_GOTO(attr_read_int64(ar->file, "layout_complete", &complete) == 0 && complete == 1,
                  err, RC_ERR_INPUT, "%s: the archive is incomplete (cut off while it was being "
                  "created, no task ran): delete it and start again", path);
    sha = attr_read_string(ar->file, "job_sha256");
    RC_CHECK_GOTO(sha && strcmp(sha, job->sha256) == 0, err, RC_ERR_INPUT,
                  "%s: was written by a different job file (sha256 %.12s..., this job %.12s...): "
                  "--resume needs the job file that created it; choose another -o for a new run",
                  path, sha ? sha : "?", job->sha256);
    for (int k = 0; k < ar->n_kinds; ++k)
        if (ar->ks[k].kind) RC_GOTO(open_kind(ar, &ar->ks[k], path, err));
    int rank;
    MPI_Comm_rank(comm, &rank);
    RC_GOTO(run_log_append(ar->file, rank == 0, info, err));
    if (rank == 0) hold_run_lock(ar, path);
    *out = ar;
cleanup:
    free(format);
    free(sha);
    if (st != RC_OK) {
        hid_t f = ar->file;
        archive_free(ar);
        if (f >= 0) H5Fclose(f);
    }
    return st;
}

rc_status rc_archive_read_status(rc_archive *ar, int8_t *status, rc_error *err)
{
    rc_status st = RC_OK;
    for (int k = 0; k < ar->n_kinds; ++k) {
        kind_sets *ks = &ar->ks[k];
        if (!ks->kind || ks->n == 0) continue;
        hsize_t start = 0, cnt = (hsize_t)ks->n;
        hid_t fs = H5Dget_space(ks->status), ms = H5Screate_simple(1, &cnt, NULL);
        herr_t r = fs >= 0 && ms >= 0 ? H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL) : -1;
        if (r >= 0)
            r = H5Dread(ks->status, H5T_NATIVE_INT8, ms, fs, H5P_DEFAULT, status + ks->first_task);
        if (ms >= 0) H5Sclose(ms);
        if (fs >= 0) H5Sclose(fs);
        RC_CHECK(r >= 0, err, RC_ERR_IO, "HDF5: reading /%s/status failed", ks->kind->name);
    }
    return st;
}

static rc_status write_run_columns(kind_sets *ks, int64_t row, int rank, double wall_s,
                                   rc_error *err)
{
    RC_TRY(write_1d(ks->rank, H5T_NATIVE_INT, row, 1, &rank, "rank", err));
    return write_1d(ks->wall, H5T_NATIVE_DOUBLE, row, 1, &wall_s, "wall_s", err);
}

static rc_status write_status(kind_sets *ks, int64_t row, int8_t status, rc_error *err)
{
    return write_1d(ks->status, H5T_NATIVE_INT8, row, 1, &status, "status", err);
}

rc_status rc_archive_write_done(rc_archive *ar, const rc_task *task, const rc_task_output *out,
                                int rank, double wall_s, rc_error *err)
{
    kind_sets *ks = &ar->ks[task->kind];
    RC_CHECK(ks->kind, err, RC_ERR_INTERNAL, "archive has no kind %d", task->kind);
    const int64_t row = task->kind_index;
    for (int c = 0; c < ks->kind->n_results; ++c) {
        const rc_result_column *col = &ks->kind->results[c];
        const rc_cell *cell = &out->cells[c];
        if (col->ndim == 0) {
            if (col->type == RC_COL_STR) {
                char text[RC_RESULT_STR_LEN];
                memset(text, 0, sizeof text);
                snprintf(text, sizeof text, "%s", cell->s ? cell->s : "");
                RC_TRY(write_1d(ks->results[c], ar->reason_type, row, 1, text, col->name, err));
            } else if (col->type == RC_COL_I64)
                RC_TRY(write_1d(ks->results[c], H5T_NATIVE_INT64, row, 1, &cell->i, col->name, err));
            else
                RC_TRY(write_1d(ks->results[c], H5T_NATIVE_DOUBLE, row, 1, &cell->f, col->name, err));
            continue;
        }
        int64_t d0 = cell->dims[0], d1 = cell->dims[1];
        if (col->ndim == 1) d0 = 1;
        RC_CHECK(d0 >= 0 && d1 >= 0 && (col->ndim == 1 || d0 <= ks->max_dims[c][0]) &&
                     d1 <= ks->max_dims[c][1] && (cell->a || d0 * d1 == 0),
                 err, RC_ERR_INTERNAL, "task %lld: result %s of shape %lld x %lld exceeds the "
                 "archive's %lld x %lld", (long long)task->id, col->name, (long long)d0,
                 (long long)d1, (long long)ks->max_dims[c][0], (long long)ks->max_dims[c][1]);
        RC_TRY(write_row_block(ks->results[c], col->ndim, row, d0, d1, cell->a, col->name, err));
    }
    RC_TRY(write_run_columns(ks, row, rank, wall_s, err));
    return write_status(ks, row, RC_TASK_DONE, err);
}

rc_status rc_archive_write_failed(rc_archive *ar, const rc_task *task, const char *reason,
                                  int rank, double wall_s, rc_error *err)
{
    kind_sets *ks = &ar->ks[task->kind];
    RC_CHECK(ks->kind, err, RC_ERR_INTERNAL, "archive has no kind %d", task->kind);
    const int64_t row = task->kind_index;
    /* A task cut off earlier may have left partial rows: reset them to the fill values. */
    for (int c = 0; c < ks->kind->n_results; ++c) {
        const rc_result_column *col = &ks->kind->results[c];
        double ffill;
        int64_t ifill;
        result_fill(col, &ffill, &ifill);
        if (col->ndim == 0) {
            if (col->type == RC_COL_STR) {
                const char empty[RC_RESULT_STR_LEN] = {0};
                RC_TRY(write_1d(ks->results[c], ar->reason_type, row, 1, empty, col->name, err));
            } else if (col->type == RC_COL_I64)
                RC_TRY(write_1d(ks->results[c], H5T_NATIVE_INT64, row, 1, &ifill, col->name, err));
            else
                RC_TRY(write_1d(ks->results[c], H5T_NATIVE_DOUBLE, row, 1, &ffill, col->name, err));
            continue;
        }
        const int64_t d0 = col->ndim == 2 ? ks->max_dims[c][0] : 1, d1 = ks->max_dims[c][1];
        double *nan = rc_calloc((size_t)(d0 * d1), sizeof(double), "fill row", err);
        if (!nan) return RC_ERR_NOMEM;
        for (int64_t i = 0; i < d0 * d1; ++i) nan[i] = ffill;
        rc_status st = write_row_block(ks->results[c], col->ndim, row, d0, d1, nan, col->name, err);
        free(nan);
        RC_TRY(st);
    }
    char buf[RC_ARCHIVE_REASON_LEN];
    memset(buf, 0, sizeof buf);
    snprintf(buf, sizeof buf, "%s", reason ? reason : "");
    RC_TRY(write_1d(ks->reason, ar->reason_type, row, 1, buf, "reason", err));
    RC_TRY(write_run_columns(ks, row, rank, wall_s, err));
    return write_status(ks, row, RC_TASK_FAILED, err);
}

rc_status rc_archive_close(rc_archive *ar, rc_error *err)
{
    if (!ar) return RC_OK;
    hid_t f = ar->file;
    archive_free(ar);
    RC_CHECK(f < 0 || H5Fclose(f) >= 0, err, RC_ERR_IO, "HDF5: closing the archive failed");
    return RC_OK;
}

double rc_archive_estimate_bytes(const rc_job *job)
{
    double bytes = 40.0 * (double)job->n_tasks; /* /tasks */
    for (int s = 0; s < job->n_sections; ++s) {
        const rc_job_section *sec = &job->sections[s];
        kind_sets ks;
        memset(&ks, 0, sizeof ks);
        ks.kind = rc_task_kind_get(sec->kind);
        ks.n = sec->n_tasks;
        ks.first_task = sec->first_task;
        kind_max_dims(job, &ks);
        double per_task = 24.0 + 8.0 * ks.kind->n_params + 1 + RC_ARCHIVE_REASON_LEN + 4 + 8;
        for (int c = 0; c < ks.kind->n_results; ++c)
            per_task += ks.kind->results[c].type == RC_COL_STR
                            ? (double)RC_RESULT_STR_LEN
                            : 8.0 * (double)(ks.kind->results[c].ndim == 0 ? 1
                                       : ks.kind->results[c].ndim == 1
                                           ? ks.max_dims[c][1]
                                           : ks.max_dims[c][0] * ks.max_dims[c][1]);
        bytes += per_task * (double)sec->n_tasks;
    }
    return bytes;
}

/* ---- reading ------------------------------------------------------------------------------ */

static hid_t open_read(const char *path, rc_error *err)
{
    silence_hdf5();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) {
        rc_fail(err, RC_ERR_IO, "HDF5: H5Pcreate failed");
        return -1;
    }
    /* A running job keeps the file open for writing; it changes no metadata while it runs, so
     * reading it without a lock is safe. */
    H5Pset_file_locking(fapl, 0, 1);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f < 0) rc_fail(err, RC_ERR_INPUT, "%s: cannot open (not an HDF5 file, or missing)", path);
    return f;
}

static rc_status read_dataset(hid_t loc, const char *name, hid_t memtype, size_t elem,
                              void **data, int *ndim, int64_t dims[3], rc_error *err)
{
    rc_status st = RC_OK;
    *data = NULL;
    hid_t d = -1, sp = -1;
    RC_CHECK(H5Lexists(loc, name, H5P_DEFAULT) > 0, err, RC_ERR_INPUT, "no dataset '%s'", name);
    d = H5Dopen2(loc, name, H5P_DEFAULT);
    H5_TRY(d, name);
    sp = H5Dget_space(d);
    H5_TRY(sp, name);
    hsize_t hd[3] = {1, 1, 1};
    int nd = H5Sget_simple_extent_ndims(sp);
    RC_CHECK_GOTO(nd >= 1 && nd <= 3, err, RC_ERR_INPUT, "dataset '%s' has rank %d", name, nd);
    H5_TRY(H5Sget_simple_extent_dims(sp, hd, NULL), name);
    size_t total = 1;
    for (int j = 0; j < nd; ++j) total *= (size_t)hd[j];
    *data = rc_calloc(total ? total : 1, elem, name, err);
    FAILED_GOTO(!(*data), RC_ERR_NOMEM);
    H5_TRY(H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data), name);
    if (ndim) *ndim = nd;
    if (dims)
        for (int j = 0; j < 3; ++j) dims[j] = j < nd ? (int64_t)hd[j] : 1;
cleanup:
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    if (st != RC_OK) {
        free(*data);
        *data = NULL;
    }
    return st;
}

rc_status rc_archive_read_doubles(const char *path, const char *dataset, double **data,
                                  int *ndim, int64_t dims[3], rc_error *err)
{
    hid_t f = open_read(path, err);
    if (f < 0) return RC_ERR_INPUT;
    void *p = NULL;
    rc_status st = read_dataset(f, dataset, H5T_NATIVE_DOUBLE, sizeof(double), &p, ndim, dims, err);
    if (st != RC_OK) rc_error_prefix(err, "%s", path);
    H5Fclose(f);
    *data = p;
    return st;
}

void rc_archive_info_free(rc_archive_info *info)
{
    if (!info) return;
    char *strs[9] = {info->program_version, info->git_commit, info->created, info->command_line,
                     info->hosts, info->job_file, info->job_text, info->job_sha256,
                     info->run_log};
    for (int j = 0; j < 9; ++j) free(strs[j]);
    free(info->kinds);
    free(info->failures);
    memset(info, 0, sizeof *info);
}

rc_status rc_archive_info_read(const char *path, rc_archive_info *info, rc_error *err)
{
    memset(info, 0, sizeof *info);
    hid_t f = open_read(path, err);
    if (f < 0) return RC_ERR_INPUT;
    rc_status st = RC_OK;
    char *format = NULL, *kinds = NULL;
    int8_t *status = NULL;
    int64_t *ids = NULL;
    char *reasons = NULL;
    hid_t g = -1;
    format = attr_read_string(f, "format");
    RC_CHECK_GOTO(format && strcmp(format, RC_ARCHIVE_FORMAT) == 0, err, RC_ERR_INPUT,
                  "%s: not an rnnchaos archive", path);
    info->program_version = attr_read_string(f, "program_version");
    info->git_commit = attr_read_string(f, "git_commit");
    info->created = attr_read_string(f, "created");
    info->command_line = attr_read_string(f, "command_line");
    info->hosts = attr_read_string(f, "hosts");
    info->job_file = attr_read_string(f, "job_file");
    info->job_text = attr_read_string(f, "job_text");
    info->job_sha256 = attr_read_string(f, "job_sha256");
    char *rows = run_log_read(f);
    if (rows) {
        info->run_log = calloc(RUN_LOG_ROWS, RUN_LOG_LEN + 1);
        for (int r = 0; info->run_log && r < RUN_LOG_ROWS; ++r) {
            const char *row = rows + (size_t)r * RUN_LOG_LEN;
            if (!row[0]) continue;
            strcat(info->run_log, row);
            strcat(info->run_log, "\n");
            info->runs++;
        }
        free(rows);
    }
    attr_read_int64(f, "mpi_size", &info->mpi_size);
    attr_read_int64(f, "n_tasks", &info->n_tasks);
    int64_t complete = 0;
    RC_CHECK_GOTO(attr_read_int64(f, "layout_complete", &complete) == 0 && complete == 1, err,
                  RC_ERR_INPUT, "%s: the archive was cut off while it was being created", path);
    kinds = attr_read_string(f, "kinds");
    RC_CHECK_GOTO(kinds, err, RC_ERR_INPUT, "%s: no attribute 'kinds'", path);
    int n_names = 1;
    for (const char *c = kinds; *c; ++c) n_names += *c == ',';
    info->kinds = rc_calloc((size_t)n_names, sizeof(rc_archive_kind_info), "kinds", err);
    FAILED_GOTO(!(info->kinds), RC_ERR_NOMEM);
    for (char *tok = strtok(kinds, ","); tok; tok = strtok(NULL, ",")) {
        if (H5Lexists(f, tok, H5P_DEFAULT) <= 0) continue;
        g = H5Gopen2(f, tok, H5P_DEFAULT);
        H5_TRY(g, tok);
        rc_archive_kind_info *ki = &info->kinds[info->n_kinds++];
        snprintf(ki->kind, sizeof ki->kind, "%s", tok);
        attr_read_int64(g, "n_tasks", &ki->n_tasks);
        attr_read_int64(g, "first_task", &ki->first_task);
        int nd;
        int64_t dims[3];
        RC_GOTO(read_dataset(g, "status", H5T_NATIVE_INT8, 1, (void **)&status, &nd, dims, err));
        RC_GOTO(read_dataset(g, "task_id", H5T_NATIVE_INT64, 8, (void **)&ids, &nd, dims, err));
        hid_t rt = H5Tcopy(H5T_C_S1);
        H5Tset_size(rt, RC_ARCHIVE_REASON_LEN);
        st = read_dataset(g, "reason", rt, RC_ARCHIVE_REASON_LEN, (void **)&reasons, &nd, dims, err);
        H5Tclose(rt);
        RC_GOTO(st);
        int64_t nf = 0;
        for (int64_t i = 0; i < ki->n_tasks; ++i) {
            ki->done += status[i] == RC_TASK_DONE;
            ki->failed += status[i] == RC_TASK_FAILED;
            ki->pending += status[i] == RC_TASK_PENDING;
            nf += status[i] == RC_TASK_FAILED;
        }
        if (nf) {
            rc_archive_failure *fl = realloc(info->failures, (size_t)(info->n_failures + nf) *
                                                                 sizeof *fl);
            RC_CHECK_GOTO(fl, err, RC_ERR_NOMEM, "out of memory");
            info->failures = fl;
            for (int64_t i = 0; i < ki->n_tasks; ++i) {
                if (status[i] != RC_TASK_FAILED) continue;
                rc_archive_failure *x = &info->failures[info->n_failures++];
                x->task = ids[i];
                snprintf(x->kind, sizeof x->kind, "%s", tok);
                memcpy(x->reason, reasons + (size_t)i * RC_ARCHIVE_REASON_LEN, RC_ARCHIVE_REASON_LEN);
                x->reason[RC_ARCHIVE_REASON_LEN - 1] = '\0';
            }
        }
        info->done += ki->done;
        info->failed += ki->failed;
        info->pending += ki->pending;
        free(status);
        free(ids);
        free(reasons);
        status = NULL;
        ids = NULL;
        reasons = NULL;
        H5Gclose(g);
        g = -1;
    }
cleanup:
    if (g >= 0) H5Gclose(g);
    free(status);
    free(ids);
    free(reasons);
    free(format);
    free(kinds);
    H5Fclose(f);
    if (st != RC_OK) rc_archive_info_free(info);
    return st;
}

rc_status rc_archive_read_strings(const char *path, const char *dataset, char **data, int64_t *n,
                                  size_t *width, rc_error *err)
{
    *data = NULL;
    *n = 0;
    *width = 0;
    hid_t f = open_read(path, err);
    if (f < 0) return RC_ERR_INPUT;
    rc_status st = RC_OK;
    hid_t d = -1, ft = -1, mt = -1, sp = -1;
    char **vl = NULL;
    RC_CHECK_GOTO(H5Lexists(f, dataset, H5P_DEFAULT) > 0, err, RC_ERR_INPUT,
                  "%s: no dataset '%s'", path, dataset);
    d = H5Dopen2(f, dataset, H5P_DEFAULT);
    H5_TRY(d, dataset);
    ft = H5Dget_type(d);
    sp = H5Dget_space(d);
    H5_TRY(ft, dataset);
    H5_TRY(sp, dataset);
    RC_CHECK_GOTO(H5Tget_class(ft) == H5T_STRING && H5Sget_simple_extent_ndims(sp) == 1, err,
                  RC_ERR_INPUT, "%s: '%s' is not a list of strings", path, dataset);
    hsize_t cnt = 0;
    H5_TRY(H5Sget_simple_extent_dims(sp, &cnt, NULL), dataset);
    if (H5Tis_variable_str(ft) > 0) {
        vl = rc_calloc((size_t)cnt + 1, sizeof(char *), dataset, err);
        FAILED_GOTO(!vl, RC_ERR_NOMEM);
        mt = H5Tcopy(ft);
        H5_TRY(mt, dataset);
        H5_TRY(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl), dataset);
        size_t w = 1;
        for (hsize_t i = 0; i < cnt; ++i)
            if (vl[i] && strlen(vl[i]) + 1 > w) w = strlen(vl[i]) + 1;
        *data = rc_calloc((size_t)cnt + 1, w, dataset, err);
        if (*data)
            for (hsize_t i = 0; i < cnt; ++i)
                if (vl[i]) memcpy(*data + i * w, vl[i], strlen(vl[i]));
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, vl);
        FAILED_GOTO(!*data, RC_ERR_NOMEM);
        *width = w;
    } else {
        const size_t w = H5Tget_size(ft) + 1;
        mt = H5Tcopy(H5T_C_S1);
        H5_TRY(mt, dataset);
        H5_TRY(H5Tset_size(mt, w), dataset);
        H5_TRY(H5Tset_strpad(mt, H5T_STR_NULLTERM), dataset);
        *data = rc_calloc((size_t)cnt + 1, w, dataset, err);
        FAILED_GOTO(!*data, RC_ERR_NOMEM);
        H5_TRY(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data), dataset);
        *width = w;
    }
    *n = (int64_t)cnt;
cleanup:
    free(vl);
    if (st != RC_OK) {
        free(*data);
        *data = NULL;
    }
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    H5Fclose(f);
    return st;
}

int rc_archive_has(const char *path, const char *object)
{
    rc_error err;
    hid_t f = open_read(path, &err);
    if (f < 0) return 0;
    /* every component must exist for H5Lexists on the whole path */
    char buf[RC_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", object);
    int ok = 1;
    for (char *p = buf; ok; ++p) {
        if (*p == '/' || *p == '\0') {
            const char c = *p;
            *p = '\0';
            if (buf[0]) ok = H5Lexists(f, buf, H5P_DEFAULT) > 0;
            *p = c;
            if (c == '\0') break;
        }
    }
    H5Fclose(f);
    return ok;
}

struct rc_archive_edit {
    hid_t file;
    int lock_fd; /* exclusive flock held while editing (see hold_run_lock) */
    char path[RC_PATH_MAX];
};

rc_status rc_archive_edit_open(const char *path, rc_archive_edit **out, rc_error *err)
{
    silence_hdf5();
    *out = NULL;
    rc_archive_info info;
    RC_TRY(rc_archive_info_read(path, &info, err)); /* a complete rnnchaos archive */
    rc_archive_info_free(&info);
    rc_archive_edit *ed = rc_calloc(1, sizeof *ed, "archive editor", err);
    if (!ed) return RC_ERR_NOMEM;
    snprintf(ed->path, sizeof ed->path, "%s", path);
    /* Our own exclusive lock, whatever HDF5_USE_FILE_LOCKING says: a running job (which holds
     * a shared one) or another editor makes this fail instead of corrupting the file. */
    ed->lock_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (ed->lock_fd < 0) {
        free(ed);
        return rc_fail(err, RC_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    }
    if (flock(ed->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        const int e = errno;
        close(ed->lock_fd);
        free(ed);
        if (e == EWOULDBLOCK)
            return rc_fail(err, RC_ERR_INPUT, "%s: a run (or another summarize) has the archive "
                           "open: summarize after it has finished, or use --no-write", path);
        return rc_fail(err, RC_ERR_INPUT, "%s: cannot lock the archive: %s", path, strerror(e));
    }
    /* HDF5's own flock would conflict with ours (flock locks belong to open files, not
     * processes): ours is the lock. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0) H5Pset_file_locking(fapl, 0, 1);
    ed->file = fapl >= 0 ? H5Fopen(path, H5F_ACC_RDWR, fapl) : -1;
    if (fapl >= 0) H5Pclose(fapl);
    if (ed->file < 0) {
        close(ed->lock_fd);
        free(ed);
        return rc_fail(err, RC_ERR_INPUT, "%s: cannot open for writing (read-only?)", path);
    }
    *out = ed;
    return RC_OK;
}

rc_status rc_archive_edit_remove(rc_archive_edit *ed, const char *object, rc_error *err)
{
    if (H5Lexists(ed->file, object, H5P_DEFAULT) <= 0) return RC_OK;
    RC_CHECK(H5Ldelete(ed->file, object, H5P_DEFAULT) >= 0, err, RC_ERR_IO,
             "%s: HDF5: removing /%s failed", ed->path, object);
    return RC_OK;
}

/* A new dataset with intermediate groups, written in one go. */
static rc_status edit_put(rc_archive_edit *ed, const char *name, hid_t ftype, hid_t mtype,
                          int rank, const hsize_t *dims, const void *data, const char *doc,
                          rc_error *err)
{
    rc_status st = RC_OK;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), sp = -1, d = -1;
    H5_TRY(lcpl, "H5Pcreate");
    H5_TRY(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group");
    sp = H5Screate_simple(rank, dims, NULL);
    H5_TRY(sp, "H5Screate_simple");
    d = H5Dcreate2(ed->file, name, ftype, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    RC_CHECK_GOTO(d >= 0, err, RC_ERR_IO, "%s: HDF5: creating /%s failed", ed->path, name);
    hsize_t total = 1;
    for (int j = 0; j < rank; ++j) total *= dims[j];
    if (total > 0)
        RC_CHECK_GOTO(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0, err,
                      RC_ERR_IO, "%s: HDF5: writing /%s failed", ed->path, name);
    if (doc) RC_GOTO(attr_write_string(d, "description", doc, err));
cleanup:
    if (d >= 0) H5Dclose(d);
    if (sp >= 0) H5Sclose(sp);
    if (lcpl >= 0) H5Pclose(lcpl);
    return st;
}

rc_status rc_archive_edit_put_doubles(rc_archive_edit *ed, const char *name, int ndim,
                                      const int64_t *dims, const double *data, const char *doc,
                                      rc_error *err)
{
    RC_CHECK(ndim == 1 || ndim == 2, err, RC_ERR_INTERNAL, "/%s: rank %d", name, ndim);
    hsize_t hd[2] = {(hsize_t)dims[0], ndim == 2 ? (hsize_t)dims[1] : 1};
    return edit_put(ed, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ndim, hd, data, doc, err);
}

rc_status rc_archive_edit_put_int64(rc_archive_edit *ed, const char *name, int64_t n,
                                    const int64_t *data, const char *doc, rc_error *err)
{
    hsize_t hd[1] = {(hsize_t)n};
    return edit_put(ed, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, hd, data, doc, err);
}

rc_status rc_archive_edit_put_strings(rc_archive_edit *ed, const char *name, int64_t n,
                                      const char *const *data, const char *doc, rc_error *err)
{
    size_t w = 2;
    for (int64_t i = 0; i < n; ++i)
        if (data[i] && strlen(data[i]) + 1 > w) w = strlen(data[i]) + 1;
    char *buf = rc_calloc((size_t)(n > 0 ? n : 1), w, name, err);
    if (!buf) return RC_ERR_NOMEM;
    for (int64_t i = 0; i < n; ++i)
        if (data[i]) memcpy(buf + (size_t)i * w, data[i], strlen(data[i]));
    rc_status st = RC_OK;
    hid_t t = H5Tcopy(H5T_C_S1);
    H5_TRY(t, "H5Tcopy");
    H5_TRY(H5Tset_size(t, w), "H5Tset_size");
    H5_TRY(H5Tset_strpad(t, H5T_STR_NULLTERM), "H5Tset_strpad");
    hsize_t hd[1] = {(hsize_t)n};
    st = edit_put(ed, name, t, t, 1, hd, buf, doc, err);
cleanup:
    if (t >= 0) H5Tclose(t);
    free(buf);
    return st;
}

rc_status rc_archive_edit_put_attr(rc_archive_edit *ed, const char *object, const char *name,
                                   const char *value, rc_error *err)
{
    rc_status st = RC_OK;
    hid_t o = H5Oopen(ed->file, object, H5P_DEFAULT);
    RC_CHECK(o >= 0, err, RC_ERR_IO, "%s: HDF5: no object /%s", ed->path, object);
    st = attr_write_string(o, name, value, err);
    H5Oclose(o);
    return st;
}

rc_status rc_archive_edit_close(rc_archive_edit *ed, rc_error *err)
{
    if (!ed) return RC_OK;
    herr_t a = H5Fflush(ed->file, H5F_SCOPE_GLOBAL), b = H5Fclose(ed->file);
    char path[RC_PATH_MAX];
    snprintf(path, sizeof path, "%s", ed->path);
    close(ed->lock_fd);
    free(ed);
    RC_CHECK(a >= 0 && b >= 0, err, RC_ERR_IO, "%s: HDF5: closing after the summary failed", path);
    return RC_OK;
}
