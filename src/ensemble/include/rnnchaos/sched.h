/* The master/worker loop over MPI (architecture.md layer 6).
 *
 * Rank 0 hands out the pending tasks, largest estimated cost first (ties by id).  It also runs
 * tasks itself (job key master_computes, default yes), taking them from the cheap end of the
 * queue, and answers the workers from inside its own task through the task's per-step
 * cancellation poll (every ~20 ms): -n cores keeps every core computing.  With
 * master_computes = no it only dispatches and sleeps between non-blocking probes while it
 * waits.  Workers wait for replies the same way (no busy-polling inside MPI_Recv).
 *
 * Mixed sweeps: tasks of kinds with a distributed runner (job.h, run_group: spectrum) with
 * N >= dist_min_N run on groups of ranks_per_dist_task workers (fewer if the run has fewer
 * workers) that form their own communicator (MPI_Comm_create_group, collective over the members
 * only), on which the kind's runner works (spectrum: a BLACS grid and rc_dlyap_run).  Idle workers join a pool while distributed tasks are pending and whole
 * groups can still form; a full pool starts the most expensive one.  Workers that could not
 * complete another group take one-rank tasks; rank 0 never joins a group (it keeps serving).
 * With one rank, a distributed task runs on a 1 x 1 grid.
 *
 * Each worker writes its task's rows into the archive (results, then status) and then reports
 * to the master, so every count the master prints is already in the archive.  A task that fails
 * is recorded with its reason and the run goes on; max_failures stops the run early.
 *
 * SIGTERM, SIGUSR1 and SIGINT (on any rank) stop the run: no task is handed out any more,
 * running tasks are cancelled and left pending, every rank returns so the archive can be closed
 * collectively.  The handlers only set a flag. */
#ifndef RNNCHAOS_SCHED_H
#define RNNCHAOS_SCHED_H

#include <stdint.h>

#include <mpi.h>

#include "rnnchaos/archive.h"
#include "rnnchaos/error.h"
#include "rnnchaos/job.h"

typedef struct {
    const rc_job *job;
    rc_archive *ar;
    MPI_Comm comm;
    const int8_t *status; /* rank 0: status of every task when the run starts */
    /* rank 0: receives every progress line (one line, no newline), NULL for none */
    void (*progress)(void *ctx, const char *line);
    void *progress_ctx;
    /* any rank: warnings and notes of the tasks it runs (rc_task_cancel.note), NULL for none */
    void (*note)(void *ctx, const char *msg);
    void *note_ctx;
    double mem_per_rank;  /* bytes a rank may use (rc_memory_per_rank), 0: unknown, no check;
                             one-rank tasks whose estimate exceeds it fail at once with the
                             reason; distributed tasks are checked by the engine for their grid */
    const char *checkpoint_dir; /* NULL: no mid-task checkpoints; else the folder where one-rank
                                   tasks keep their state (task-ID.h5), removed once recorded */
    double checkpoint_every_s;  /* store the state every so many seconds too (0: only at a stop) */
} rc_sched_params;

typedef enum {
    RC_SCHED_COMPLETE = 0,  /* every task handed out and finished */
    RC_SCHED_SIGNAL,        /* stopped by a signal: resumable */
    RC_SCHED_MAX_FAILURES,  /* stopped because max_failures tasks failed */
    RC_SCHED_IO_ERROR       /* a rank could not write the archive */
} rc_sched_outcome;

typedef struct {
    rc_sched_outcome outcome; /* the same on every rank */
    int64_t done_now, failed_now, abandoned; /* this run (rank 0) */
    double task_seconds;      /* sum of task wall times this run (rank 0) */
    double wall_s;
    double master_cpu_s;      /* rank 0: CPU time rank 0 used in the loop (its own tasks too) */
    int signal;               /* the signal that stopped the run, 0 if none */
    char io_error[RC_ERROR_MSG_LEN]; /* rank 0: the failing rank's message */
} rc_sched_result;

/* Install the stop handlers (SIGTERM, SIGUSR1, SIGINT).  Call once, early. */
void rc_sched_install_signal_handlers(void);
/* The signal received so far, or 0. */
int rc_sched_stop_signal(void);

/* Collective over p->comm.  Runs every pending task of p->job. */
rc_status rc_sched_run(const rc_sched_params *p, rc_sched_result *res, rc_error *err);

/* Collective.  A barrier that sleeps instead of spinning while slower ranks finish. */
void rc_sched_quiet_barrier(MPI_Comm comm);

#endif
