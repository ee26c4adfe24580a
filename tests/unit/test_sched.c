/* sched: the master/worker loop with a fake task kind defined here (its result is a known
 * function of its parameters; tasks with fail = 1 fail on purpose).  Every task's status and
 * result must land in the archive, failures must be counted and recorded with their reason,
 * max_failures must stop the run, and the tasks' notes and progress lines must reach the
 * callbacks.  Runs on any number of ranks (ctest: 1 and 2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "rc_test_util.h"
#include "rnnchaos/archive.h"
#include "rnnchaos/job.h"
#include "rnnchaos/parse.h"
#include "rnnchaos/sched.h"

/* ---- the fake kind ------------------------------------------------------------------------- */

typedef struct {
    double x;
    int64_t fail;
} fake_config;

typedef struct {
    double x;
    int64_t fail;
    int64_t realization;
} fake_task;

static void fake_config_default(void *config, uint64_t seed)
{
    fake_config *c = config;
    c->x = 1.0;
    c->fail = 0;
}

static int fake_has_key(const char *key) { return !strcmp(key, "x") || !strcmp(key, "fail"); }

static rc_status fake_config_set(void *config, const char *key, const char *value, rc_error *err)
{
    fake_config *c = config;
    if (!strcmp(key, "x")) return rc_parse_double(value, "--x", &c->x, err);
    return rc_parse_int64(value, "--fail", &c->fail, err);
}

static rc_status fake_make_task(const void *config, int64_t realization, void *params,
                                rc_error *err)
{
    const fake_config *c = config;
    fake_task *t = params;
    t->x = c->x;
    t->fail = c->fail;
    t->realization = realization;
    return RC_OK;
}

static void fake_estimate(const void *params, double *flops, double *bytes)
{
    const fake_task *t = params;
    *flops = 1e6 * (1.0 + t->x);
    *bytes = 1024.0;
}

static const rc_param_column fake_params[] = {
    {"x", RC_COL_F64, offsetof(fake_task, x), "input"},
    {"fail", RC_COL_I64, offsetof(fake_task, fail), "1: the task fails on purpose"},
};

enum { FR_Y, FR_V, FR_COUNT };
static const rc_result_column fake_results[FR_COUNT] = {
    [FR_Y] = {"y", RC_COL_F64, 0, "x^2 + realization"},
    [FR_V] = {"v", RC_COL_F64, 1, "(x, 2x, 3x)"},
};

static void fake_result_dims(const void *params, int col, int64_t dims[2])
{
    dims[0] = 1;
    dims[1] = col == FR_V ? 3 : 1;
}

static rc_status fake_run(const void *params, const rc_task_cancel *cancel, rc_task_output *out,
                          rc_error *err)
{
    const fake_task *t = params;
    memset(out, 0, sizeof *out);
    if (cancel && cancel->note) {
        char msg[64];
        snprintf(msg, sizeof msg, "fake task %lld ran", (long long)cancel->task_id);
        cancel->note(cancel->note_ctx, msg);
    }
    if (t->fail) return rc_fail(err, RC_ERR_INPUT, "fails on purpose at x = %g", t->x);
    double *v = malloc(3 * sizeof *v);
    if (!v) return rc_fail(err, RC_ERR_NOMEM, "out of memory");
    for (int k = 0; k < 3; ++k) v[k] = (k + 1) * t->x;
    out->cells[FR_Y].f = t->x * t->x + (double)t->realization;
    out->cells[FR_V] = (rc_cell){0, 0, v, {1, 3}, NULL};
    out->headline = out->cells[FR_Y].f;
    out->owner = v;
    return RC_OK;
}

static void fake_output_free(rc_task_output *out)
{
    free(out->owner);
    out->owner = NULL;
}

static void fake_describe(const void *params, char *buf, size_t len)
{
    const fake_task *t = params;
    snprintf(buf, len, "x=%g fail=%lld", t->x, (long long)t->fail);
}

static const rc_task_kind fake_kind = {
    .name = "fake",
    .config_size = sizeof(fake_config),
    .params = fake_params,
    .n_params = 2,
    .results = fake_results,
    .n_results = FR_COUNT,
    .headline = "y",
    .config_default = fake_config_default,
    .has_key = fake_has_key,
    .config_set = fake_config_set,
    .make_task = fake_make_task,
    .estimate = fake_estimate,
    .result_dims = fake_result_dims,
    .run = fake_run,
    .output_free = fake_output_free,
    .describe = fake_describe,
};

/* ---- running a job ------------------------------------------------------------------------- */

static int rank, size;

typedef struct {
    int notes, progress, progress_failed;
} counts;

static void count_note(void *ctx, const char *msg)
{
    counts *c = ctx;
    if (strncmp(msg, "fake task ", 10) == 0) c->notes++;
}

static void count_progress(void *ctx, const char *line)
{
    counts *c = ctx;
    c->progress++;
    c->progress_failed += strstr(line, "FAILED") != NULL && strstr(line, "fails on purpose");
}

