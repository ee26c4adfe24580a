/* archive: a small job's archive created, written (done, failed, pending rows), closed and read
 * back through the public reading functions; resume sees the statuses; the summarize edits.
 * Every value written is a function of (task, column, element) that no other cell shares, so a
 * write to the wrong row, column or kind, or a missing reset, shows as a mismatch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mpi.h>

#include "rc_test_util.h"
#include "rnnchaos/archive.h"
#include "rnnchaos/job.h"

/* gcrit first: the spectrum tasks' ids (1..4) differ from their rows (0..3). */
static const char job_text[] = "[run]\nseed = 5\nrealizations = 2\n\n"
                               "[gcrit]\nN = 12\ng_lo = 0.5\ng_hi = 4\nrealizations = 1\n\n"
                               "[spectrum]\nN = 8, 10\nt_sim = 20\nn_trace = 3\n";

static char dir[64];

static void parse(const char *text, rc_job *job)
{
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_job_parse(text, strlen(text), "t.ini", job, &err), &err);
}

static void path_in_dir(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
    unlink(buf);
}

/* The value written into element (i, j) of result column c of task id. */
static double value_f(int64_t id, int c, int64_t i, int64_t j)
{
    return (double)id * 1e5 + c * 1e3 + (double)i * 10 + (double)j + 0.25;
}
static int64_t value_i(int64_t id, int c) { return id * 1000 + c; }
static void value_s(int64_t id, int c, char *buf, size_t len)
{
    snprintf(buf, len, "task %lld column %d", (long long)id, c);
}

/* The shape written for column c of task t: the largest, or one less in each dimension when
 * shrink (what shorter results look like: the rest must read as NaN). */
static void written_dims(const rc_task *t, int c, int shrink, int64_t dims[2])
{
    const rc_task_kind *k = rc_task_kind_get(t->kind);
    k->result_dims(t->p.raw, c, dims);
    if (k->results[c].ndim == 1) dims[0] = 1;
    if (shrink) {
        if (dims[1] > 1) dims[1]--;
        if (k->results[c].ndim == 2 && dims[0] > 1) dims[0]--;
    }
}

typedef struct {
    rc_task_output out;
    double *arrays[RC_MAX_RESULT_COLS];
    char texts[RC_MAX_RESULT_COLS][64];
} fake_output;

static void make_output(const rc_task *t, int shrink, fake_output *fo)
{
    memset(fo, 0, sizeof *fo);
    const rc_task_kind *k = rc_task_kind_get(t->kind);
    for (int c = 0; c < k->n_results; ++c) {
        rc_cell *cell = &fo->out.cells[c];
        const rc_result_column *col = &k->results[c];
        if (col->ndim == 0) {
            cell->f = value_f(t->id, c, 0, 0);
            cell->i = value_i(t->id, c);
            value_s(t->id, c, fo->texts[c], sizeof fo->texts[c]);
            cell->s = fo->texts[c];
            continue;
        }
        written_dims(t, c, shrink, cell->dims);
        fo->arrays[c] = calloc((size_t)(cell->dims[0] * cell->dims[1]) + 1, sizeof(double));
        assert_non_null(fo->arrays[c]);
        for (int64_t i = 0; i < cell->dims[0]; ++i)
            for (int64_t j = 0; j < cell->dims[1]; ++j)
                fo->arrays[c][i * cell->dims[1] + j] = value_f(t->id, c, i, j);
        cell->a = fo->arrays[c];
    }
}

static void free_output(fake_output *fo)
{
    for (int c = 0; c < RC_MAX_RESULT_COLS; ++c) free(fo->arrays[c]);
}

static void write_done(rc_archive *ar, const rc_task *t, int shrink, int rank)
{
    fake_output fo;
    make_output(t, shrink, &fo);
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_archive_write_done(ar, t, &fo.out, rank, 1.5 + (double)t->id, &err), &err);
    free_output(&fo);
}

static rc_archive_run_info run_info = {"rnnchaos run t.ini", "host:1", "2024-01-01T00:00:00Z", 1};

/* The archive every test starts from.  Tasks: 0 gcrit done; 1 spectrum done (full shapes);
 * 2 spectrum written done, then failed (its results must be reset); 3 spectrum pending;
 * 4 spectrum done (shorter shapes). */
