/* rnnchaos run JOB.ini [-o ARCHIVE.h5] [--resume] [--dry-run]: a whole sweep over MPI ranks,
 * every result in one parallel HDF5 archive (job.h -> archive.h -> sched.h). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "rnnchaos/archive.h"
#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/dlyap.h"
#include "rnnchaos/job.h"
#include "rnnchaos/sched.h"

static const char run_help[] =
    "usage: rnnchaos run JOB.ini [-o ARCHIVE.h5] [--resume] [--dry-run]\n"
    "       (under mpiexec or srun: every rank computes, rank 0 also hands out the tasks;\n"
    "        [run] master_computes = no makes rank 0 only dispatch)\n"
    "\n"
    "Runs every task of a job file and stores all results in one HDF5 archive.\n"
    "  -o, --output FILE  the archive (default: [run] output, else JOB.h5)\n"
    "  --resume           continue an existing archive of the same job file: runs exactly\n"
    "                     its pending tasks (starts a new archive if there is none)\n"
    "  --dry-run          print the task table with cost and memory estimates; run nothing\n"
    "Job files: docs/user-guide.md (Job files); archive layout: docs/archive.md.\n"
    "SIGTERM, SIGUSR1 or SIGINT stop the run: running tasks stay pending, the archive is\n"
    "closed, exit code 3; --resume continues.\n"
    "Exit codes: 0 all tasks done, 1 a task or the run failed, 2 bad input, 3 stopped.\n";

typedef struct {
    const char *job_path;
    const char *output;
    int resume, dry_run, help;
} run_args;

static rc_status parse_args(int argc, char **argv, run_args *a, rc_error *err)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; ++i) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            a->help = 1;
        } else if (strcmp(s, "--resume") == 0) {
            a->resume = 1;
        } else if (strcmp(s, "--dry-run") == 0) {
            a->dry_run = 1;
        } else if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) {
            RC_CHECK(i + 1 < argc && argv[i + 1][0], err, RC_ERR_INPUT, "%s: missing file name", s);
            a->output = argv[++i];
        } else if (strncmp(s, "--output=", 9) == 0) {
            a->output = s + 9;
            RC_CHECK(a->output[0], err, RC_ERR_INPUT, "--output: missing file name");
        } else if (s[0] == '-' && s[1] != '\0') {
            return rc_fail(err, RC_ERR_INPUT, "unknown option %s (see rnnchaos run --help)", s);
        } else {
            RC_CHECK(!a->job_path, err, RC_ERR_INPUT,
                     "one job file expected, got '%s' and '%s'", a->job_path, s);
            a->job_path = s;
        }
    }
    RC_CHECK(a->help || a->job_path, err, RC_ERR_INPUT,
             "missing the job file (usage: rnnchaos run JOB.ini [-o ARCHIVE.h5] [--resume] "
             "[--dry-run])");
    RC_CHECK(!(a->resume && a->dry_run), err, RC_ERR_INPUT, "--resume and --dry-run exclude "
             "each other");
    return RC_OK;
}

/* Rank 0 reads the job file; every rank parses the same bytes, so all have the same tasks. */
static rc_status load_job_everywhere(const char *path, int rank, rc_job *job, rc_error *err)
{
    long long len = -1;
    char *text = NULL;
    rc_error rerr;
    rc_error_clear(&rerr);
    if (rank == 0) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            rc_fail(&rerr, RC_ERR_INPUT, "%s: cannot open the job file: %s", path, strerror(errno));
        } else {
            text = malloc(RC_JOB_MAX_TEXT + 2);
            if (!text) {
                rc_fail(&rerr, RC_ERR_NOMEM, "out of memory");
            } else {
                size_t n = fread(text, 1, RC_JOB_MAX_TEXT + 1, f);
                if (ferror(f))
                    rc_fail(&rerr, RC_ERR_INPUT, "%s: read error", path);
                else
                    len = (long long)n;
            }
            fclose(f);
        }
    }
    MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    if (len < 0) {
        free(text);
        if (rank == 0) {
            *err = rerr;
            return rerr.status;
        }
        return rc_fail(err, RC_ERR_INPUT, "the job file could not be read");
    }
    if (rank != 0) {
        text = malloc((size_t)len + 1);
        if (!text) return rc_fail(err, RC_ERR_NOMEM, "out of memory");
    }
    MPI_Bcast(text, (int)len, MPI_CHAR, 0, MPI_COMM_WORLD);
    rc_status st = rc_job_parse(text, (size_t)len, path, job, err);
    free(text);
    return st;
}