/* Parses text, creates the archive path, runs the scheduler on MPI_COMM_WORLD and closes. */
static void run_job(const char *text, const char *path, rc_job *job, rc_sched_result *sr,
                    counts *c)
{
    rc_error err;
    rc_error_clear(&err);
    RC_ASSERT_OK(rc_job_parse(text, strlen(text), "fake.ini", job, &err), &err);
    if (rank == 0) remove(path);
    MPI_Barrier(MPI_COMM_WORLD);
    rc_archive_run_info info = {"test_sched", "localhost:1", "2000-01-01T00:00:00Z", size};
    rc_archive *ar = NULL;
    RC_ASSERT_OK(rc_archive_create(path, job, MPI_COMM_WORLD, &info, &ar, &err), &err);
    int8_t *status = calloc((size_t)job->n_tasks, 1);
    assert_non_null(status);
    RC_ASSERT_OK(rc_archive_read_status(ar, status, &err), &err);
    for (int64_t i = 0; i < job->n_tasks; ++i) assert_int_equal(status[i], RC_TASK_PENDING);
    memset(c, 0, sizeof *c);
    rc_sched_params sp = {.job = job, .ar = ar, .comm = MPI_COMM_WORLD, .status = status,
                          .progress = rank == 0 ? count_progress : NULL, .progress_ctx = c,
                          .note = count_note, .note_ctx = c};
    RC_ASSERT_OK(rc_sched_run(&sp, sr, &err), &err);
    RC_ASSERT_OK(rc_archive_close(ar, &err), &err);
    free(status);
    MPI_Barrier(MPI_COMM_WORLD);
}

static int notes_on_all_ranks(const counts *c)
{
    int total = 0;
    MPI_Allreduce(&c->notes, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    return total;
}

/* Twelve tasks (x = 1, 2, 3 times fail = 0, 1 times two realisations): six done with
 * y = x^2 + r and v = (x, 2x, 3x), six failed with their reason, nothing pending. */
static void every_task_recorded(void **state)
{
    (void)state;
    const char *text = "[run]\nrealizations = 2\n[fake]\nx = 1, 2, 3\nfail = 0, 1\n";
    const char *path = size == 1 ? "test_sched_1.h5" : "test_sched_n.h5";
    rc_job job;
    rc_sched_result sr;
    counts c;
    run_job(text, path, &job, &sr, &c);
    assert_int_equal(job.n_tasks, 12);
    assert_int_equal(sr.outcome, RC_SCHED_COMPLETE);
    if (rank == 0) {
        assert_int_equal(sr.done_now, 6);
        assert_int_equal(sr.failed_now, 6);
        assert_int_equal(c.progress, 12);
        assert_int_equal(c.progress_failed, 6);
    }
    assert_int_equal(notes_on_all_ranks(&c), 12); /* every task ran exactly once */

    rc_error err;
    rc_archive_info info;
    RC_ASSERT_OK(rc_archive_info_read(path, &info, &err), &err);
    assert_int_equal(info.n_tasks, 12);
    assert_int_equal(info.done, 6);
    assert_int_equal(info.failed, 6);
    assert_int_equal(info.pending, 0);
    assert_int_equal(info.n_failures, 6);
    for (int64_t f = 0; f < info.n_failures; ++f) {
        const fake_task *t = (const fake_task *)job.tasks[info.failures[f].task].p.raw;
        assert_int_equal(t->fail, 1);
        assert_string_equal(info.failures[f].kind, "fake");
        assert_non_null(strstr(info.failures[f].reason, "fails on purpose"));
    }
    rc_archive_info_free(&info);

    double *y = NULL, *v = NULL, *st = NULL;
    int ndim;
    int64_t dims[3];
    RC_ASSERT_OK(rc_archive_read_doubles(path, "fake/y", &y, &ndim, dims, &err), &err);
    assert_int_equal(dims[0], 12);
    RC_ASSERT_OK(rc_archive_read_doubles(path, "fake/v", &v, &ndim, dims, &err), &err);
    assert_int_equal(ndim, 2);
    assert_int_equal(dims[1], 3);
    RC_ASSERT_OK(rc_archive_read_doubles(path, "fake/status", &st, &ndim, dims, &err), &err);
    for (int64_t i = 0; i < job.n_tasks; ++i) {
        const rc_task *task = &job.tasks[i];
        const fake_task *t = (const fake_task *)task->p.raw;
        const int64_t row = task->kind_index;
        if (t->fail) {
            assert_true(st[row] == RC_TASK_FAILED);
            assert_true(isnan(y[row]));
        } else {
            assert_true(st[row] == RC_TASK_DONE);
            assert_true(y[row] == t->x * t->x + (double)task->realization);
            for (int k = 0; k < 3; ++k) assert_true(v[3 * row + k] == (k + 1) * t->x);
        }
    }
    free(y);
    free(v);
    free(st);
    rc_job_free(&job);
}

/* max_failures = 2: the run stops after the second failure; the rest stays pending. */
static void max_failures_stops(void **state)
{
    (void)state;
    const char *text = "[run]\nmax_failures = 2\n[fake]\nx = 1, 2, 3, 4, 5, 6\nfail = 1\n";
    const char *path = size == 1 ? "test_sched_maxf_1.h5" : "test_sched_maxf_n.h5";
    rc_job job;
    rc_sched_result sr;
    counts c;
    run_job(text, path, &job, &sr, &c);
    assert_int_equal(sr.outcome, RC_SCHED_MAX_FAILURES);
    if (rank == 0) {
        assert_int_equal(sr.failed_now, 2);
        assert_int_equal(sr.done_now, 0);
    }
    rc_error err;
    rc_archive_info info;
    RC_ASSERT_OK(rc_archive_info_read(path, &info, &err), &err);
    assert_int_equal(info.failed, 2);
    assert_int_equal(info.done, 0);
    assert_int_equal(info.pending, 4);
    rc_archive_info_free(&info);
    rc_job_free(&job);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rc_task_kind_register(&fake_kind) < 0) {
        fprintf(stderr, "could not register the fake kind\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    assert_int_equal(rc_task_kind_register(&fake_kind), -1); /* a name is registered once */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_task_recorded),
        cmocka_unit_test(max_failures_stops),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return failed;
}