static void make_archive(const char *path, rc_job *job)
{
    parse(job_text, job);
    assert_int_equal(job->n_tasks, 5);
    assert_int_equal(job->tasks[1].kind_index, 0);
    rc_error err;
    rc_error_clear(&err);
    rc_archive *ar = NULL;
    RC_ASSERT_OK(rc_archive_create(path, job, MPI_COMM_WORLD, &run_info, &ar, &err), &err);
    write_done(ar, &job->tasks[0], 0, 7);
    write_done(ar, &job->tasks[1], 0, 3);
    write_done(ar, &job->tasks[2], 0, 2);
    RC_ASSERT_OK(rc_archive_write_failed(ar, &job->tasks[2], "diverged at t = 3", 2, 9.0, &err),
                 &err);
    write_done(ar, &job->tasks[4], 1, 4);
    RC_ASSERT_OK(rc_archive_close(ar, &err), &err);
}

static void read_doubles(const char *path, const char *name, double **data, int *nd,
                         int64_t dims[3])
{
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_archive_read_doubles(path, name, data, nd, dims, &err), &err);
}

/* Every result column of every row of the kind equals what was written, NaN / -1 / "" where
 * nothing was (or the row was reset). */
static void check_kind_rows(const char *path, const rc_job *job, int kind, const int *done,
                            const int *shrunk)
{
    const rc_task_kind *k = rc_task_kind_get(kind);
    for (int c = 0; c < k->n_results; ++c) {
        const rc_result_column *col = &k->results[c];
        char name[128];
        snprintf(name, sizeof name, "%s/%s", k->name, col->name);
        if (col->type == RC_COL_STR) {
            char *s;
            int64_t n;
            size_t w;
            rc_error err;
            rc_error_clear(&err);
            RC_ASSERT_OK(rc_archive_read_strings(path, name, &s, &n, &w, &err), &err);
            for (int64_t t = 0; t < job->n_tasks; ++t) {
                const rc_task *task = &job->tasks[t];
                if (task->kind != kind) continue;
                char want[64] = "";
                if (done[t]) value_s(t, c, want, sizeof want);
                if (strcmp(s + (size_t)task->kind_index * w, want) != 0)
                    fail_msg("%s row %lld: '%s', expected '%s'", name,
                             (long long)task->kind_index, s + (size_t)task->kind_index * w, want);
            }
            free(s);
            continue;
        }
        double *d;
        int nd;
        int64_t dims[3];
        read_doubles(path, name, &d, &nd, dims);
        assert_int_equal(nd, 1 + col->ndim);
        const int64_t row_len = dims[1] * dims[2];
        for (int64_t t = 0; t < job->n_tasks; ++t) {
            const rc_task *task = &job->tasks[t];
            if (task->kind != kind) continue;
            const double *row = d + task->kind_index * row_len;
            int64_t wd[2] = {1, 1};
            if (col->ndim > 0) written_dims(task, c, shrunk[t], wd);
            const int64_t rows = col->ndim == 2 ? dims[1] : 1, cols = col->ndim == 2 ? dims[2]
                                                                                       : dims[1];
            for (int64_t i = 0; i < rows; ++i)
                for (int64_t j = 0; j < cols; ++j) {
                    const double got = row[i * cols + j];
                    const int inside = done[t] && i < wd[0] && j < wd[1];
                    double want = NAN;
                    if (col->type == RC_COL_I64)
                        want = done[t] ? (double)value_i(t, c) : -1.0;
                    else if (inside)
                        want = value_f(t, c, i, j);
                    if (!(got == want || (isnan(got) && isnan(want))))
                        fail_msg("%s task %lld [%lld, %lld]: %.17g, expected %.17g", name,
                                 (long long)t, (long long)i, (long long)j, got, want);
                }
        }
        free(d);
    }
}