/* A distributed task's memory per rank is that of the grid it asks for (the job decides it,
 * not the number of ranks this run happens to have); the engine checks the grid it gets. */
static void dist_memory_estimates(rc_job *job)
{
    for (int64_t i = 0; i < job->n_tasks; ++i) {
        rc_task *t = &job->tasks[i];
        const rc_task_kind *kind = rc_task_kind_get(t->kind);
        if (t->ranks <= 1 || !kind->group_bytes) continue;
        t->mem_bytes = kind->group_bytes(t->p.raw, t->ranks);
    }
}

/* The scheduler's progress lines and the tasks' notes (the library does not print). */
static void print_progress(void *ctx, const char *line)
{
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

static void print_note(void *ctx, const char *msg) { fprintf(stderr, "rnnchaos: %s\n", msg); }

static void print_dry_run(const rc_job *job, const char *output)
{
    printf("job %s (sha256 %.16s...): %lld tasks, archive %s (~%.3g MiB)\n", job->name,
           job->sha256, (long long)job->n_tasks, output,
           rc_archive_estimate_bytes(job) / 1048576.0);
    printf("%-10s %6s %6s %12s %10s  %s\n", "kind", "first", "tasks", "GFLOP/task", "MiB/rank",
           "parameters");
    const int64_t max_rows = 200;
    int64_t rows = 0;
    double total = 0.0, mem_max = 0.0;
    for (int s = 0; s < job->n_sections; ++s) {
        const rc_job_section *sec = &job->sections[s];
        const rc_task_kind *kind = rc_task_kind_get(sec->kind);
        double kind_cost = 0.0, kind_mem = 0.0;
        for (int64_t c = 0; c < sec->n_combos; ++c) {
            const rc_task *t = &job->tasks[sec->first_task + c * sec->realizations];
            for (int64_t r = 0; r < sec->realizations; ++r) {
                const rc_task *tr = t + r;
                kind_cost += tr->cost_flops;
                if (tr->mem_bytes > kind_mem) kind_mem = tr->mem_bytes;
            }
            if (rows++ < max_rows) {
                char desc[256], grid[64];
                int Pr = 1, Pc = 1;
                rc_dlyap_default_grid(t->ranks, &Pr, &Pc);
                snprintf(grid, sizeof grid, " [distributed, %d ranks, grid %dx%d]", t->ranks, Pr, Pc);
                kind->describe(t->p.raw, desc, sizeof desc);
                printf("%-10s %6lld %6lld %12.4g %10.4g  %s%s\n", kind->name, (long long)t->id,
                       (long long)sec->realizations, t->cost_flops * 1e-9,
                       t->mem_bytes / 1048576.0, desc, t->ranks > 1 ? grid : "");
            }
        }
        if (rows > max_rows) printf("... (%lld more rows)\n", (long long)(rows - max_rows));
        printf("%-10s total: %lld tasks, %.4g GFLOP, at most %.4g MiB per rank\n", kind->name,
               (long long)sec->n_tasks, kind_cost * 1e-9, kind_mem / 1048576.0);
        total += kind_cost;
        if (kind_mem > mem_max) mem_max = kind_mem;
    }
    /* The rate is an assumption, not a measurement: say so. */
    printf("total: %lld tasks, %.4g GFLOP, at most %.4g MiB per rank; ~%.3g core-hours at an "
           "assumed 10 GFLOP/s per core\n",
           (long long)job->n_tasks, total * 1e-9, mem_max / 1048576.0, total / 1e10 / 3600.0);
}

/* "host:ranks,host:ranks" from every rank's processor name, the same string on every rank. */
static char *gather_hosts(int rank, int size)
{
    char name[MPI_MAX_PROCESSOR_NAME];
    int len = 0;
    memset(name, 0, sizeof name);
    MPI_Get_processor_name(name, &len);
    char *all = rank == 0 ? calloc((size_t)size, MPI_MAX_PROCESSOR_NAME) : NULL;
    MPI_Gather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, 0,
               MPI_COMM_WORLD);
    int out_len = 0;
    char *out = NULL;
    if (rank == 0) {
        out = calloc((size_t)size, MPI_MAX_PROCESSOR_NAME + 16);
        if (out && all) {
            for (int i = 0; i < size; ++i) {
                const char *h = all + (size_t)i * MPI_MAX_PROCESSOR_NAME;
                int seen = 0, count = 0;
                for (int j = 0; j < i; ++j) seen |= strcmp(h, all + (size_t)j * MPI_MAX_PROCESSOR_NAME) == 0;
                if (seen) continue;
                for (int j = i; j < size; ++j) count += strcmp(h, all + (size_t)j * MPI_MAX_PROCESSOR_NAME) == 0;
                sprintf(out + strlen(out), "%s%s:%d", out[0] ? "," : "", h, count);
            }
        }
        out_len = out ? (int)strlen(out) : 0;
    }
    free(all);
    MPI_Bcast(&out_len, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank != 0) out = calloc((size_t)out_len + 1, 1);
    if (!out) return NULL;
    MPI_Bcast(out, out_len, MPI_CHAR, 0, MPI_COMM_WORLD);
    out[out_len] = '\0';
    return out;
}

