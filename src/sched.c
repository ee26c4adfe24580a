/* Master/worker scheduling (sched.h). */
#include "rnnchaos/sched.h"

#include <math.h>
#include <signal.h>
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

/* Worker -> master: the outcome of the last task (if any) and whether the worker leaves. */
typedef struct {
    int64_t task;     /* -1: no task to report */
    int32_t outcome;  /* OUT_* */
    int32_t bye;      /* 1: the worker leaves the loop after this message */
    int32_t signal;   /* a stop signal the worker received, or 0 */
    int32_t pad;
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
    rc_task_cancel cancel = {cancel_requested, cs, cancel_requested_now};
    rc_task_output out;
    const double t0 = now_s();
    rc_status st = kind->run(t->p.raw, &cancel, &out, &err);
    rep->wall_s = now_s() - t0;
    rc_error werr;
    rc_error_clear(&werr);
    if (st == RC_ERR_SIGNAL) {
        rep->outcome = OUT_ABANDONED; /* stays pending in the archive */
        return;
    }
    rc_status wst;
    if (st == RC_OK) {
        rep->headline = out.headline;
        wst = rc_archive_write_done(p->ar, t, &out, rank, rep->wall_s, &werr);
        kind->output_free(&out);
        rep->outcome = OUT_DONE;
    } else {
        snprintf(rep->reason, sizeof rep->reason, "%s: %.240s", rc_status_name(st), err.msg);
        wst = rc_archive_write_failed(p->ar, t, rep->reason, rank, rep->wall_s, &werr);
        rep->outcome = OUT_FAILED;
    }
    if (wst != RC_OK) {
        rep->outcome = OUT_IO_ERROR;
        snprintf(rep->reason, sizeof rep->reason, "rank %d, task %lld: %.200s", rank, (long long)id,
                 werr.msg);
    }
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
    char e1[32], e2[32], desc[200];
    hms(el, e1, sizeof e1);
    hms(eta, e2, sizeof e2);
    kind->describe(t->p.raw, desc, sizeof desc);
    if (rep->outcome == OUT_DONE)
        fprintf(ps->p->progress,
                "[%lld/%lld done, %lld failed | %s elapsed, ETA %s] task %lld %s (%s r=%lld): "
                "%s = %.6g (rank %d, %.2f s)\n",
                (long long)ps->done, (long long)ps->total, (long long)ps->failed, e1, e2,
                (long long)t->id, kind->name, desc, (long long)t->realization, kind->headline,
                rep->headline, rank, rep->wall_s);
    else if (rep->outcome == OUT_FAILED)
        fprintf(ps->p->progress,
                "[%lld/%lld done, %lld failed | %s elapsed, ETA %s] task %lld %s (%s r=%lld) "
                "FAILED (rank %d, %.2f s): %s\n",
                (long long)ps->done, (long long)ps->total, (long long)ps->failed, e1, e2,
                (long long)t->id, kind->name, desc, (long long)t->realization, rank, rep->wall_s,
                rep->reason);
    fflush(ps->p->progress);
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

/* Pending task ids, largest estimated cost first; ties by id (a total order: deterministic). */
static int64_t *pending_queue(const rc_sched_params *p, int64_t *n, rc_error *err)
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
        if (p->status[i] == RC_TASK_PENDING) {
            e[*n].cost = p->job->tasks[i].cost_flops;
            e[*n].id = i;
            (*n)++;
        }
    qsort(e, (size_t)*n, sizeof *e, by_cost_desc);
    for (int64_t i = 0; i < *n; ++i) q[i] = e[i].id;
    free(e);
    return q;
}

static void progress_init(progress_state *ps, const rc_sched_params *p, const int64_t *q,
                          int64_t nq)
{
    memset(ps, 0, sizeof *ps);
    ps->p = p;
    ps->total = p->job->n_tasks;
    for (int64_t i = 0; i < p->job->n_tasks; ++i) {
        ps->done += p->status[i] == RC_TASK_DONE;
        ps->failed += p->status[i] == RC_TASK_FAILED;
    }
    for (int64_t i = 0; i < nq; ++i) ps->cost_left += p->job->tasks[q[i]].cost_flops;
    ps->t_start = now_s();
}

