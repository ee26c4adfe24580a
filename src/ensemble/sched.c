/* Master/worker scheduling (sched.h). */
#include "rnnchaos/sched.h"
#include "rnnchaos_version.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* The one piece of process-wide state: a signal handler can only talk to the program through a
 * volatile sig_atomic_t. */
static volatile sig_atomic_t stop_signal_received = 0;

static void on_stop_signal(int sig) { stop_signal_received = sig; }

void rc_sched_install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

int rc_sched_stop_signal(void) { return (int)stop_signal_received; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return NAN;
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Open MPI's blocking calls poll at full speed; a waiting rank must not take a core from the
 * workers, so it tests and sleeps (50 us growing to max_us). */
static int quiet_wait(MPI_Request *req, MPI_Status *status, long max_us)
{
    long us = 50;
    for (;;) {
        int flag = 0;
        int rc = MPI_Test(req, &flag, status ? status : MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) return rc;
        if (flag) return MPI_SUCCESS;
        sleep_us(us);
        if (us < max_us) us = us * 2 < max_us ? us * 2 : max_us;
    }
}

void rc_sched_quiet_barrier(MPI_Comm comm)
{
    MPI_Request req;
    if (MPI_Ibarrier(comm, &req) == MPI_SUCCESS) quiet_wait(&req, NULL, 20000);
}

#define MPI_TRY(call)                                                                          \
    do {                                                                                       \
        int mpi_rc_ = (call);                                                                  \
        if (mpi_rc_ != MPI_SUCCESS) return rc_fail(err, RC_ERR_MPI, "MPI: %s failed (%d)",      \
                                                   #call, mpi_rc_);                            \
    } while (0)

/* ---- messages ------------------------------------------------------------------------------ */

enum { TAG_REPORT = 11, TAG_TASK = 12, TAG_STOP = 13 };

enum { OUT_NONE = 0, OUT_DONE, OUT_FAILED, OUT_ABANDONED, OUT_IO_ERROR };

/* Master -> worker, TAG_TASK: int64 words {task, k, member_1 .. member_k}; k = 0 for a task the
 * worker runs alone, else the k ranks (ascending, the first one leads) that run it together. */
enum { MSG_TASK = 0, MSG_GROUP_SIZE = 1, MSG_MEMBERS = 2 };

/* Worker -> master: the outcome of the last task (if any) and whether the worker leaves. */
typedef struct {
    int64_t task;     /* -1: no task to report */
    int32_t outcome;  /* OUT_* */
    int32_t bye;      /* 1: the worker leaves the loop after this message */
    int32_t signal;   /* a stop signal the worker received, or 0 */
    int32_t left_group; /* 1: the worker has just left a distributed task's group */
    double wall_s;
    double headline;
    char reason[RC_ARCHIVE_REASON_LEN];
} report_msg;

/* ---- running one task ------------------------------------------------------------------ */

typedef struct {
    MPI_Comm comm;
    int is_worker;
    int got_stop;      /* a STOP from the master was consumed while the task ran */
    unsigned calls;
    double last_probe;
    /* rank 0 running a task itself: answers the workers every ~20 ms from inside the task;
     * returns 1 when the run is stopping (the master's own task is then cancelled too) */
    int (*service)(void *ctx);
    void *service_ctx;
} cancel_state;

/* Polled before every time step: cheap unless ~20 ms have passed, then one MPI_Iprobe. */
static int cancel_requested(void *ctx)
{
    cancel_state *c = ctx;
    if (stop_signal_received) return 1;
    if ((++c->calls & 63u) != 0) return 0;
    if (!c->is_worker && !c->service) return 0;
    double t = now_s();
    if (t - c->last_probe < 0.02) return 0;
    c->last_probe = t;
    if (c->service) return c->service(c->service_ctx);
    int flag = 0;
    MPI_Iprobe(0, TAG_STOP, c->comm, &flag, MPI_STATUS_IGNORE);
    if (flag) {
        int64_t dummy;
        MPI_Recv(&dummy, 1, MPI_INT64_T, 0, TAG_STOP, c->comm, MPI_STATUS_IGNORE);
        c->got_stop = 1;
    }
    return flag;
}

/* The same without the rate limit: one MPI_Iprobe on every call. */
static int cancel_requested_now(void *ctx)
{
    cancel_state *c = ctx;
    if (stop_signal_received || c->got_stop) return 1;
    if (c->service) return c->service(c->service_ctx);
    if (!c->is_worker) return 0;
    c->last_probe = now_s();
    int flag = 0;
    MPI_Iprobe(0, TAG_STOP, c->comm, &flag, MPI_STATUS_IGNORE);
    if (flag) {
        int64_t dummy;
        MPI_Recv(&dummy, 1, MPI_INT64_T, 0, TAG_STOP, c->comm, MPI_STATUS_IGNORE);
        c->got_stop = 1;
    }
    return flag;
}

/* Writes a finished task's row (st == RC_OK: out, which is released) or its failure (the reason
 * from err, with `where` after the status name) and sets rep's outcome; an archive write that
 * fails turns the outcome into OUT_IO_ERROR, which stops the run. */
static void record(const rc_sched_params *p, const rc_task *t, rc_status st, rc_task_output *out,
                   const rc_error *err, const char *where, int rank, report_msg *rep)
{
    rc_error werr;
    rc_error_clear(&werr);
    rc_status wst;
    if (st == RC_OK) {
        rep->headline = out->headline;
        wst = rc_archive_write_done(p->ar, t, out, rank, rep->wall_s, &werr);
        rc_task_kind_get(t->kind)->output_free(out);
        rep->outcome = OUT_DONE;
    } else {
        snprintf(rep->reason, sizeof rep->reason, "%s%s: %.200s", rc_status_name(st), where,
                 err->msg);
        wst = rc_archive_write_failed(p->ar, t, rep->reason, rank, rep->wall_s, &werr);
        rep->outcome = OUT_FAILED;
    }
    if (wst != RC_OK) {
        rep->outcome = OUT_IO_ERROR;
        snprintf(rep->reason, sizeof rep->reason, "rank %d, task %lld: %.200s", rank,
                 (long long)t->id, werr.msg);
    }
}

/* Where task id keeps its mid-task state and the fingerprint that ties the state to it; empty
 * strings without checkpoints.  per_rank: the name is a printf pattern whose "%d" the
 * distributed engine replaces with the rank (a '%' in the folder's name is escaped). */
static void checkpoint_names(const rc_sched_params *p, int64_t id, int per_rank, char *path,
                             size_t path_len, char *fingerprint, size_t fp_len)
{
    path[0] = fingerprint[0] = '\0';
    if (!p->checkpoint_dir) return;
    char dir[2 * RC_PATH_MAX];
    size_t n = 0;
    for (const char *c = p->checkpoint_dir; *c && n + 2 < sizeof dir; ++c) {
        if (per_rank && *c == '%') dir[n++] = '%';
        dir[n++] = *c;
    }
    dir[n] = '\0';
    snprintf(path, path_len, per_rank ? "%s/task-%lld.rank-%%d.h5" : "%s/task-%lld.h5", dir,
             (long long)id);
    snprintf(fingerprint, fp_len, "rnnchaos %s (%s) job %s task %lld", RC_VERSION_STRING,
             RC_GIT_COMMIT, p->job->sha256, (long long)id);
}

/* Runs task id and records it in the archive; fills the report. */
static void run_and_record(const rc_sched_params *p, int64_t id, int rank, cancel_state *cs,
                           report_msg *rep)
{
    const rc_task *t = &p->job->tasks[id];
    const rc_task_kind *kind = rc_task_kind_get(t->kind);
    rc_error err;
    rc_error_clear(&err);
    memset(rep, 0, sizeof *rep);
    rep->task = id;
    rep->headline = NAN;
    char ckpt_path[2 * RC_PATH_MAX + 48] = "", fingerprint[160] = "";
    checkpoint_names(p, id, 0, ckpt_path, sizeof ckpt_path, fingerprint, sizeof fingerprint);
    rc_task_cancel cancel = {cancel_requested, cs, cancel_requested_now,
                             p->checkpoint_dir ? ckpt_path : NULL, fingerprint,
                             p->checkpoint_every_s, id, p->note, p->note_ctx};
    rc_task_output out;
    const double t0 = now_s();
    rc_status st = RC_OK;
    /* refuse what cannot fit instead of dying in the middle of it */
    if (p->mem_per_rank > 0 && t->mem_bytes > p->mem_per_rank)
        st = rc_fail(&err, RC_ERR_NOMEM, "the task needs about %.3g GiB, only %.3g GiB available "
                     "per rank (physical memory / ranks per node): use fewer ranks per node",
                     t->mem_bytes / 1073741824.0, p->mem_per_rank / 1073741824.0);
    else
        st = kind->run(t->p.raw, &cancel, &out, &err);
    rep->wall_s = now_s() - t0;
    if (st == RC_ERR_SIGNAL) {
        rep->outcome = OUT_ABANDONED; /* stays pending in the archive */
        return;
    }
    record(p, t, st, &out, &err, "", rank, rep);
    if (ckpt_path[0]) remove(ckpt_path); /* recorded: its state is of no use any more */
}

/* Runs distributed task id on sub with its kind's run_group (every member calls this); the
 * lowest rank of the group (rank 0 of sub) records it in the archive and fills rep with the
 * outcome, the others report no task. */
static void run_distributed(const rc_sched_params *p, int64_t id, MPI_Comm sub, int rank,
                            cancel_state *cs, report_msg *rep)
{
    const rc_task *t = &p->job->tasks[id];
    const rc_task_kind *kind = rc_task_kind_get(t->kind);
    rc_error err;
    rc_error_clear(&err);
    memset(rep, 0, sizeof *rep);
    rep->task = id;
    rep->headline = NAN;
    int sub_rank = 0;
    MPI_Comm_rank(sub, &sub_rank);
    char pattern[2 * RC_PATH_MAX + 48], fingerprint[160];
    checkpoint_names(p, id, 1, pattern, sizeof pattern, fingerprint, sizeof fingerprint);
    rc_task_cancel cancel = {cancel_requested, cs, cancel_requested_now,
                             pattern[0] ? pattern : NULL, fingerprint, p->checkpoint_every_s, id,
                             p->note, p->note_ctx};
    rc_task_output out;
    char where[48] = "";
    const double t0 = now_s();
    rc_status st = kind->run_group(t->p.raw, sub, &cancel, &out, where, sizeof where, &err);
    rep->wall_s = now_s() - t0;
    if (st == RC_ERR_SIGNAL) {
        rep->outcome = OUT_ABANDONED; /* stays pending in the archive */
        if (sub_rank != 0) rep->task = -1;
        return;
    }
    if (pattern[0]) { /* done or failed: this member's stored part is of no use any more */
        char mine[sizeof pattern + 16];
        snprintf(mine, sizeof mine, pattern, sub_rank);
        remove(mine);
    }
    if (sub_rank != 0) { /* the leader records it */
        rep->task = -1;
        return;
    }
    record(p, t, st, &out, &err, where, rank, rep);
}

/* One rank runs every task: a distributed one on a 1 x 1 grid of its own. */
static void run_any(const rc_sched_params *p, int64_t id, cancel_state *cs, report_msg *rep)
{
    const rc_task *t = &p->job->tasks[id];
    if (t->ranks > 1 && rc_task_kind_get(t->kind)->run_group)
        run_distributed(p, id, MPI_COMM_SELF, 0, cs, rep);
    else
        run_and_record(p, id, 0, cs, rep);
}

/* ---- progress ------------------------------------------------------------------------------ */

typedef struct {
    const rc_sched_params *p;
    int64_t total, done, failed;    /* over the whole archive */
    double cost_left, cost_done_now;
    double t_start;
} progress_state;

static void hms(double s, char *buf, size_t len)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, len, "?");
        return;
    }
    long t = (long)(s + 0.5);
    snprintf(buf, len, "%02ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

static void progress_line(progress_state *ps, const report_msg *rep, int rank)
{
    const rc_task *t = &ps->p->job->tasks[rep->task];
    const rc_task_kind *kind = rc_task_kind_get(t->kind);
    ps->cost_left -= t->cost_flops;
    if (rep->outcome == OUT_DONE || rep->outcome == OUT_FAILED) ps->cost_done_now += t->cost_flops;
    if (rep->outcome == OUT_DONE) ps->done++;
    if (rep->outcome == OUT_FAILED) ps->failed++;
    if (!ps->p->progress) return;
    const double el = now_s() - ps->t_start;
    const double left = ps->cost_left > 0 ? ps->cost_left : 0.0;
    const double eta = ps->cost_done_now > 0 ? left * el / ps->cost_done_now : NAN;
    char e1[32], e2[32], desc[200], line[1024];
    hms(el, e1, sizeof e1);
    hms(eta, e2, sizeof e2);
    kind->describe(t->p.raw, desc, sizeof desc);
    if (rep->outcome == OUT_DONE)
        snprintf(line, sizeof line,
                 "[%lld/%lld done, %lld failed | %s elapsed, ETA %s] task %lld %s (%s r=%lld): "
                 "%s = %.6g (rank %d, %.2f s)",
                 (long long)ps->done, (long long)ps->total, (long long)ps->failed, e1, e2,
                 (long long)t->id, kind->name, desc, (long long)t->realization, kind->headline,
                 rep->headline, rank, rep->wall_s);
    else if (rep->outcome == OUT_FAILED)
        snprintf(line, sizeof line,
                 "[%lld/%lld done, %lld failed | %s elapsed, ETA %s] task %lld %s (%s r=%lld) "
                 "FAILED (rank %d, %.2f s): %s",
                 (long long)ps->done, (long long)ps->total, (long long)ps->failed, e1, e2,
                 (long long)t->id, kind->name, desc, (long long)t->realization, rank, rep->wall_s,
                 rep->reason);
    else
        return;
    ps->p->progress(ps->p->progress_ctx, line);
}

/* ---- the queue ----------------------------------------------------------------------------- */

typedef struct {
    double cost;
    int64_t id;
} queue_entry;

static int by_cost_desc(const void *a, const void *b)
{
    const queue_entry *x = a, *y = b;
    if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Pending task ids, largest estimated cost first; ties by id (a total order: deterministic).
 * dist = 1: the distributed tasks (ranks > 1), 0: the others, -1: all. */
static int64_t *pending_queue(const rc_sched_params *p, int dist, int64_t *n, rc_error *err)
{
    const int64_t nt = p->job->n_tasks;
    int64_t *q = rc_calloc((size_t)nt + 1, sizeof(int64_t), "task queue", err);
    queue_entry *e = rc_calloc((size_t)nt + 1, sizeof(queue_entry), "task queue", err);
    if (!q || !e) {
        free(q);
        free(e);
        return NULL;
    }
    *n = 0;
    for (int64_t i = 0; i < nt; ++i)
        if (p->status[i] == RC_TASK_PENDING &&
            (dist < 0 || (p->job->tasks[i].ranks > 1) == dist)) {
            e[*n].cost = p->job->tasks[i].cost_flops;
            e[*n].id = i;
            (*n)++;
        }
    qsort(e, (size_t)*n, sizeof *e, by_cost_desc);
    for (int64_t i = 0; i < *n; ++i) q[i] = e[i].id;
    free(e);
    return q;
}

static void progress_init(progress_state *ps, const rc_sched_params *p)
{
    memset(ps, 0, sizeof *ps);
    ps->p = p;
    ps->total = p->job->n_tasks;
    for (int64_t i = 0; i < p->job->n_tasks; ++i) {
        ps->done += p->status[i] == RC_TASK_DONE;
        ps->failed += p->status[i] == RC_TASK_FAILED;
        if (p->status[i] == RC_TASK_PENDING) ps->cost_left += p->job->tasks[i].cost_flops;
    }
    ps->t_start = now_s();
}

/* ---- one rank: it runs everything itself ---------------------------------------------------- */

static rc_status run_alone(const rc_sched_params *p, rc_sched_result *res, rc_error *err)
{
    int64_t nq;
    int64_t *q = pending_queue(p, -1, &nq, err);
    if (!q) return RC_ERR_NOMEM;
    progress_state ps;
    progress_init(&ps, p);
    cancel_state cs = {p->comm, 0, 0, 0, 0.0, NULL, NULL};
    for (int64_t k = 0; k < nq; ++k) {
        if (stop_signal_received) {
            res->outcome = RC_SCHED_SIGNAL;
            break;
        }
        report_msg rep;
        run_any(p, q[k], &cs, &rep);
        if (rep.outcome == OUT_ABANDONED) {
            res->outcome = RC_SCHED_SIGNAL;
            res->abandoned++;
            break;
        }
        if (rep.outcome == OUT_IO_ERROR) {
            res->outcome = RC_SCHED_IO_ERROR;
            snprintf(res->io_error, sizeof res->io_error, "%s", rep.reason);
            break;
        }
        res->task_seconds += rep.wall_s;
        res->done_now += rep.outcome == OUT_DONE;
        res->failed_now += rep.outcome == OUT_FAILED;
        progress_line(&ps, &rep, 0);
        if (p->job->max_failures > 0 && res->failed_now >= p->job->max_failures) {
            res->outcome = RC_SCHED_MAX_FAILURES;
            break;
        }
    }
    free(q);
    return RC_OK;
}

/* ---- the master ---------------------------------------------------------------------------- */

/* Rank 0 serves the workers (reports in, tasks or STOP out) and, when nobody is waiting and a
 * task that polls every step is left, runs it itself from the cheap end of the queue while the
 * workers take the expensive end; from inside its own task it serves them every ~20 ms through
 * the task's cancellation poll, so no worker waits long and no core sits idle with -n = cores. */
typedef struct {
    const rc_sched_params *p;
    int size, active, stopping;
    int64_t *q, head, tail; /* pending one-rank tasks by decreasing cost: workers take
                               q[head++], rank 0 takes q[--tail] */
    int64_t *dq, dhead, dn; /* pending distributed tasks by decreasing cost */
    int group_k;            /* ranks per distributed task: min(ranks_per_dist_task, workers) */
    int group_slots;        /* workers that may be in groups at once: whole groups only */
    int in_groups;          /* workers running a distributed task now */
    int *pool, pool_n;      /* idle workers waiting for their group to fill (ascending) */
    int64_t *task_msg;      /* MSG_* words of one task message */
    char *stop_sent;
    MPI_Request *stop_req, rreq;
    report_msg rep;
    progress_state ps;
    rc_sched_result *res;
    rc_error *err;
    rc_status mpi_st; /* an MPI failure seen while serving (reported after the loop) */
} master_state;

static void master_note_report(master_state *ms, const report_msg *r, int w)
{
    rc_sched_result *res = ms->res;
    if (r->signal && !ms->stopping) {
        ms->stopping = 1;
        res->outcome = RC_SCHED_SIGNAL;
        res->signal = r->signal;
    }
    if (r->left_group) ms->in_groups--;
    if (r->task < 0) return;
    switch (r->outcome) {
    case OUT_DONE:
    case OUT_FAILED:
        res->task_seconds += r->wall_s;
        res->done_now += r->outcome == OUT_DONE;
        res->failed_now += r->outcome == OUT_FAILED;
        progress_line(&ms->ps, r, w);
        if (r->outcome == OUT_FAILED && ms->p->job->max_failures > 0 &&
            res->failed_now >= ms->p->job->max_failures && !ms->stopping) {
            ms->stopping = 1;
            res->outcome = RC_SCHED_MAX_FAILURES;
        }
        break;
    case OUT_ABANDONED: res->abandoned++; break;
    case OUT_IO_ERROR:
        if (res->outcome != RC_SCHED_IO_ERROR)
            snprintf(res->io_error, sizeof res->io_error, "%s", r->reason);
        res->outcome = RC_SCHED_IO_ERROR;
        ms->stopping = 1;
        break;
    default: break;
    }
}

#define MS_TRY(call)                                                                           \
    do {                                                                                       \
        int mpi_rc_ = (call);                                                                  \
        if (mpi_rc_ != MPI_SUCCESS) {                                                          \
            ms->mpi_st = rc_fail(ms->err, RC_ERR_MPI, "MPI: %s failed (%d)", #call, mpi_rc_);   \
            ms->stopping = 1;                                                                  \
            return 0;                                                                          \
        }                                                                                      \
    } while (0)

/* Gives idle worker w something to do (policy: docs/user-guide.md, "Mixed sweeps"):
 *  - while distributed tasks are pending and whole groups can still form, w joins the pool; a
 *    full pool (group_k workers) starts the most expensive distributed task;
 *  - else the most expensive one-rank task;
 *  - else STOP: nothing is left that w could help with (the ranks in groups are enough to run
 *    the remaining distributed tasks).
 * Returns 0 after an MPI failure. */
static int master_assign(master_state *ms, int w)
{
    const rc_sched_params *p = ms->p;
    static const int64_t stop_word = -1;
    if (!ms->stopping && ms->dhead < ms->dn && ms->in_groups + ms->pool_n < ms->group_slots) {
        ms->pool[ms->pool_n++] = w;
        for (int i = ms->pool_n - 1; i > 0 && ms->pool[i] < ms->pool[i - 1]; --i) {
            const int tmp = ms->pool[i];
            ms->pool[i] = ms->pool[i - 1];
            ms->pool[i - 1] = tmp;
        }
        if (ms->pool_n < ms->group_k) return 1;
        int64_t *m = ms->task_msg;
        m[MSG_TASK] = ms->dq[ms->dhead++];
        m[MSG_GROUP_SIZE] = ms->group_k;
        for (int i = 0; i < ms->group_k; ++i) m[MSG_MEMBERS + i] = ms->pool[i];
        for (int i = 0; i < ms->group_k; ++i)
            MS_TRY(MPI_Send(m, MSG_MEMBERS + ms->group_k, MPI_INT64_T, ms->pool[i], TAG_TASK,
                            p->comm));
        ms->in_groups += ms->group_k;
        ms->pool_n = 0;
        return 1;
    }
    if (!ms->stopping && ms->head < ms->tail) {
        const int64_t m[2] = {ms->q[ms->head++], 0};
        MS_TRY(MPI_Send(m, 2, MPI_INT64_T, w, TAG_TASK, p->comm));
        return 1;
    }
    MS_TRY(MPI_Isend(&stop_word, 1, MPI_INT64_T, w, TAG_STOP, p->comm, &ms->stop_req[w]));
    ms->stop_sent[w] = 1;
    return 1;
}

/* Handles every report that has arrived; returns how many. */
static int master_serve(master_state *ms)
{
    const rc_sched_params *p = ms->p;
    const int64_t stop_word = -1;
    if (!ms->stopping && stop_signal_received) {
        ms->stopping = 1;
        ms->res->outcome = RC_SCHED_SIGNAL;
        ms->res->signal = (int)stop_signal_received;
    }
    if (ms->stopping) /* tell every worker, also the busy ones (they poll for it) */
        for (int w = 1; w < ms->size; ++w)
            if (!ms->stop_sent[w]) {
                MS_TRY(MPI_Isend(&stop_word, 1, MPI_INT64_T, w, TAG_STOP, p->comm, &ms->stop_req[w]));
                ms->stop_sent[w] = 1;
            }
    int served = 0;
    while (ms->active > 0) {
        int flag = 0;
        MPI_Status mst;
        MS_TRY(MPI_Test(&ms->rreq, &flag, &mst));
        if (!flag) break;
        served++;
        const int w = mst.MPI_SOURCE;
        report_msg r = ms->rep;
        MS_TRY(MPI_Irecv(&ms->rep, (int)sizeof ms->rep, MPI_BYTE, MPI_ANY_SOURCE, TAG_REPORT,
                         p->comm, &ms->rreq));
        master_note_report(ms, &r, w);
        if (r.bye) {
            ms->active--;
            continue;
        }
        if (ms->stop_sent[w]) continue; /* its STOP is already on the way */
        if (!master_assign(ms, w)) return served;
    }
    return served;
}

/* The service hook of rank 0's own task: 1 when that task must stop (the run is stopping). */
static int master_service_hook(void *ctx)
{
    master_state *ms = ctx;
    master_serve(ms);
    return ms->stopping;
}

static void master_free(master_state *ms)
{
    free(ms->q);
    free(ms->dq);
    free(ms->stop_sent);
    free(ms->stop_req);
    free(ms->pool);
    free(ms->task_msg);
}

static rc_status master(const rc_sched_params *p, int size, rc_sched_result *res, rc_error *err)
{
    master_state ms_, *ms = &ms_;
    memset(ms, 0, sizeof *ms);
    ms->p = p;
    ms->size = size;
    ms->res = res;
    ms->err = err;
    ms->active = size - 1;
    int64_t nq;
    ms->q = pending_queue(p, 0, &nq, err);
    ms->tail = nq;
    ms->dq = pending_queue(p, 1, &ms->dn, err);
    const int workers = size - 1;
    ms->group_k = p->job->ranks_per_dist_task < workers ? (int)p->job->ranks_per_dist_task
                                                         : workers;
    ms->group_slots = workers / ms->group_k * ms->group_k;
    ms->stop_sent = rc_calloc((size_t)size, 1, "worker state", err);
    ms->stop_req = rc_calloc((size_t)size, sizeof(MPI_Request), "worker state", err);
    ms->pool = rc_calloc((size_t)size, sizeof(int), "worker state", err);
    ms->task_msg = rc_calloc((size_t)size + MSG_MEMBERS, sizeof(int64_t), "worker state", err);
    if (!ms->q || !ms->dq || !ms->stop_sent || !ms->stop_req || !ms->pool || !ms->task_msg) {
        master_free(ms);
        return RC_ERR_NOMEM;
    }
    for (int w = 0; w < size; ++w) ms->stop_req[w] = MPI_REQUEST_NULL;
    progress_init(&ms->ps, p);
    MPI_TRY(MPI_Irecv(&ms->rep, (int)sizeof ms->rep, MPI_BYTE, MPI_ANY_SOURCE, TAG_REPORT, p->comm,
                      &ms->rreq));
    cancel_state cs = {p->comm, 0, 0, 0, now_s(), master_service_hook, ms};
    long us = 50;
    while (ms->active > 0 && ms->mpi_st == RC_OK) {
        if (master_serve(ms) > 0) {
            us = 50;
            continue;
        }
        const rc_task *next = ms->head < ms->tail ? &p->job->tasks[ms->q[ms->tail - 1]] : NULL;
        if (p->job->master_computes && !ms->stopping && next &&
            rc_task_kind_get(next->kind)->polls_every_step) {
            const int64_t id = ms->q[--ms->tail];
            report_msg own;
            run_and_record(p, id, 0, &cs, &own);
            master_note_report(ms, &own, 0);
            if (own.outcome == OUT_ABANDONED) ms->tail++; /* still pending: nobody else gets it */
            us = 50;
            continue;
        }
        sleep_us(us);
        if (us < 5000) us *= 2;
    }
    MPI_Cancel(&ms->rreq);
    MPI_Wait(&ms->rreq, MPI_STATUS_IGNORE);
    for (int w = 1; w < size; ++w)
        if (ms->stop_req[w] != MPI_REQUEST_NULL) quiet_wait(&ms->stop_req[w], NULL, 5000);
    if (res->outcome == RC_SCHED_COMPLETE && (ms->head < ms->tail || ms->dhead < ms->dn))
        res->outcome = RC_SCHED_SIGNAL;
    master_free(ms);
    return ms->mpi_st;
}

/* ---- a worker ------------------------------------------------------------------------------ */

#define WORKER_MPI(call)                                                                       \
    do {                                                                                       \
        int mpi_rc_ = (call);                                                                  \
        if (mpi_rc_ != MPI_SUCCESS) {                                                          \
            st = rc_fail(err, RC_ERR_MPI, "MPI: %s failed (%d)", #call, mpi_rc_);               \
            goto done;                                                                         \
        }                                                                                      \
    } while (0)

/* Worker side of a distributed task: forms the group's communicator with the other members
 * (collective over the members only) and runs the task on it. */
static rc_status worker_run_group(const rc_sched_params *p, const int64_t *msg, int rank,
                                  cancel_state *cs, report_msg *rep, rc_error *err)
{
    const int64_t id = msg[MSG_TASK];
    const int k = (int)msg[MSG_GROUP_SIZE];
    int *members = rc_calloc((size_t)k, sizeof(int), "task group", err);
    if (!members) return RC_ERR_NOMEM;
    for (int i = 0; i < k; ++i) members[i] = (int)msg[MSG_MEMBERS + i];
    MPI_Group all, grp;
    MPI_Comm sub = MPI_COMM_NULL;
    int rc = MPI_Comm_group(p->comm, &all);
    if (rc == MPI_SUCCESS) {
        rc = MPI_Group_incl(all, k, members, &grp);
        MPI_Group_free(&all);
    }
    if (rc == MPI_SUCCESS) {
        /* groups running at the same time are disjoint; the tag only has to be valid */
        rc = MPI_Comm_create_group(p->comm, grp, (int)(id % 32000), &sub);
        MPI_Group_free(&grp);
    }
    free(members);
    if (rc != MPI_SUCCESS)
        return rc_fail(err, RC_ERR_MPI, "MPI: could not form the group of task %lld (%d)",
                       (long long)id, rc);
    run_distributed(p, id, sub, rank, cs, rep);
    rep->left_group = 1;
    MPI_Comm_free(&sub);
    return RC_OK;
}

static rc_status worker(const rc_sched_params *p, int rank, int size, rc_error *err)
{
    cancel_state cs = {p->comm, 1, 0, 0, now_s(), NULL, NULL};
    report_msg rep;
    memset(&rep, 0, sizeof rep);
    rep.task = -1;
    int64_t *msg = rc_calloc((size_t)size + MSG_MEMBERS, sizeof(int64_t), "task message", err);
    if (!msg) return RC_ERR_NOMEM;
    rc_status st = RC_OK;
    for (;;) {
        rep.signal = (int32_t)stop_signal_received;
        if (cs.got_stop) { /* the master already said stop: leave without waiting for a reply */
            rep.bye = 1;
            WORKER_MPI(MPI_Send(&rep, (int)sizeof rep, MPI_BYTE, 0, TAG_REPORT, p->comm));
            break;
        }
        WORKER_MPI(MPI_Send(&rep, (int)sizeof rep, MPI_BYTE, 0, TAG_REPORT, p->comm));
        MPI_Request req;
        MPI_Status mst;
        WORKER_MPI(MPI_Irecv(msg, size + MSG_MEMBERS, MPI_INT64_T, 0, MPI_ANY_TAG, p->comm, &req));
        WORKER_MPI(quiet_wait(&req, &mst, 2000));
        memset(&rep, 0, sizeof rep);
        rep.task = -1;
        if (mst.MPI_TAG == TAG_STOP) {
            rep.bye = 1;
            rep.signal = (int32_t)stop_signal_received;
            WORKER_MPI(MPI_Send(&rep, (int)sizeof rep, MPI_BYTE, 0, TAG_REPORT, p->comm));
            break;
        }
        /* A distributed task starts even after a stop signal: the group's members must meet in
         * it, and the engine cancels it at its first poll (it stays pending). */
        if (msg[MSG_GROUP_SIZE] > 0) {
            st = worker_run_group(p, msg, rank, &cs, &rep, err);
            if (st != RC_OK) break;
            continue;
        }
        if (stop_signal_received) { /* do not start it: it stays pending */
            rep.task = msg[MSG_TASK];
            rep.outcome = OUT_ABANDONED;
            continue;
        }
        run_and_record(p, msg[MSG_TASK], rank, &cs, &rep);
    }
done:
    free(msg);
    return st;
}

rc_status rc_sched_run(const rc_sched_params *p, rc_sched_result *res, rc_error *err)
{
    memset(res, 0, sizeof *res);
    int rank, size;
    MPI_TRY(MPI_Comm_rank(p->comm, &rank));
    MPI_TRY(MPI_Comm_size(p->comm, &size));
    const double t0 = now_s(), c0 = cpu_s();
    rc_status st;
    if (size == 1)
        st = run_alone(p, res, err);
    else if (rank == 0)
        st = master(p, size, res, err);
    else
        st = worker(p, rank, size, err);
    /* Everyone learns how the run ended (the exit code and the summary depend on it). */
    int outcome = (int)res->outcome, sig = res->signal;
    if (rank == 0 && res->outcome == RC_SCHED_SIGNAL && sig == 0) sig = (int)stop_signal_received;
    res->master_cpu_s = cpu_s() - c0;
    rc_sched_quiet_barrier(p->comm);
    int pair[2] = {outcome, sig};
    MPI_TRY(MPI_Bcast(pair, 2, MPI_INT, 0, p->comm));
    res->outcome = (rc_sched_outcome)pair[0];
    res->signal = pair[1];
    res->wall_s = now_s() - t0;
    return st;
}