static void roundtrip(void **state)
{
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "roundtrip.h5");
    rc_job job;
    make_archive(path, &job);

    rc_archive_info info;
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_archive_info_read(path, &info, &err), &err);
    assert_int_equal(info.n_tasks, 5);
    assert_int_equal(info.done, 3);
    assert_int_equal(info.failed, 1);
    assert_int_equal(info.pending, 1);
    assert_int_equal(info.mpi_size, 1);
    assert_int_equal(info.runs, 1);
    assert_string_equal(info.job_sha256, job.sha256);
    assert_string_equal(info.job_text, job_text);
    assert_string_equal(info.command_line, run_info.command_line);
    assert_non_null(strstr(info.run_log, run_info.date));
    assert_int_equal(info.n_kinds, 2);
    for (int k = 0; k < info.n_kinds; ++k) {
        const rc_archive_kind_info *ki = &info.kinds[k];
        if (strcmp(ki->kind, "gcrit") == 0) {
            assert_int_equal(ki->n_tasks, 1);
            assert_int_equal(ki->first_task, 0);
            assert_int_equal(ki->done, 1);
        } else {
            assert_string_equal(ki->kind, "spectrum");
            assert_int_equal(ki->n_tasks, 4);
            assert_int_equal(ki->first_task, 1);
            assert_int_equal(ki->done, 2);
            assert_int_equal(ki->failed, 1);
            assert_int_equal(ki->pending, 1);
        }
    }
    assert_int_equal(info.n_failures, 1);
    assert_int_equal(info.failures[0].task, 2);
    assert_string_equal(info.failures[0].kind, "spectrum");
    assert_string_equal(info.failures[0].reason, "diverged at t = 3");
    rc_archive_info_free(&info);

    const int done[5] = {1, 1, 0, 0, 1}, shrunk[5] = {0, 0, 0, 0, 1};
    check_kind_rows(path, &job, rc_task_kind_find("gcrit"), done, shrunk);
    check_kind_rows(path, &job, rc_task_kind_find("spectrum"), done, shrunk);

    /* run columns and ids of the spectrum rows */
    double *d;
    int nd;
    int64_t dims[3];
    const double want_rank[4] = {3, 2, -1, 4}, want_id[4] = {1, 2, 3, 4};
    read_doubles(path, "spectrum/rank", &d, &nd, dims);
    assert_int_equal(dims[0], 4);
    for (int r = 0; r < 4; ++r) assert_true(d[r] == want_rank[r]);
    free(d);
    read_doubles(path, "spectrum/task_id", &d, &nd, dims);
    for (int r = 0; r < 4; ++r) assert_true(d[r] == want_id[r]);
    free(d);
    read_doubles(path, "spectrum/wall_s", &d, &nd, dims);
    assert_true(d[0] == 2.5 && d[1] == 9.0 && isnan(d[2]) && d[3] == 5.5);
    free(d);
    read_doubles(path, "spectrum/params/N", &d, &nd, dims);
    for (int r = 0; r < 4; ++r) assert_true(d[r] == job.tasks[1 + r].p.spectrum.model.N);
    assert_true(d[0] == 8 && d[2] == 10);
    free(d);
    read_doubles(path, "tasks/kind_index", &d, &nd, dims);
    assert_int_equal(dims[0], 5);
    for (int t = 0; t < 5; ++t) assert_true(d[t] == (double)job.tasks[t].kind_index);
    free(d);
    char *s;
    int64_t n;
    size_t w;
    RC_ASSERT_OK(rc_archive_read_strings(path, "spectrum/reason", &s, &n, &w, &err), &err);
    assert_int_equal(n, 4);
    assert_string_equal(s + 0 * w, "");
    assert_string_equal(s + 1 * w, "diverged at t = 3");
    assert_string_equal(s + 2 * w, "");
    free(s);
    RC_ASSERT_OK(rc_archive_read_strings(path, "spectrum/params/phi", &s, &n, &w, &err), &err);
    assert_string_equal(s, "tanh");
    free(s);

    assert_int_equal(rc_archive_has(path, "spectrum/params/N"), 1);
    assert_int_equal(rc_archive_has(path, "coherence"), 0);
    assert_int_equal(rc_archive_has(path, "spectrum/nonesuch"), 0);
    assert_int_not_equal(rc_archive_read_doubles(path, "spectrum/nonesuch", &d, &nd, dims, &err),
                         RC_OK);
    rc_job_free(&job);
}