/* A string from rank 0 to everyone (freshly allocated). */
static char *bcast_string(const char *s, int rank)
{
    int len = rank == 0 ? (int)strlen(s) : 0;
    MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
    char *out = calloc((size_t)len + 1, 1);
    if (!out) return NULL;
    if (rank == 0) memcpy(out, s, (size_t)len);
    MPI_Bcast(out, len, MPI_CHAR, 0, MPI_COMM_WORLD);
    return out;
}

static char *command_line(int argc, char **argv)
{
    size_t len = 32;
    for (int i = 0; i < argc; ++i) len += strlen(argv[i]) + 1;
    char *s = calloc(len, 1);
    if (!s) return NULL;
    strcpy(s, "rnnchaos run");
    for (int i = 0; i < argc; ++i) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static void print_summary(const char *output, const rc_sched_result *sr, int size,
                          int master_computes)
{
    rc_archive_info info;
    rc_error err;
    rc_error_clear(&err);
    if (rc_archive_info_read(output, &info, &err) != RC_OK) {
        fprintf(stderr, "rnnchaos run: warning: cannot read back %s for the summary: %s\n", output,
                err.msg);
        return;
    }
    printf("\nSummary of %s (from the archive)\n", output);
    printf("  %-12s %8s %8s %8s %8s\n", "kind", "tasks", "done", "failed", "pending");
    for (int k = 0; k < info.n_kinds; ++k)
        printf("  %-12s %8lld %8lld %8lld %8lld\n", info.kinds[k].kind,
               (long long)info.kinds[k].n_tasks, (long long)info.kinds[k].done,
               (long long)info.kinds[k].failed, (long long)info.kinds[k].pending);
    printf("  %-12s %8lld %8lld %8lld %8lld\n", "total", (long long)info.n_tasks,
           (long long)info.done, (long long)info.failed, (long long)info.pending);
    printf("  this run: %lld done, %lld failed, %lld cancelled in %.2f s wall, %.2f task-seconds "
           "on %d rank%s\n",
           (long long)sr->done_now, (long long)sr->failed_now, (long long)sr->abandoned,
           sr->wall_s, sr->task_seconds, size, size > 1 ? "s" : "");
    if (size > 1)
        printf("  master (rank 0) CPU time: %.3f s over %.2f s wall (%s)\n", sr->master_cpu_s,
               sr->wall_s, master_computes ? "its own tasks and dispatching"
                                                 : "dispatch only: it sleeps while it waits");
    const int64_t show = info.n_failures < 20 ? info.n_failures : 20;
    if (info.n_failures) printf("  failed tasks:\n");
    for (int64_t i = 0; i < show; ++i)
        printf("    task %lld (%s): %s\n", (long long)info.failures[i].task, info.failures[i].kind,
               info.failures[i].reason);
    if (info.n_failures > show)
        printf("    ... and %lld more (rnnchaos info %s)\n", (long long)(info.n_failures - show),
               output);
    fflush(stdout);
    rc_archive_info_free(&info);
}

/* MPI_Init_thread came from rc_cmd_run (not from a program that embeds it, e.g. a test) */
static int owns_mpi;

static int finish(int code)
{
    if (owns_mpi) MPI_Finalize();
    return code;
}

/* Removes every task state in dir: before a new archive (states a deleted archive left behind
 * must never be continued) and once a run is complete (a state orphaned by a kill between a
 * task's record and its removal is of no use). */
static void clear_checkpoints(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[RC_PATH_MAX + 300];
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "task-", 5) == 0) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    closedir(d);
}

