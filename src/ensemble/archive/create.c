/* Creating an archive (archive.h): the layout of every group, dataset and attribute, laid out
 * collectively under a temporary name and linked into place when complete; the size estimate. */
#include "archive_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "rnnchaos/par.h"
#include "rnnchaos/parse.h"
#include "rnnchaos_version.h"

rc_status rc_ar_result_fill(const rc_result_column *col, double *ffill, int64_t *ifill)
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
        hid_t ftype = col->type == RC_COL_PHI ? phi_t : rc_ar_col_h5_type(col->type);
        hid_t d = rc_ar_make_dataset(params, col->name, ftype, 1, dims, NULL, col->doc, err);
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
            const hid_t mtype = col->type == RC_COL_PHI ? phi_t : rc_ar_col_h5_type(col->type);
            st = n > 0 ? rc_ar_write_1d(d, mtype, 0, n, buf, col->name, err) : RC_OK;
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
    RC_GOTO(rc_ar_attr_write_int64(ks->group, "n_tasks", n, err));
    RC_GOTO(rc_ar_attr_write_int64(ks->group, "first_task", ks->first_task, err));
    RC_GOTO(rc_ar_attr_write_string(ks->group, "headline", ks->kind->headline, err));

    /* task ids and realisations */
    ibuf = rc_calloc((size_t)dims[0], sizeof(int64_t), "id column", err);
    FAILED_GOTO(!(ibuf), RC_ERR_NOMEM);
    const char *id_names[3] = {"task_id", "realization", "combo"};
    const char *id_docs[3] = {"global task id", "realisation index (added to the seeds)",
                              "parameter combination within the section"};
    for (int j = 0; j < 3; ++j) {
        d = rc_ar_make_dataset(ks->group, id_names[j], H5T_STD_I64LE, 1, dims, NULL, id_docs[j],
                               err);
        FAILED_GOTO(!(d >= 0), RC_ERR_IO);
        if (writer && n > 0) {
            for (int64_t i = 0; i < n; ++i) {
                const rc_task *t = &job->tasks[ks->first_task + i];
                ibuf[i] = j == 0 ? t->id : j == 1 ? t->realization : t->combo;
            }
            RC_GOTO(rc_ar_write_1d(d, H5T_NATIVE_INT64, 0, n, ibuf, id_names[j], err));
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
    ks->status = rc_ar_make_dataset(ks->group, "status", H5T_STD_I8LE, 1, dims, &pending,
                              "0 pending, 1 done, 2 failed; written after the task's results", err);
    FAILED_GOTO(!(ks->status >= 0), RC_ERR_IO);
    const char zero_reason[RC_ARCHIVE_REASON_LEN] = {0};
    ks->reason = rc_ar_make_dataset(ks->group, "reason", ar->reason_type, 1, dims, zero_reason,
                              "why a failed task failed", err);
    FAILED_GOTO(!(ks->reason >= 0), RC_ERR_IO);
    ks->rank = rc_ar_make_dataset(ks->group, "rank", H5T_STD_I32LE, 1, dims, &minus1,
                            "MPI rank that ran the task (-1: not run)", err);
    FAILED_GOTO(!(ks->rank >= 0), RC_ERR_IO);
    ks->wall = rc_ar_make_dataset(ks->group, "wall_s", H5T_IEEE_F64LE, 1, dims, &nan,
                            "wall-clock time of the task (s)", err);
    FAILED_GOTO(!(ks->wall >= 0), RC_ERR_IO);
    for (int c = 0; c < ks->kind->n_results; ++c) {
        const rc_result_column *col = &ks->kind->results[c];
        double ffill;
        int64_t ifill;
        rc_ar_result_fill(col, &ffill, &ifill);
        int rank = 1 + col->ndim;
        if (col->ndim == 1) dims[1] = (hsize_t)ks->max_dims[c][1];
        if (col->ndim == 2) {
            dims[1] = (hsize_t)ks->max_dims[c][0];
            dims[2] = (hsize_t)ks->max_dims[c][1];
        }
        const int is_int = col->type == RC_COL_I64;
        if (col->type == RC_COL_STR) /* texts: fixed length, filled with "" */
            ks->results[c] = rc_ar_make_dataset(ks->group, col->name, ar->reason_type, 1, dims,
                                          zero_reason, col->doc, err);
        else
            ks->results[c] = rc_ar_make_dataset(ks->group, col->name,
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
        d = rc_ar_make_dataset(g, names[j], is_f ? H5T_IEEE_F64LE : H5T_STD_I64LE, 1, dims, NULL,
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
            RC_GOTO(rc_ar_write_1d(d, is_f ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, 0, n, buf,
                                   names[j],
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

static rc_status create_run_log(hid_t file, int writer, const rc_archive_run_info *info,
                                rc_error *err)
{
    rc_status st = RC_OK;
    hid_t t = rc_ar_run_log_type();
    if (t < 0) return rc_fail(err, RC_ERR_IO, "HDF5: run log type");
    hsize_t dims[1] = {RUN_LOG_ROWS};
    static const char empty[RUN_LOG_LEN];
    hid_t d = rc_ar_make_dataset(file, "run_log", t, 1, dims, empty,
                           "one line per run of the job: date, MPI size, hosts, command line", err);
    FAILED_GOTO(d < 0, RC_ERR_IO);
    H5Dclose(d);
    RC_GOTO(rc_ar_run_log_append(file, writer, info, err));
cleanup:
    H5Tclose(t);
    return st;
}

/* Room for the archive where it goes, before its collective creation starts: a disk that fills
 * up during it stops one rank inside a collective HDF5 call that the others never leave (issue
 * 18 item 2).  The datasets are allocated at creation, so the estimate is what the file takes;
 * the margin is for the metadata. */
static rc_status check_space(const char *path, const rc_job *job, rc_error *err)
{
    char dir[RC_PATH_MAX];
    rc_path_dir(path, dir, sizeof dir);
    struct statvfs fs;
    if (statvfs(dir, &fs) != 0) return RC_OK; /* unknown: let the creation find out */
    const double mib = 1048576.0;
    const double need = rc_archive_estimate_bytes(job) + 64.0 * 1024 * (1 + job->n_sections);
    const double avail = (double)fs.f_bavail * (double)fs.f_frsize;
    RC_CHECK(need <= avail, err, RC_ERR_IO, "%s: no space left on device for the archive (needs "
             "about %.1f MiB, %.1f MiB free in %s)", path, need / mib, avail / mib, dir);
    return RC_OK;
}

rc_status rc_archive_create(const char *path, const rc_job *job, MPI_Comm comm,
                            const rc_archive_run_info *info, rc_archive **out, rc_error *err)
{
    rc_ar_silence_hdf5();
    *out = NULL;
    RC_TRY(rc_ar_check_name(path, err)); /* the same on every rank: no MPI call before it */
    int rank;
    MPI_Comm_rank(comm, &rank);
    rc_status st = RC_OK;
    char *kinds = NULL, *tmp = NULL;
    rc_archive *ar = rc_ar_archive_alloc(job, err);
    if (!ar) return err ? err->status : RC_ERR_NOMEM;
    /* One owner per archive, settled before anything touches the file or its temporary name */
    if (rank == 0) st = rc_ar_owner_acquire(path, info->date, &ar->owner_fd, &ar->owner_lock, err);
    if (rank == 0 && st == RC_OK) st = check_space(path, job, err);
    RC_GOTO(rc_dist_agree(comm, st, err));
    /* Laid out under a temporary name and linked to path only when complete: a process killed
     * while the archive is being created leaves no file at path, so "path exists" always means
     * "a complete archive" (--resume then has something valid to continue). */
    tmp = malloc(strlen(path) + 16);
    RC_CHECK_GOTO(tmp, err, RC_ERR_NOMEM, "out of memory");
    sprintf(tmp, "%s.creating", path);
    RC_GOTO(rc_ar_open_file(tmp, comm, 1, &ar->file, err));
    const int writer = rank == 0;
    kinds = kinds_list();
    RC_CHECK_GOTO(kinds, err, RC_ERR_NOMEM, "out of memory");
    /* root attributes: collective, identical values on every rank */
    RC_GOTO(rc_ar_attr_write_string(ar->file, "format", RC_ARCHIVE_FORMAT, err));
    RC_GOTO(rc_ar_attr_write_int64(ar->file, "format_version", RC_ARCHIVE_FORMAT_VERSION, err));
    RC_GOTO(rc_ar_attr_write_string(ar->file, "program_version", RC_VERSION_STRING, err));
    RC_GOTO(rc_ar_attr_write_string(ar->file, "git_commit", RC_GIT_COMMIT, err));
    RC_GOTO(rc_ar_attr_write_string(ar->file, "created", info->date, err));
    RC_GOTO(rc_ar_attr_write_string(ar->file, "command_line", info->command_line, err));
    RC_GOTO(rc_ar_attr_write_int64(ar->file, "mpi_size", info->mpi_size, err));
    RC_GOTO(rc_ar_attr_write_string(ar->file, "hosts", info->hosts, err));
    RC_GOTO(rc_ar_attr_write_string(ar->file, "job_file", job->name, err));
    RC_GOTO(rc_ar_attr_write_string(ar->file, "job_text", job->text, err));
    RC_GOTO(rc_ar_attr_write_string(ar->file, "job_sha256", job->sha256, err));
    RC_GOTO(rc_ar_attr_write_int64(ar->file, "n_tasks", job->n_tasks, err));
    RC_GOTO(rc_ar_attr_write_string(ar->file, "kinds", kinds, err));
    RC_GOTO(create_run_log(ar->file, writer, info, err));
    RC_GOTO(create_task_table(ar, job, writer, err));
    for (int k = 0; k < ar->n_kinds; ++k)
        if (ar->ks[k].kind) RC_GOTO(create_kind(ar, job, &ar->ks[k], writer, err));
    /* Written last: a file without it was cut off while being laid out. */
    RC_GOTO(rc_ar_attr_write_int64(ar->file, "layout_complete", 1, err));
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
    if (rank == 0) rc_ar_hold_run_lock(ar, path);
    ar->path = strdup(path); /* NULL: the check at close is skipped */
    *out = ar;
cleanup:
    free(kinds);
    if (st != RC_OK) {
        hid_t f = ar->file;
        const int owner_fd = ar->owner_fd;
        char *owner_lock = ar->owner_lock;
        rc_ar_archive_free(ar);
        if (f >= 0) H5Fclose(f);
        if (rank == 0 && tmp) unlink(tmp); /* made only once this run owned the archive */
        rc_ar_owner_release(owner_fd, owner_lock);
    }
    free(tmp); /* after its last use: the unlink above */
    return st;
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
        rc_ar_kind_max_dims(job, &ks);
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