static void resume(void **state)
{
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "resume.h5");
    rc_job job;
    make_archive(path, &job);
    rc_error err;
    rc_error_clear(&err);

    /* a new archive never replaces an existing one */
    rc_archive *ar = NULL;
    assert_int_not_equal(rc_archive_create(path, &job, MPI_COMM_WORLD, &run_info, &ar, &err),
                         RC_OK);
    assert_null(ar);
    /* and a failed create removes its temporary file (issue 18 item 3: it was unlinked through
     * a freed name) */
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.creating", path);
    if (access(tmp, F_OK) == 0) fail_msg("%s left behind by a failed create", tmp);

    /* another job file is refused */
    rc_job other;
    parse("[spectrum]\nN = 8\n", &other);
    rc_error_clear(&err);
    assert_int_equal(rc_archive_open_resume(path, &other, MPI_COMM_WORLD, &run_info, &ar, &err),
                     RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "different job file"));
    rc_job_free(&other);

    rc_job again;
    parse(job_text, &again);
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_archive_open_resume(path, &again, MPI_COMM_WORLD, &run_info, &ar, &err),
                 &err);
    int8_t status[5];
    memset(status, 99, sizeof status);
    RC_ASSERT_OK(rc_archive_read_status(ar, status, &err), &err);
    const int8_t want[5] = {RC_TASK_DONE, RC_TASK_DONE, RC_TASK_FAILED, RC_TASK_PENDING,
                            RC_TASK_DONE};
    for (int t = 0; t < 5; ++t)
        if (status[t] != want[t]) fail_msg("task %d: status %d, expected %d", t, status[t], want[t]);
    write_done(ar, &again.tasks[3], 0, 1);
    RC_ASSERT_OK(rc_archive_close(ar, &err), &err);

    rc_archive_info info;
    RC_ASSERT_OK(rc_archive_info_read(path, &info, &err), &err);
    assert_int_equal(info.done, 4);
    assert_int_equal(info.pending, 0);
    assert_int_equal(info.runs, 2);
    rc_archive_info_free(&info);
    const int done[5] = {1, 1, 0, 1, 1}, shrunk[5] = {0, 0, 0, 0, 1};
    check_kind_rows(path, &again, rc_task_kind_find("spectrum"), done, shrunk);
    rc_job_free(&again);
    rc_job_free(&job);
}

/* One owner per archive (issue 18 items 1 and 8): while a run has it, a second create or
 * resume is refused naming the owner, and touches neither the archive nor its temporary name;
 * once it is closed, the lock file is gone and the next run may take it. */
static void one_owner(void **state)
{
    (void)state;
    char path[128], tmp[160], lock[160];
    path_in_dir(path, sizeof path, "owner.h5");
    snprintf(tmp, sizeof tmp, "%s.creating", path);
    snprintf(lock, sizeof lock, "%s.lock", path);
    rc_job job;
    parse(job_text, &job);
    rc_error err;
    rc_error_clear(&err);
    rc_archive *ar = NULL, *second = NULL;
    RC_ASSERT_OK(rc_archive_create(path, &job, MPI_COMM_WORLD, &run_info, &ar, &err), &err);
    assert_int_equal(access(lock, F_OK), 0);
    char pid[32];
    snprintf(pid, sizeof pid, "process %ld ", (long)getpid());

    assert_int_equal(rc_archive_open_resume(path, &job, MPI_COMM_WORLD, &run_info, &second,
                                            &err), RC_ERR_INPUT);
    assert_null(second);
    if (!strstr(err.msg, "in use by another run") || !strstr(err.msg, pid))
        fail_msg("resume while owned: '%s'", err.msg);

    /* a second create of the same name while the first is still laying it out */
    char moved[160];
    snprintf(moved, sizeof moved, "%s.moved", path);
    assert_int_equal(rename(path, moved), 0); /* as if the owner had not linked it yet */
    rc_error_clear(&err);
    assert_int_equal(rc_archive_create(path, &job, MPI_COMM_WORLD, &run_info, &second, &err),
                     RC_ERR_INPUT);
    assert_null(second);
    if (!strstr(err.msg, "in use by another run") || !strstr(err.msg, pid))
        fail_msg("create while owned: '%s'", err.msg);
    assert_int_not_equal(access(tmp, F_OK), 0);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(rename(moved, path), 0);

    write_done(ar, &job.tasks[0], 0, 0); /* the owner goes on undisturbed */
    RC_ASSERT_OK(rc_archive_close(ar, &err), &err);
    assert_int_not_equal(access(lock, F_OK), 0);
    assert_int_equal(unlink(path), 0);
    RC_ASSERT_OK(rc_archive_create(path, &job, MPI_COMM_WORLD, &run_info, &ar, &err), &err);
    RC_ASSERT_OK(rc_archive_close(ar, &err), &err);
    assert_int_not_equal(access(lock, F_OK), 0);
    rc_job_free(&job);
}

/* A run whose archive is deleted or truncated under it does not close as a success (issue 18
 * item 6). */
