/* Job files -> deterministic task lists (job.h).  The INI syntax is libinih's; this file adds
 * the [run] keys, the task sections and the line numbers for every message (the value grammar
 * is in values.c, the kinds in kinds/). */
#include "rnnchaos/job.h"
#include "values.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "rnnchaos/sha256.h"

/* ============================================================================================
 * Parsing: libinih reads the INI syntax from memory through a line reader that counts lines
 * (the installed libinih does not pass line numbers to handlers).
 * ============================================================================================ */

typedef struct {
    char section[RC_JOB_KEY_LEN];
    char key[RC_JOB_KEY_LEN];
    char *value;
    int line;
} ini_entry;

typedef struct {
    char name[RC_JOB_KEY_LEN];
    int line;
} ini_header;

typedef struct {
    const char *p, *end;
    int line;          /* physical line last handed to libinih */
    int indented;      /* that line starts with white space (a continuation line) */
    ini_entry *entries;
    int n_entries, cap_entries;
    ini_header *headers;
    int n_headers, cap_headers;
    const char *name;  /* file name for messages */
    rc_error *err;
    int failed;        /* first error recorded in err */
    int failed_line;
} ini_state;

static int state_fail(ini_state *s, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int state_fail(ini_state *s, int line, const char *key, const char *fmt, ...)
{
    if (s->failed) return 0;
    char msg[RC_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (key)
        rc_fail(s->err, RC_ERR_INPUT, "%s:%d: %s: %s", s->name, line, key, msg);
    else
        rc_fail(s->err, RC_ERR_INPUT, "%s:%d: %s", s->name, line, msg);
    s->failed = 1;
    s->failed_line = line;
    return 0;
}

static char *ini_line_reader(char *str, int num, void *stream)
{
    ini_state *s = stream;
    if (s->p >= s->end) return NULL;
    const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
    const char *stop = nl ? nl + 1 : s->end;
    size_t len = (size_t)(stop - s->p);
    s->line++;
    s->indented = len > 0 && (s->p[0] == ' ' || s->p[0] == '\t');
    if (len + 1 > (size_t)num) {
        state_fail(s, s->line, NULL, "line longer than %d characters (split a long list with "
                   "indented continuation lines)", num - 3);
        len = (size_t)num - 1;
    }
    memcpy(str, s->p, len);
    str[len] = '\0';
    /* libinih does not tell handlers where a section starts: note headers here. */
    const char *q = str;
    while (*q == ' ' || *q == '\t') ++q;
    if (*q == '[') {
        const char *close = strchr(q, ']');
        if (close && s->n_headers < 1000) {
            if (s->n_headers == s->cap_headers) {
                int cap = s->cap_headers ? 2 * s->cap_headers : 8;
                ini_header *h = realloc(s->headers, (size_t)cap * sizeof *h);
                if (!h) {
                    state_fail(s, s->line, NULL, "out of memory");
                    return NULL;
                }
                s->headers = h;
                s->cap_headers = cap;
            }
            ini_header *h = &s->headers[s->n_headers++];
            rc_job_trim_copy(q + 1, close, h->name, sizeof h->name);
            h->line = s->line;
            /* libinih ignores what follows the ']': only a comment may */
            const char *rest = close + 1;
            while (*rest == ' ' || *rest == '\t' || *rest == '\r' || *rest == '\n') ++rest;
            if (*rest != '\0' && *rest != ';' && *rest != '#') {
                char junk[64];
                rc_job_trim_copy(rest, rest + strlen(rest), junk, sizeof junk);
                state_fail(s, s->line, NULL, "text after the section header [%s]: '%s' (only a "
                           "comment may follow it)", h->name, junk);
            }
        }
    }
    s->p = stop;
    return str;
}

static int job_ini_handler(void *user, const char *section, const char *name, const char *value)
{
    ini_state *s = user;
    if (s->failed) return 0;
    if (section[0] == '\0')
        return state_fail(s, s->line, name, "key outside any section (put it under [run] or a "
                          "task section such as [spectrum])");
    if (strlen(section) >= RC_JOB_KEY_LEN || strlen(name) >= RC_JOB_KEY_LEN)
        return state_fail(s, s->line, NULL, "section or key name too long");
    /* libinih repeats the key for an indented continuation line: join it to the value. */
    if (s->indented && s->n_entries > 0) {
        ini_entry *last = &s->entries[s->n_entries - 1];
        if (strcmp(last->section, section) == 0 && strcmp(last->key, name) == 0) {
            size_t a = strlen(last->value), b = strlen(value);
            char *v = realloc(last->value, a + b + 2);
            if (!v) return state_fail(s, s->line, name, "out of memory");
            v[a] = ' ';
            memcpy(v + a + 1, value, b + 1);
            last->value = v;
            return 1;
        }
    }
    /* "t_sim", "t-sim" and "--t-sim" name one option: compare the normalised names, or the
     * second spelling would silently replace the first (issue 18 item 7). */
    char norm[RC_JOB_KEY_LEN], other[RC_JOB_KEY_LEN];
    rc_option_normalize(name, norm, sizeof norm);
    for (int i = 0; i < s->n_entries; ++i) {
        if (strcmp(s->entries[i].section, section) != 0) continue;
        rc_option_normalize(s->entries[i].key, other, sizeof other);
        if (strcmp(other, norm) != 0) continue;
        if (strcmp(s->entries[i].key, name) == 0)
            return state_fail(s, s->line, name, "given twice in [%s] (first at line %d)",
                              section, s->entries[i].line);
        return state_fail(s, s->line, name, "given twice in [%s] (first at line %d as %s)",
                          section, s->entries[i].line, s->entries[i].key);
    }
    if (s->n_entries == s->cap_entries) {
        int cap = s->cap_entries ? 2 * s->cap_entries : 16;
        ini_entry *e = realloc(s->entries, (size_t)cap * sizeof *e);
        if (!e) return state_fail(s, s->line, name, "out of memory");
        s->entries = e;
        s->cap_entries = cap;
    }
    ini_entry *e = &s->entries[s->n_entries];
    snprintf(e->section, sizeof e->section, "%s", section);
    snprintf(e->key, sizeof e->key, "%s", name);
    e->value = strdup(value);
    if (!e->value) return state_fail(s, s->line, name, "out of memory");
    e->line = s->line;
    s->n_entries++;
    return 1;
}

static void ini_state_free(ini_state *s)
{
    for (int i = 0; i < s->n_entries; ++i) free(s->entries[i].value);
    free(s->entries);
    free(s->headers);
}

/* ---- [run] ------------------------------------------------------------------------------- */

static rc_status run_key_int(ini_state *s, const ini_entry *e, int64_t lo, int64_t hi,
                             int64_t *out)
{
    int64_t v;
    rc_error e2;
    if (rc_parse_int64(e->value, e->key, &v, &e2) != RC_OK || v < lo || v > hi) {
        state_fail(s, e->line, e->key, "expected one integer between %lld and %lld, got '%s'",
                   (long long)lo, (long long)hi, e->value);
        return RC_ERR_INPUT;
    }
    *out = v;
    return RC_OK;
}

static rc_status parse_run_section(ini_state *s, rc_job *job)
{
    for (int i = 0; i < s->n_entries; ++i) {
        const ini_entry *e = &s->entries[i];
        if (strcmp(e->section, "run") != 0) continue;
        char norm[RC_JOB_KEY_LEN];
        rc_option_normalize(e->key, norm, sizeof norm);
        if (strcmp(norm, "output") == 0) {
            if (e->value[0] == '\0' || strlen(e->value) >= sizeof job->output) {
                state_fail(s, e->line, e->key, "expected a file name");
                return RC_ERR_INPUT;
            }
            snprintf(job->output, sizeof job->output, "%s", e->value);
        } else if (strcmp(norm, "seed") == 0) {
            rc_error e2;
            if (rc_parse_uint64(e->value, "seed", &job->seed, &e2) != RC_OK) {
                state_fail(s, e->line, e->key, "expected one non-negative integer, got '%s'",
                           e->value);
                return RC_ERR_INPUT;
            }
        } else if (strcmp(norm, "realizations") == 0) {
            RC_TRY(run_key_int(s, e, 1, 1000000, &job->realizations));
        } else if (strcmp(norm, "max-failures") == 0) {
            RC_TRY(run_key_int(s, e, 0, INT64_MAX, &job->max_failures));
        } else if (strcmp(norm, "dist-min-N") == 0) {
            RC_TRY(run_key_int(s, e, 0, INT64_MAX, &job->dist_min_N));
        } else if (strcmp(norm, "ranks-per-dist-task") == 0) {
            RC_TRY(run_key_int(s, e, 1, 1000000, &job->ranks_per_dist_task));
        } else if (strcmp(norm, "checkpoints") == 0) {
            rc_error e2;
            if (rc_parse_bool(e->value, "checkpoints", &job->checkpoints, &e2) != RC_OK) {
                state_fail(s, e->line, e->key, "expected yes or no, got '%s'", e->value);
                return RC_ERR_INPUT;
            }
        } else if (strcmp(norm, "checkpoint-every") == 0) {
            rc_error e2;
            double v;
            if (rc_parse_double(e->value, "checkpoint_every", &v, &e2) != RC_OK || !(v >= 0)) {
                state_fail(s, e->line, e->key, "expected seconds >= 0, got '%s'", e->value);
                return RC_ERR_INPUT;
            }
            job->checkpoint_every = v;
        } else if (strcmp(norm, "master-computes") == 0) {
            rc_error e2;
            if (rc_parse_bool(e->value, "master_computes", &job->master_computes, &e2) != RC_OK) {
                state_fail(s, e->line, e->key, "expected yes or no, got '%s'", e->value);
                return RC_ERR_INPUT;
            }
        } else {
            state_fail(s, e->line, e->key, "unknown key in [run] (known: output, seed, "
                       "realizations, max_failures, dist_min_N, ranks_per_dist_task, "
                       "master_computes, checkpoints, checkpoint_every)");
            return RC_ERR_INPUT;
        }
    }
    return RC_OK;
}

/* ---- task sections ----------------------------------------------------------------------- */

/* The kind of a section: its name's, or with `model = NAME` (one model per section) the kind
 * <section>_<NAME> made for that model (model_kind.h); "rate" is the section's own kind.
 * 0 with the failure recorded. */
static int section_kind(ini_state *s, rc_job_section *sec, int kind)
{
    sec->kind = kind;
    sec->model[0] = '\0';
    for (int i = 0; i < s->n_entries; ++i) {
        const ini_entry *e = &s->entries[i];
        char norm[RC_JOB_KEY_LEN];
        rc_option_normalize(e->key, norm, sizeof norm);
        if (strcmp(e->section, sec->name) != 0 || strcmp(norm, "model") != 0) continue;
        if (strchr(e->value, ',') || strlen(e->value) >= sizeof sec->model)
            return state_fail(s, e->line, e->key, "one model per section, got '%s' (a second "
                              "model goes in a section of its own, e.g. [%s_lstm])", e->value,
                              sec->name);
        snprintf(sec->model, sizeof sec->model, "%s", e->value);
        if (strcmp(e->value, "rate") == 0) return 1;
        char name[2 * RC_JOB_KEY_LEN + 2];
        snprintf(name, sizeof name, "%s_%s", sec->name, e->value);
        sec->kind = rc_task_kind_find(name);
        if (sec->kind >= 0) return 1;
        char models[256] = "rate";
        for (int k = 0; k < rc_task_kind_count(); ++k) {
            const char *kn = rc_task_kind_get(k)->name;
            const size_t len = strlen(sec->name);
            if (strncmp(kn, sec->name, len) == 0 && kn[len] == '_')
                snprintf(models + strlen(models), sizeof models - strlen(models), ", %s",
                         kn + len + 1);
        }
        return state_fail(s, e->line, e->key, "unknown model '%s' for [%s] (models: %s)",
                          e->value, sec->name, models);
    }
    return 1;
}

/* "--t-ons: must be ..." -> line of the key t_ons in the section (or the section header). */
static const rc_job_key *key_of_message(const rc_job_section *sec, const char *msg)
{
    if (strncmp(msg, "--", 2) != 0) return NULL;
    char name[RC_JOB_KEY_LEN], norm[RC_JOB_KEY_LEN];
    size_t n = strcspn(msg + 2, ":/ ");
    if (n >= sizeof name) return NULL;
    memcpy(name, msg + 2, n);
    name[n] = '\0';
    for (int k = 0; k < sec->n_keys; ++k) {
        rc_option_normalize(sec->keys[k].key, norm, sizeof norm);
        if (strcmp(norm, name) == 0) return &sec->keys[k];
    }
    return NULL;
}

/* Drop a leading "--name: " of an option parser's message: the job message names the key. */
static const char *strip_option_prefix(const char *msg)
{
    if (strncmp(msg, "--", 2) != 0) return msg;
    const char *c = strstr(msg, ": ");
    return c ? c + 2 : msg;
}

static rc_status parse_task_section(ini_state *s, rc_job *job, rc_job_section *sec)
{
    const char *section_name = sec->name;
    const rc_task_kind *kind = rc_task_kind_get(sec->kind);
    sec->realizations = job->realizations;
    void *scratch = rc_calloc(1, kind->config_size, "job section", s->err);
    if (!scratch) return RC_ERR_NOMEM;
    rc_status st = RC_OK;
    for (int i = 0; i < s->n_entries; ++i) {
        const ini_entry *e = &s->entries[i];
        if (strcmp(e->section, section_name) != 0) continue;
        char norm[RC_JOB_KEY_LEN];
        rc_option_normalize(e->key, norm, sizeof norm);
        if (strcmp(norm, "realizations") == 0) {
            RC_GOTO(run_key_int(s, e, 1, 1000000, &sec->realizations));
            continue;
        }
        if (strcmp(norm, "model") == 0) continue; /* chose the kind (section_kind) */
        if (!kind->has_key(e->key)) {
            state_fail(s, e->line, e->key, "unknown key in [%s] (keys are the options of "
                       "rnnchaos %s%s%s --help, with '-' written as '_')", section_name,
                       section_name, sec->model[0] ? " --model " : "", sec->model);
            st = RC_ERR_INPUT;
            goto cleanup;
        }
        rc_job_key *k = &sec->keys[sec->n_keys++];
        snprintf(k->key, sizeof k->key, "%s", e->key);
        k->line = e->line;
        rc_error e2;
        rc_error_clear(&e2);
        if (rc_job_expand_value(e->value, &k->values, &k->n_values, &e2) != RC_OK) {
            state_fail(s, e->line, e->key, "%s", e2.msg);
            st = RC_ERR_INPUT;
            goto cleanup;
        }
        /* Check every value alone, so a bad one is reported at its own line. */
        for (int v = 0; v < k->n_values; ++v) {
            kind->config_default(scratch, job->seed);
            if (kind->config_set(scratch, e->key, k->values[v], &e2) != RC_OK) {
                state_fail(s, e->line, e->key, "%s", strip_option_prefix(e2.msg));
                st = RC_ERR_INPUT;
                goto cleanup;
            }
        }
    }
    sec->n_combos = 1;
    for (int k = 0; k < sec->n_keys; ++k) {
        sec->n_combos *= sec->keys[k].n_values;
        if (sec->n_combos * sec->realizations > RC_JOB_MAX_TASKS) {
            state_fail(s, sec->keys[k].line, sec->keys[k].key,
                       "more than %d tasks in [%s]", RC_JOB_MAX_TASKS, section_name);
            st = RC_ERR_INPUT;
            goto cleanup;
        }
    }
    sec->n_tasks = sec->n_combos * sec->realizations;
cleanup:
    free(scratch);
    return st;
}

/* Decode combination c into value indices (the last key varies fastest). */
static void combo_indices(const rc_job_section *sec, int64_t c, int *idx)
{
    for (int k = sec->n_keys - 1; k >= 0; --k) {
        idx[k] = (int)(c % sec->keys[k].n_values);
        c /= sec->keys[k].n_values;
    }
}

/* "N = 20, g = 2" for the list-valued keys of a combination: where a validation error came from. */
static void combo_context(const rc_job_section *sec, const int *idx, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < sec->n_keys && used + 1 < len; ++k) {
        if (sec->keys[k].n_values < 2) continue;
        int n = snprintf(buf + used, len - used, "%s%s = %s", used ? ", " : "", sec->keys[k].key,
                         sec->keys[k].values[idx[k]]);
        if (n < 0) break;
        used += (size_t)n;
    }
}

static int64_t task_param_N(const rc_task_kind *kind, const rc_task *t)
{
    for (int c = 0; c < kind->n_params; ++c)
        if (strcmp(kind->params[c].name, "N") == 0 && kind->params[c].type == RC_COL_I64) {
            int64_t N;
            memcpy(&N, t->p.raw + kind->params[c].offset, sizeof N);
            return N;
        }
    return 0;
}

static rc_status build_tasks(ini_state *s, rc_job *job)
{
    job->n_tasks = 0;
    for (int i = 0; i < job->n_sections; ++i) {
        job->sections[i].first_task = job->n_tasks;
        job->n_tasks += job->sections[i].n_tasks;
        if (job->n_tasks > RC_JOB_MAX_TASKS) {
            state_fail(s, job->sections[i].line, NULL, "more than %d tasks in the job",
                       RC_JOB_MAX_TASKS);
            return RC_ERR_INPUT;
        }
    }
    job->tasks = rc_calloc((size_t)job->n_tasks, sizeof(rc_task), "task list", s->err);
    if (!job->tasks) return RC_ERR_NOMEM;
    int64_t id = 0;
    for (int i = 0; i < job->n_sections; ++i) {
        rc_job_section *sec = &job->sections[i];
        const rc_task_kind *kind = rc_task_kind_get(sec->kind);
        void *config = rc_calloc(1, kind->config_size, "job section", s->err);
        int *idx = rc_calloc((size_t)sec->n_keys + 1, sizeof(int), "job section", s->err);
        if (!config || !idx) {
            free(config);
            free(idx);
            return RC_ERR_NOMEM;
        }
        rc_status st = RC_OK;
        for (int64_t c = 0; c < sec->n_combos && st == RC_OK; ++c) {
            combo_indices(sec, c, idx);
            kind->config_default(config, job->seed);
            rc_error e2;
            rc_error_clear(&e2);
            for (int k = 0; k < sec->n_keys && st == RC_OK; ++k)
                st = kind->config_set(config, sec->keys[k].key, sec->keys[k].values[idx[k]], &e2);
            if (st != RC_OK) { /* already checked value by value: cannot happen */
                state_fail(s, sec->line, NULL, "[%s]: %s", sec->name, e2.msg);
                break;
            }
            for (int64_t r = 0; r < sec->realizations; ++r) {
                rc_task *t = &job->tasks[id];
                t->id = id;
                t->kind = sec->kind;
                t->kind_index = id - sec->first_task;
                t->combo = c;
                t->realization = r;
                t->ranks = 1;
                st = kind->make_task(config, r, t->p.raw, &e2);
                if (st != RC_OK) {
                    char ctx[256];
                    combo_context(sec, idx, ctx, sizeof ctx);
                    const rc_job_key *k = key_of_message(sec, e2.msg);
                    if (k)
                        state_fail(s, k->line, k->key, "%s%s%s%s", strip_option_prefix(e2.msg),
                                   ctx[0] ? " (for " : "", ctx, ctx[0] ? ")" : "");
                    else
                        state_fail(s, sec->line, NULL, "[%s]: %s%s%s%s", sec->name, e2.msg,
                                   ctx[0] ? " (for " : "", ctx, ctx[0] ? ")" : "");
                    break;
                }
                kind->estimate(t->p.raw, &t->cost_flops, &t->mem_bytes);
                if (kind->run_group && job->dist_min_N > 0 &&
                    task_param_N(kind, t) >= job->dist_min_N)
                    t->ranks = (int)job->ranks_per_dist_task;
                ++id;
            }
        }
        free(config);
        free(idx);
        if (st != RC_OK) return RC_ERR_INPUT;
    }
    return RC_OK;
}

static void default_output(rc_job *job)
{
    const char *base = strrchr(job->name, '/');
    base = base ? base + 1 : job->name;
    char stem[RC_PATH_MAX];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = '\0';
    snprintf(job->output, sizeof job->output, "%.1000s.h5", stem);
}

rc_status rc_job_parse(const char *text, size_t len, const char *name, rc_job *job,
                       rc_error *err)
{
    memset(job, 0, sizeof *job);
    snprintf(job->name, sizeof job->name, "%s", name);
    job->seed = 1;
    job->realizations = 1;
    job->master_computes = 1;
    job->ranks_per_dist_task = 4;
    job->checkpoints = 1;
    job->checkpoint_every = 1800.0;
    RC_CHECK(len <= RC_JOB_MAX_TEXT, err, RC_ERR_INPUT,
             "%s: job file of %zu bytes is larger than the %d bytes supported", name, len,
             RC_JOB_MAX_TEXT);
    RC_CHECK(memchr(text, '\0', len) == NULL, err, RC_ERR_INPUT,
             "%s: not a text file (contains NUL bytes)", name);
    job->text = malloc(len + 1);
    RC_CHECK(job->text, err, RC_ERR_NOMEM, "out of memory reading %s", name);
    memcpy(job->text, text, len);
    job->text[len] = '\0';
    job->text_len = len;
    rc_sha256_hex(text, len, job->sha256);

    ini_state s;
    memset(&s, 0, sizeof s);
    s.p = job->text;
    s.end = job->text + len;
    s.name = job->name;
    s.err = err;
    rc_status st = RC_OK;
    int rc = ini_parse_stream(ini_line_reader, &s, job_ini_handler, &s);
    if (rc > 0 && (!s.failed || rc < s.failed_line)) {
        s.failed = 0; /* libinih's syntax error comes first in the file */
        state_fail(&s, rc, NULL, "syntax error (expected [section], key = value or a comment)");
    }
    if (!s.failed && rc < 0) state_fail(&s, 1, NULL, "could not be parsed (libinih error %d)", rc);
    if (s.failed) {
        st = RC_ERR_INPUT;
        goto cleanup;
    }

    /* sections: [run] and known kinds, each at most once */
    job->sections = rc_calloc((size_t)s.n_headers + 1, sizeof(rc_job_section), "job sections", err);
    RC_CHECK_GOTO(job->sections, err, RC_ERR_NOMEM, "out of memory");
    for (int h = 0; h < s.n_headers; ++h) {
        const ini_header *hd = &s.headers[h];
        for (int g = 0; g < h; ++g)
            if (strcmp(s.headers[g].name, hd->name) == 0) {
                state_fail(&s, hd->line, NULL, "section [%s] appears twice (first at line %d)",
                           hd->name, s.headers[g].line);
                st = RC_ERR_INPUT;
                goto cleanup;
            }
        if (strcmp(hd->name, "run") == 0) continue;
        int kind = rc_task_kind_find(hd->name);
        if (kind < 0) {
            char names[256] = "";
            for (int k = 0; k < rc_task_kind_count(); ++k)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s[%s]",
                         k ? ", " : "", rc_task_kind_get(k)->name);
            state_fail(&s, hd->line, NULL, "unknown section [%s] (expected [run] or a task "
                       "kind: %s)", hd->name, names);
            st = RC_ERR_INPUT;
            goto cleanup;
        }
        rc_job_section *sec = &job->sections[job->n_sections++];
        snprintf(sec->name, sizeof sec->name, "%s", hd->name);
        sec->line = hd->line;
        if (!section_kind(&s, sec, kind)) {
            st = RC_ERR_INPUT;
            goto cleanup;
        }
        for (int i = 0; i + 1 < job->n_sections; ++i)
            if (job->sections[i].kind == sec->kind) {
                state_fail(&s, hd->line, NULL, "[%s] runs the same tasks as [%s] at line %d "
                           "(%s): one section per kind", hd->name, job->sections[i].name,
                           job->sections[i].line, rc_task_kind_get(sec->kind)->name);
                st = RC_ERR_INPUT;
                goto cleanup;
            }
        int n_keys = 0;
        for (int i = 0; i < s.n_entries; ++i) n_keys += strcmp(s.entries[i].section, hd->name) == 0;
        sec->keys = rc_calloc((size_t)n_keys + 1, sizeof(rc_job_key), "job keys", err);
        RC_CHECK_GOTO(sec->keys, err, RC_ERR_NOMEM, "out of memory");
    }
    RC_GOTO(parse_run_section(&s, job));
    if (job->output[0] == '\0') default_output(job);
    if (job->n_sections == 0) {
        state_fail(&s, 1, NULL, "no task section: add one, e.g. [spectrum] with N = 100");
        st = RC_ERR_INPUT;
        goto cleanup;
    }
    for (int i = 0; i < job->n_sections; ++i) RC_GOTO(parse_task_section(&s, job, &job->sections[i]));
    RC_GOTO(build_tasks(&s, job));
cleanup:
    if (s.failed && st == RC_OK) st = RC_ERR_INPUT;
    ini_state_free(&s);
    if (st != RC_OK) rc_job_free(job);
    return st;
}