int rc_cmd_run(int argc, char **argv)
{
    int initialized = 0, provided = 0;
    MPI_Initialized(&initialized);
    if (!initialized && MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "rnnchaos run: error: MPI_Init_thread failed\n");
        return 1;
    }
    owns_mpi = !initialized;
    /* Before anything else: a stop signal from now on only sets a flag. */
    rc_sched_install_signal_handlers();
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    rc_error err;
    rc_error_clear(&err);
    run_args a;
    if (parse_args(argc, argv, &a, &err) != RC_OK) {
        int code = rank == 0 ? rc_cli_report("run", &err) : 2;
        return finish(code);
    }
    if (a.help) {
        if (rank == 0) fputs(run_help, stdout);
        return finish(0);
    }
    rc_job job;
    if (load_job_everywhere(a.job_path, rank, &job, &err) != RC_OK) {
        int code = rank == 0 ? rc_cli_report("run", &err) : rc_status_exit_code(err.status);
        return finish(code);
    }
    const char *output = a.output ? a.output : job.output;
    dist_memory_estimates(&job);
    if (a.dry_run) {
        if (rank == 0) print_dry_run(&job, output);
        rc_job_free(&job);
        return finish(0);
    }

    /* Never overwrite: a new archive needs a new file, --resume an existing one. */
    int exists = rank == 0 ? access(output, F_OK) == 0 : 0;
    MPI_Bcast(&exists, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (exists && !a.resume) {
        rc_fail(&err, RC_ERR_INPUT, "%s exists: continue it with --resume, or choose another "
                "archive with -o", output);
        int code = rank == 0 ? rc_cli_report("run", &err) : 2;
        rc_job_free(&job);
        return finish(code);
    }
    int writable = 1;
    if (rank == 0 && !exists) {
        /* a bad -o is bad input (exit 2), found before any collective HDF5 call */
        char dir[RC_PATH_MAX];
        rc_path_dir(output, dir, sizeof dir);
        writable = access(dir, W_OK | X_OK) == 0;
        if (!writable)
            rc_fail(&err, RC_ERR_INPUT, "%s: cannot create the archive: directory '%s' is not "
                    "writable or does not exist", output, dir);
    }
    MPI_Bcast(&writable, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!writable) {
        int code = rank == 0 ? rc_cli_report("run", &err) : 2;
        rc_job_free(&job);
        return finish(code);
    }
    if (!exists && a.resume && rank == 0)
        fprintf(stderr, "rnnchaos run: %s does not exist yet: starting a new archive\n", output);

    char date[64];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    char *cmd0 = rank == 0 ? command_line(argc, argv) : NULL;
    char *cmd = bcast_string(rank == 0 ? (cmd0 ? cmd0 : "rnnchaos run") : "", rank);
    char *date_all = bcast_string(date, rank);
    char *hosts = gather_hosts(rank, size);
    free(cmd0);
    rc_archive *ar = NULL;
    rc_status st = RC_OK;
    int code = 0;
    int8_t *status = NULL;
    if (!cmd || !date_all || !hosts) {
        st = rc_fail(&err, RC_ERR_NOMEM, "out of memory");
    } else {
        rc_archive_run_info info = {cmd, hosts, date_all, size};
        st = exists ? rc_archive_open_resume(output, &job, MPI_COMM_WORLD, &info, &ar, &err)
                    : rc_archive_create(output, &job, MPI_COMM_WORLD, &info, &ar, &err);
    }
    /* Opening is collective: agree on the outcome before anyone goes on. */
    int ok = st == RC_OK, all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (!all_ok) {
        if (rank == 0) code = st != RC_OK ? rc_cli_report("run", &err) : 1;
        if (ar) rc_archive_close(ar, NULL);
        goto done;
    }
    if (rank == 0) {
        status = rc_calloc((size_t)job.n_tasks + 1, 1, "task status", &err);
        st = status ? rc_archive_read_status(ar, status, &err) : RC_ERR_NOMEM;
    }
    ok = st == RC_OK;
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!ok) {
        if (rank == 0) code = rc_cli_report("run", &err);
        rc_archive_close(ar, NULL);
        goto done;
    }
    if (rank == 0) {
        int64_t pending = 0;
        for (int64_t i = 0; i < job.n_tasks; ++i) pending += status[i] == RC_TASK_PENDING;
        fprintf(stderr, "rnnchaos run: %s -> %s: %lld tasks, %lld pending, on %d rank%s%s\n",
                job.name, output, (long long)job.n_tasks, (long long)pending, size,
                size > 1 ? "s" : "",
                size > 1 ? (job.master_computes ? " (rank 0 dispatches and computes)"
                                                : " (rank 0 dispatches)")
                         : "");
    }
    /* mid-task checkpoints next to the archive; every rank makes sure the folder exists (a
     * shared file system answers EEXIST to all but one) */
    char ckpt_dir[RC_PATH_MAX + 8];
    snprintf(ckpt_dir, sizeof ckpt_dir, "%s.ckpt", output);
    int ckpt_ok = job.checkpoints && (mkdir(ckpt_dir, 0777) == 0 || errno == EEXIST);
    if (ckpt_ok && !exists && rank == 0) clear_checkpoints(ckpt_dir); /* of a deleted archive */
    if (job.checkpoints && !ckpt_ok)
        fprintf(stderr, "rnnchaos run: warning: cannot create %s (%s): no mid-task checkpoints "
                "on rank %d\n", ckpt_dir, strerror(errno), rank);
    rc_sched_params sp = {.job = &job, .ar = ar, .comm = MPI_COMM_WORLD, .status = status,
                          .progress = rank == 0 ? print_progress : NULL, .note = print_note,
                          .checkpoint_dir = ckpt_ok ? ckpt_dir : NULL,
                          .checkpoint_every_s = job.checkpoint_every};
    if (rc_memory_per_rank(MPI_COMM_WORLD, 0.0, &sp.mem_per_rank, &err) != RC_OK)
        sp.mem_per_rank = 0.0; /* unknown: let the allocations decide */
    rc_sched_result sr;
    st = rc_sched_run(&sp, &sr, &err);
    rc_error cerr;
    rc_error_clear(&cerr);
    rc_status cst = rc_archive_close(ar, &cerr);
    if (rank == 0) {
        if (st != RC_OK) code = rc_cli_report("run", &err);
        if (cst != RC_OK) code = rc_cli_report("run", &cerr);
        print_summary(output, &sr, size, job.master_computes);
        if (code == 0) {
            rc_archive_info info;
            rc_error ierr;
            int failed = 0, pending = 0;
            if (rc_archive_info_read(output, &info, &ierr) == RC_OK) {
                failed = info.failed > 0;
                pending = info.pending > 0;
                rc_archive_info_free(&info);
            }
            switch (sr.outcome) {
            case RC_SCHED_SIGNAL:
                fprintf(stderr, "rnnchaos run: stopped by signal %d; pending tasks stay pending: "
                        "continue with  rnnchaos run %s -o %s --resume\n", sr.signal, job.name,
                        output);
                code = 3;
                break;
            case RC_SCHED_MAX_FAILURES:
                fprintf(stderr, "rnnchaos run: stopped after %lld failed tasks (max_failures)\n",
                        (long long)sr.failed_now);
                code = 1;
                break;
            case RC_SCHED_IO_ERROR:
                fprintf(stderr, "rnnchaos run: error: writing the archive failed: %s\n",
                        sr.io_error);
                code = 1;
                break;
            case RC_SCHED_COMPLETE: code = failed || pending ? 1 : 0; break;
            }
            if (sr.outcome == RC_SCHED_COMPLETE) { /* no task needs a state any more */
                clear_checkpoints(ckpt_dir);
                rmdir(ckpt_dir);
            }
        }
    }
done:
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    free(status);
    free(cmd);
    free(date_all);
    free(hosts);
    rc_job_free(&job);
    return finish(code);
}