static void lost(void **state)
{
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "lost.h5");
    rc_job job;
    parse(job_text, &job);
    rc_error err;
    rc_error_clear(&err);
    rc_archive *ar = NULL;
    RC_ASSERT_OK(rc_archive_create(path, &job, MPI_COMM_WORLD, &run_info, &ar, &err), &err);
    write_done(ar, &job.tasks[0], 0, 0);
    assert_int_equal(unlink(path), 0);
    write_done(ar, &job.tasks[1], 0, 0); /* writes to the deleted file still succeed */
    assert_int_equal(rc_archive_close(ar, &err), RC_ERR_IO);
    if (!strstr(err.msg, "the archive was lost during the run")) fail_msg("deleted: '%s'", err.msg);

    rc_error_clear(&err);
    RC_ASSERT_OK(rc_archive_create(path, &job, MPI_COMM_WORLD, &run_info, &ar, &err), &err);
    write_done(ar, &job.tasks[0], 0, 0);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(truncate(path, sb.st_size / 2), 0);
    assert_int_equal(rc_archive_close(ar, &err), RC_ERR_IO);
    if (!strstr(err.msg, "the archive was damaged during the run")) fail_msg("cut: '%s'", err.msg);
    rc_job_free(&job);
}

static void edit(void **state)
{
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "edit.h5");
    rc_job job;
    make_archive(path, &job);
    rc_error err;
    rc_error_clear(&err);

    /* a run that has the archive open keeps summarize out */
    rc_archive *ar = NULL;
    RC_ASSERT_OK(rc_archive_open_resume(path, &job, MPI_COMM_WORLD, &run_info, &ar, &err), &err);
    rc_archive_edit *ed = NULL;
    assert_int_equal(rc_archive_edit_open(path, &ed, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "has the archive open"));
    RC_ASSERT_OK(rc_archive_close(ar, &err), &err);

    RC_ASSERT_OK(rc_archive_edit_open(path, &ed, &err), &err);
    const double m[6] = {1, 2, 3, 4, 5, 6};
    const int64_t dims2[2] = {2, 3}, ints[3] = {-4, 0, 1LL << 40};
    const char *const strs[3] = {"alpha", "", "a somewhat longer text"};
    RC_ASSERT_OK(rc_archive_edit_put_doubles(ed, "summary/spectrum/m", 2, dims2, m, "a matrix",
                                             &err), &err);
    RC_ASSERT_OK(rc_archive_edit_put_int64(ed, "summary/spectrum/n", 3, ints, NULL, &err), &err);
    RC_ASSERT_OK(rc_archive_edit_put_strings(ed, "summary/spectrum/s", 3, strs, "texts", &err),
                 &err);
    RC_ASSERT_OK(rc_archive_edit_put_attr(ed, "summary", "note", "made by the test", &err), &err);
    RC_ASSERT_OK(rc_archive_edit_close(ed, &err), &err);

    double *d;
    int nd;
    int64_t dims[3];
    read_doubles(path, "summary/spectrum/m", &d, &nd, dims);
    assert_int_equal(nd, 2);
    assert_int_equal(dims[0], 2);
    assert_int_equal(dims[1], 3);
    for (int i = 0; i < 6; ++i) assert_true(d[i] == m[i]);
    free(d);
    read_doubles(path, "summary/spectrum/n", &d, &nd, dims);
    assert_int_equal(dims[0], 3);
    for (int i = 0; i < 3; ++i) assert_true(d[i] == (double)ints[i]);
    free(d);
    char *s;
    int64_t n;
    size_t w;
    RC_ASSERT_OK(rc_archive_read_strings(path, "summary/spectrum/s", &s, &n, &w, &err), &err);
    assert_int_equal(n, 3);
    for (int i = 0; i < 3; ++i) assert_string_equal(s + (size_t)i * w, strs[i]);
    free(s);
    /* the task rows are untouched by the edit */
    const int done[5] = {1, 1, 0, 0, 1}, shrunk[5] = {0, 0, 0, 0, 1};
    check_kind_rows(path, &job, rc_task_kind_find("spectrum"), done, shrunk);

    RC_ASSERT_OK(rc_archive_edit_open(path, &ed, &err), &err);
    RC_ASSERT_OK(rc_archive_edit_remove(ed, "summary", &err), &err);
    RC_ASSERT_OK(rc_archive_edit_remove(ed, "summary", &err), &err); /* absent: no error */
    RC_ASSERT_OK(rc_archive_edit_close(ed, &err), &err);
    assert_int_equal(rc_archive_has(path, "summary"), 0);
    assert_int_equal(rc_archive_has(path, "spectrum/status"), 1);
    rc_job_free(&job);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    snprintf(dir, sizeof dir, "/tmp/test_archive.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip),
        cmocka_unit_test(resume),
        cmocka_unit_test(edit),
        cmocka_unit_test(one_owner),
        cmocka_unit_test(lost),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) failed = failed ? failed : 1;
    MPI_Finalize();
    return failed;
}