rc_status rc_job_load(const char *path, rc_job *job, rc_error *err)
{
    memset(job, 0, sizeof *job);
    FILE *f = fopen(path, "rb");
    RC_CHECK(f, err, RC_ERR_INPUT, "%s: cannot open the job file: %s", path, strerror(errno));
    char *buf = malloc(RC_JOB_MAX_TEXT + 2);
    if (!buf) {
        fclose(f);
        return rc_fail(err, RC_ERR_NOMEM, "out of memory reading %s", path);
    }
    size_t n = fread(buf, 1, RC_JOB_MAX_TEXT + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return rc_fail(err, RC_ERR_INPUT, "%s: read error", path);
    }
    rc_status st = rc_job_parse(buf, n, path, job, err);
    free(buf);
    return st;
}

void rc_job_free(rc_job *job)
{
    if (!job) return;
    for (int i = 0; i < job->n_sections; ++i) {
        rc_job_section *sec = &job->sections[i];
        for (int k = 0; k < sec->n_keys; ++k) rc_job_free_items(sec->keys[k].values, sec->keys[k].n_values);
        free(sec->keys);
    }
    free(job->sections);
    free(job->tasks);
    free(job->text);
    memset(job, 0, sizeof *job);
}

int64_t rc_job_kind_tasks(const rc_job *job, int kind)
{
    int64_t n = 0;
    for (int i = 0; i < job->n_sections; ++i)
        if (job->sections[i].kind == kind) n += job->sections[i].n_tasks;
    return n;
}