/* ---- one rank: it runs everything itself ---------------------------------------------------- */

static rc_status run_alone(const rc_sched_params *p, rc_sched_result *res, rc_error *err)
{
    int64_t nq;
    int64_t *q = pending_queue(p, &nq, err);
    if (!q) return RC_ERR_NOMEM;
    progress_state ps;
    progress_init(&ps, p, q, nq);
    cancel_state cs = {p->comm, 0, 0, 0, 0.0, NULL, NULL};
    for (int64_t k = 0; k < nq; ++k) {
        if (stop_signal_received) {
            res->outcome = RC_SCHED_SIGNAL;
            break;
        }
        report_msg rep;
        run_and_record(p, q[k], 0, &cs, &rep);
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
    int64_t *q, head, tail; /* pending tasks by decreasing cost: workers take q[head++], rank 0
                               takes q[--tail] */
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
        if (ms->stopping || ms->head >= ms->tail) {
            MS_TRY(MPI_Isend(&stop_word, 1, MPI_INT64_T, w, TAG_STOP, p->comm, &ms->stop_req[w]));
            ms->stop_sent[w] = 1;
        } else {
            MS_TRY(MPI_Send(&ms->q[ms->head], 1, MPI_INT64_T, w, TAG_TASK, p->comm));
            ms->head++;
        }
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
    ms->q = pending_queue(p, &nq, err);
    ms->tail = nq;
    ms->stop_sent = rc_calloc((size_t)size, 1, "worker state", err);
    ms->stop_req = rc_calloc((size_t)size, sizeof(MPI_Request), "worker state", err);
    if (!ms->q || !ms->stop_sent || !ms->stop_req) {
        free(ms->q);
        free(ms->stop_sent);
        free(ms->stop_req);
        return RC_ERR_NOMEM;
    }
    for (int w = 0; w < size; ++w) ms->stop_req[w] = MPI_REQUEST_NULL;
    progress_init(&ms->ps, p, ms->q, nq);
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
    if (res->outcome == RC_SCHED_COMPLETE && ms->head < ms->tail) res->outcome = RC_SCHED_SIGNAL;
    free(ms->q);
    free(ms->stop_sent);
    free(ms->stop_req);
    return ms->mpi_st;
}

/* ---- a worker ------------------------------------------------------------------------------ */

static rc_status worker(const rc_sched_params *p, int rank, rc_error *err)
{
    cancel_state cs = {p->comm, 1, 0, 0, now_s(), NULL, NULL};
    report_msg rep;
    memset(&rep, 0, sizeof rep);
    rep.task = -1;
    for (;;) {
        rep.signal = (int32_t)stop_signal_received;
        if (cs.got_stop) { /* the master already said stop: leave without waiting for a reply */
            rep.bye = 1;
            MPI_TRY(MPI_Send(&rep, (int)sizeof rep, MPI_BYTE, 0, TAG_REPORT, p->comm));
            break;
        }
        MPI_TRY(MPI_Send(&rep, (int)sizeof rep, MPI_BYTE, 0, TAG_REPORT, p->comm));
        int64_t id;
        MPI_Request req;
        MPI_Status mst;
        MPI_TRY(MPI_Irecv(&id, 1, MPI_INT64_T, 0, MPI_ANY_TAG, p->comm, &req));
        MPI_TRY(quiet_wait(&req, &mst, 2000));
        memset(&rep, 0, sizeof rep);
        rep.task = -1;
        if (mst.MPI_TAG == TAG_STOP) {
            rep.bye = 1;
            rep.signal = (int32_t)stop_signal_received;
            MPI_TRY(MPI_Send(&rep, (int)sizeof rep, MPI_BYTE, 0, TAG_REPORT, p->comm));
            break;
        }
        if (stop_signal_received) { /* do not start it: it stays pending */
            rep.task = id;
            rep.outcome = OUT_ABANDONED;
            continue;
        }
        run_and_record(p, id, rank, &cs, &rep);
    }
    return RC_OK;
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
        st = worker(p, rank, err);
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
