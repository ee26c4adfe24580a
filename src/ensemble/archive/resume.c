/* Opening an existing archive to resume its job (archive.h): format, completeness, job hash and
 * the shape of every dataset this job writes are checked before anything is written. */
#include "archive_internal.h"

#include <stdlib.h>
#include <string.h>

#include "rnnchaos/par.h"

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
    rc_ar_silence_hdf5();
    *out = NULL;
    RC_TRY(rc_ar_check_name(path, err)); /* the same on every rank: no MPI call before it */
    rc_status st = RC_OK;
    char *format = NULL, *sha = NULL;
    rc_archive *ar = rc_ar_archive_alloc(job, err);
    if (!ar) return err ? err->status : RC_ERR_NOMEM;
    int rank;
    MPI_Comm_rank(comm, &rank);
    /* one owner per archive (owner.c), settled before the file is opened */
    if (rank == 0) st = rc_ar_owner_acquire(path, info->date, &ar->owner_fd, &ar->owner_lock, err);
    RC_GOTO(rc_dist_agree(comm, st, err));
    RC_GOTO(rc_ar_open_file(path, comm, 0, &ar->file, err));
    format = rc_ar_attr_read_string(ar->file, "format");
    int64_t version = 0, complete = 0;
    RC_CHECK_GOTO(format && strcmp(format, RC_ARCHIVE_FORMAT) == 0, err, RC_ERR_INPUT,
                  "%s: not an rnnchaos archive (no attribute format = '%s')", path,
                  RC_ARCHIVE_FORMAT);
    RC_CHECK_GOTO(rc_ar_attr_read_int64(ar->file, "format_version", &version) == 0 &&
                      version == RC_ARCHIVE_FORMAT_VERSION,
                  err, RC_ERR_INPUT, "%s: archive format version %lld, this program writes %d",
                  path, (long long)version, RC_ARCHIVE_FORMAT_VERSION);
    RC_CHECK_GOTO(rc_ar_attr_read_int64(ar->file, "layout_complete", &complete) == 0 &&
                      complete == 1,
                  err, RC_ERR_INPUT, "%s: the archive is incomplete (cut off while it was being "
                  "created, no task ran): delete it and start again", path);
    sha = rc_ar_attr_read_string(ar->file, "job_sha256");
    RC_CHECK_GOTO(sha && strcmp(sha, job->sha256) == 0, err, RC_ERR_INPUT,
                  "%s: was written by a different job file (sha256 %.12s..., this job %.12s...): "
                  "--resume needs the job file that created it; choose another -o for a new run",
                  path, sha ? sha : "?", job->sha256);
    for (int k = 0; k < ar->n_kinds; ++k)
        if (ar->ks[k].kind) RC_GOTO(open_kind(ar, &ar->ks[k], path, err));
    RC_GOTO(rc_ar_run_log_append(ar->file, rank == 0, info, err));
    if (rank == 0) rc_ar_hold_run_lock(ar, path);
    ar->path = strdup(path); /* NULL: the check at close is skipped */
    *out = ar;
cleanup:
    free(format);
    free(sha);
    if (st != RC_OK) {
        hid_t f = ar->file;
        const int owner_fd = ar->owner_fd;
        char *owner_lock = ar->owner_lock;
        rc_ar_archive_free(ar);
        if (f >= 0) H5Fclose(f);
        rc_ar_owner_release(owner_fd, owner_lock);
    }
    return st;
}
