/* rnnchaos info ARCHIVE.h5 [--json]: the job, task counts and failures of a run archive.  Reads
 * only the archive (no MPI), also while a run is writing it. */
#include <stdio.h>
#include <string.h>

#include "rnnchaos/archive.h"
#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"

static const char info_help[] =
    "usage: rnnchaos info ARCHIVE.h5 [--json]\n"
    "\n"
    "The job that wrote the archive, done/failed/pending counts per task kind and the reasons\n"
    "of failed tasks.  Safe to run while the job is still running.\n";

static json_t *info_json(const rc_archive_info *in)
{
    json_t *o = json_object();
    json_object_set_new(o, "tasks", json_integer(in->n_tasks));
    json_object_set_new(o, "done", json_integer(in->done));
    json_object_set_new(o, "failed", json_integer(in->failed));
    json_object_set_new(o, "pending", json_integer(in->pending));
    json_object_set_new(o, "job_sha256", json_string(in->job_sha256 ? in->job_sha256 : ""));
    json_object_set_new(o, "job_file", json_string(in->job_file ? in->job_file : ""));
    json_object_set_new(o, "job_text", json_string(in->job_text ? in->job_text : ""));
    json_object_set_new(o, "created", json_string(in->created ? in->created : ""));
    json_object_set_new(o, "program_version",
                        json_string(in->program_version ? in->program_version : ""));
    json_object_set_new(o, "git_commit", json_string(in->git_commit ? in->git_commit : ""));
    json_object_set_new(o, "mpi_size", json_integer(in->mpi_size));
    json_object_set_new(o, "hosts", json_string(in->hosts ? in->hosts : ""));
    json_object_set_new(o, "runs", json_integer(in->runs));
    json_object_set_new(o, "run_log", json_string(in->run_log ? in->run_log : ""));
    json_t *kinds = json_array();
    for (int k = 0; k < in->n_kinds; ++k)
        json_array_append_new(kinds, json_pack("{s:s,s:I,s:I,s:I,s:I}", "kind", in->kinds[k].kind,
                                               "tasks", (json_int_t)in->kinds[k].n_tasks, "done",
                                               (json_int_t)in->kinds[k].done, "failed",
                                               (json_int_t)in->kinds[k].failed, "pending",
                                               (json_int_t)in->kinds[k].pending));
    json_object_set_new(o, "kinds", kinds);
    json_t *f = json_array();
    for (int64_t i = 0; i < in->n_failures; ++i)
        json_array_append_new(f, json_pack("{s:I,s:s,s:s}", "task", (json_int_t)in->failures[i].task,
                                           "kind", in->failures[i].kind, "reason",
                                           in->failures[i].reason));
    json_object_set_new(o, "failures", f);
    return o;
}

static void info_text(const char *path, const rc_archive_info *in)
{
    printf("archive   %s\n", path);
    printf("job       %s (sha256 %s)\n", in->job_file ? in->job_file : "?",
           in->job_sha256 ? in->job_sha256 : "?");
    printf("created   %s by rnnchaos %s (commit %s), %lld run%s\n", in->created ? in->created : "?",
           in->program_version ? in->program_version : "?", in->git_commit ? in->git_commit : "?",
           (long long)in->runs, in->runs == 1 ? "" : "s");
    if (in->run_log) {
        printf("runs:\n");
        const char *p = in->run_log;
        while (*p) {
            const char *nl = strchr(p, '\n');
            int n = nl ? (int)(nl - p) : (int)strlen(p);
            printf("  %.*s\n", n, p);
            p += n + (nl ? 1 : 0);
        }
    }
    printf("  %-12s %8s %8s %8s %8s\n", "kind", "tasks", "done", "failed", "pending");
    for (int k = 0; k < in->n_kinds; ++k)
        printf("  %-12s %8lld %8lld %8lld %8lld\n", in->kinds[k].kind,
               (long long)in->kinds[k].n_tasks, (long long)in->kinds[k].done,
               (long long)in->kinds[k].failed, (long long)in->kinds[k].pending);
    printf("  %-12s %8lld %8lld %8lld %8lld\n", "total", (long long)in->n_tasks,
           (long long)in->done, (long long)in->failed, (long long)in->pending);
    if (in->n_failures) printf("failed tasks:\n");
    for (int64_t i = 0; i < in->n_failures; ++i)
        printf("  task %lld (%s): %s\n", (long long)in->failures[i].task, in->failures[i].kind,
               in->failures[i].reason);
    printf("job file:\n%s", in->job_text ? in->job_text : "");
    if (in->job_text && in->job_text[0] && in->job_text[strlen(in->job_text) - 1] != '\n')
        printf("\n");
}

int rc_cmd_info(int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    const char *path = NULL;
    int json = 0;
    for (int i = 0; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(info_help, stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            rc_fail(&err, RC_ERR_INPUT, "unknown option %s (see rnnchaos info --help)", argv[i]);
            return rc_cli_report("info", &err);
        } else if (path) {
            rc_fail(&err, RC_ERR_INPUT, "one archive expected, got '%s' and '%s'", path, argv[i]);
            return rc_cli_report("info", &err);
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        rc_fail(&err, RC_ERR_INPUT, "missing the archive (usage: rnnchaos info ARCHIVE.h5 [--json])");
        return rc_cli_report("info", &err);
    }
    rc_archive_info in;
    if (rc_archive_info_read(path, &in, &err) != RC_OK) return rc_cli_report("info", &err);
    int code = 0;
    if (json) {
        code = rc_json_emit(info_json(&in));
    } else {
        info_text(path, &in);
    }
    rc_archive_info_free(&in);
    return code;
}
