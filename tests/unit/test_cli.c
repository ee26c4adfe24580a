/* cli: the subcommands' shared command-line plumbing (src/app/cli.c) - "--key value" and
 * "--key=value" iteration with flags and every malformed argument, --grid and launcher
 * detection, the one-line error format and its exit codes, JSON numbers (NaN -> null) and the
 * printed JSON (17 significant digits, so that doubles round-trip bit for bit), and the MPI
 * wrapper.  The wrapper runs last: MPI can be initialised once per process. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc_test_util.h"
#include "rnnchaos/cli.h"

/* ---- capturing stdout / stderr ---------------------------------------------------------------- */

typedef struct {
    int fd, saved;
    FILE *stream, *tmp;
} capture;

static void capture_begin(capture *c, FILE *stream)
{
    c->stream = stream;
    c->fd = fileno(stream);
    fflush(stream);
    c->tmp = tmpfile();
    assert_non_null(c->tmp);
    c->saved = dup(c->fd);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->tmp), c->fd) >= 0);
}

/* Restores the stream and returns what was written to it (caller frees). */
static char *capture_end(capture *c)
{
    fflush(c->stream);
    assert_true(dup2(c->saved, c->fd) >= 0);
    close(c->saved);
    long n = ftell(c->tmp);
    assert_true(n >= 0);
    char *s = calloc((size_t)n + 1, 1);
    assert_non_null(s);
    rewind(c->tmp);
    assert_int_equal(fread(s, 1, (size_t)n, c->tmp), (size_t)n);
    fclose(c->tmp);
    return s;
}

/* ---- argument iteration --------------------------------------------------------------------- */

typedef struct {
    const char *key, *value; /* value NULL: a flag */
} kv;

/* Iterates over args and checks every (key, value) and the end. */
static void expect_options(int argc, char **argv, const char *const *flags, int n, const kv *want)
{
    rc_argiter it;
    rc_error err;
    rc_error_clear(&err);
    rc_argiter_init(&it, argc, argv, flags);
    for (int i = 0; i < n; ++i) {
        const int r = rc_argiter_next(&it, &err);
        if (r != 1) fail_msg("option %d: returned %d (%s), expected --%s", i, r, err.msg, want[i].key);
        if (strcmp(it.key, want[i].key) != 0)
            fail_msg("option %d: key '%s', expected '%s'", i, it.key, want[i].key);
        if (!want[i].value) {
            if (it.value) fail_msg("--%s: a flag, got value '%s'", it.key, it.value);
        } else if (!it.value || strcmp(it.value, want[i].value) != 0) {
            fail_msg("--%s: value '%s', expected '%s'", it.key, it.value ? it.value : "(null)",
                     want[i].value);
        }
    }
    assert_int_equal(rc_argiter_next(&it, &err), 0);
    assert_int_equal(rc_argiter_next(&it, &err), 0); /* stays at the end */
    assert_int_equal(err.status, RC_OK);
}

static void expect_bad_argument(int argc, char **argv, const char *const *flags, int n_good,
                                const char *fragment)
{
    rc_argiter it;
    rc_error err;
    rc_error_clear(&err);
    rc_argiter_init(&it, argc, argv, flags);
    for (int i = 0; i < n_good; ++i)
        if (rc_argiter_next(&it, &err) != 1) fail_msg("option %d rejected: %s", i, err.msg);
    const int r = rc_argiter_next(&it, &err);
    if (r != -1) fail_msg("accepted (returned %d, key '%s'), expected an error with '%s'", r, it.key,
                          fragment);
    assert_int_equal(err.status, RC_ERR_INPUT);
    if (!strstr(err.msg, fragment)) fail_msg("message '%s' lacks '%s'", err.msg, fragment);
}

static const char *const json_flags[] = {"json", "help", NULL};

static void argiter_both_forms_and_flags(void **state)
{
    (void)state;
    char *argv[] = {"--N", "100", "--g=2.5", "--json", "--phi", "tanh", "--help", "--seed=7"};
    const kv want[] = {{"N", "100"}, {"g", "2.5"}, {"json", NULL}, {"phi", "tanh"},
                       {"help", NULL}, {"seed", "7"}};
    expect_options(8, argv, json_flags, 6, want);
    /* no options at all */
    expect_options(0, argv, json_flags, 0, NULL);
}

static void argiter_values_taken_as_they_are(void **state)
{
    (void)state;
    /* a separate value is the next argument whatever it looks like (negative numbers, paths,
     * even a "--" word); with '=' the value is everything after the first '=' */
    char *argv[] = {"--I0", "-1.5", "--out", "--x.h5", "--expr=a=b", "--empty=", "--o", ""};
    const kv want[] = {{"I0", "-1.5"}, {"out", "--x.h5"}, {"expr", "a=b"}, {"empty", ""}, {"o", ""}};
    expect_options(8, argv, json_flags, 5, want);
    /* without a flag list "json" is an ordinary option that takes a value */
    char *argv2[] = {"--json", "yes"};
    const kv want2[] = {{"json", "yes"}};
    expect_options(2, argv2, NULL, 1, want2);
}

static void argiter_malformed(void **state)
{
    (void)state;
    char *positional[] = {"--N", "10", "archive.h5"};
    expect_bad_argument(3, positional, json_flags, 1, "unexpected argument 'archive.h5'");
    char *single_dash[] = {"-N", "10"};
    expect_bad_argument(2, single_dash, json_flags, 0, "unexpected argument '-N'");
    char *bare[] = {"--"};
    expect_bad_argument(1, bare, json_flags, 0, "unexpected argument '--'");
    char *missing[] = {"--g", "2", "--N"};
    expect_bad_argument(3, missing, json_flags, 1, "--N: missing value");
    char *flag_value[] = {"--json=yes"};
    expect_bad_argument(1, flag_value, json_flags, 0, "--json: takes no value");
    /* a flag name that merely starts like a flag is an option with a value */
    char *prefix[] = {"--jsonx"};
    expect_bad_argument(1, prefix, json_flags, 0, "--jsonx: missing value");
}

static void argiter_key_length(void **state)
{
    (void)state;
    rc_argiter it;
    const size_t longest = sizeof it.key - 1; /* room for the terminating zero */
    char ok[sizeof it.key + 8], bad[sizeof it.key + 8];
    /* ok: "--" and the longest key; bad: one character more, with a value */
    memset(ok, 'k', sizeof ok);
    memcpy(ok, "--", 2);
    ok[2 + longest] = '\0';
    memcpy(bad, ok, 2 + longest);
    memcpy(bad + 2 + longest, "k=1", 4);
    char *argv[] = {ok, "v"};
    rc_error err;
    rc_error_clear(&err);
    rc_argiter_init(&it, 2, argv, NULL);
    assert_int_equal(rc_argiter_next(&it, &err), 1);
    assert_int_equal(strlen(it.key), longest);
    assert_string_equal(it.value, "v");
    char *argv2[] = {bad};
    expect_bad_argument(1, argv2, NULL, 0, "is too long");
}

/* ---- --grid and the launcher ---------------------------------------------------------------- */

static void wants_grid(void **state)
{
    (void)state;
    char *a[] = {"--N", "100", "--grid", "2x1"};
    assert_true(rc_cli_wants_grid(4, a));
    char *b[] = {"--grid=1x3", "--N", "100"};
    assert_true(rc_cli_wants_grid(3, b));
    char *c[] = {"--N", "100", "--gridx", "2", "--grids=3", "grid", "-grid"};
    assert_false(rc_cli_wants_grid(7, c));
    assert_false(rc_cli_wants_grid(0, a));
    /* only the first argc arguments count */
    assert_false(rc_cli_wants_grid(2, a));
}

static const char *const launcher_vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE",
                                            "SLURM_STEP_NUM_TASKS"};
enum { N_LAUNCHER_VARS = 4 };

static void launcher_detection(void **state)
{
    (void)state;
    char *saved[N_LAUNCHER_VARS];
    for (int i = 0; i < N_LAUNCHER_VARS; ++i) {
        const char *v = getenv(launcher_vars[i]);
        saved[i] = v ? strdup(v) : NULL;
        unsetenv(launcher_vars[i]);
    }
    assert_false(rc_cli_launched_on_several_ranks()); /* a plain serial run */
    for (int i = 0; i < N_LAUNCHER_VARS; ++i) {
        setenv(launcher_vars[i], "1", 1); /* one rank: still serial */
        if (rc_cli_launched_on_several_ranks()) fail_msg("%s=1 taken for several ranks", launcher_vars[i]);
        setenv(launcher_vars[i], "4", 1);
        if (!rc_cli_launched_on_several_ranks()) fail_msg("%s=4 not detected", launcher_vars[i]);
        setenv(launcher_vars[i], "garbage", 1);
        if (rc_cli_launched_on_several_ranks()) fail_msg("%s=garbage taken for several ranks", launcher_vars[i]);
        unsetenv(launcher_vars[i]);
    }
    /* restore: the MPI test below must see the environment the test was started in */
    for (int i = 0; i < N_LAUNCHER_VARS; ++i) {
        if (saved[i]) setenv(launcher_vars[i], saved[i], 1);
        free(saved[i]);
    }
}

/* ---- errors --------------------------------------------------------------------------------- */

static void report_format_and_exit_codes(void **state)
{
    (void)state;
    /* the exit codes error.h gives the statuses: 2 bad input, 3 stopped by a signal, 1 the rest */
    const struct {
        rc_status st;
        int code;
    } cases[] = {{RC_ERR_INPUT, 2}, {RC_ERR_SIGNAL, 3}, {RC_ERR_NOMEM, 1}, {RC_ERR_IO, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        rc_error err;
        rc_error_clear(&err);
        rc_fail(&err, cases[i].st, "bad thing %d", (int)i);
        capture c;
        capture_begin(&c, stderr);
        const int code = rc_cli_report("spectrum", &err);
        char *out = capture_end(&c);
        assert_int_equal(code, cases[i].code);
        char want[128];
        snprintf(want, sizeof want, "rnnchaos spectrum: error: bad thing %d\n", (int)i);
        assert_string_equal(out, want);
        free(out);
    }
    /* no message: the status's name stands in for it */
    rc_error err;
    rc_error_clear(&err);
    err.status = RC_ERR_IO;
    capture c;
    capture_begin(&c, stderr);
    assert_int_equal(rc_cli_report("run", &err), 1);
    char *out = capture_end(&c);
    char want[128];
    snprintf(want, sizeof want, "rnnchaos run: error: %s\n", rc_status_name(RC_ERR_IO));
    assert_string_equal(out, want);
    free(out);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void json_numbers(void **state)
{
    (void)state;
    json_t *x = rc_json_number(1.5);
    assert_true(json_is_real(x));
    assert_true(json_real_value(x) == 1.5);
    json_decref(x);
    const double nonfinite[3] = {NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 3; ++i) {
        x = rc_json_number(nonfinite[i]);
        assert_true(json_is_null(x));
        json_decref(x);
    }
    json_t *ci = rc_json_ci(-1.0, 2.0);
    assert_true(json_is_array(ci));
    assert_int_equal(json_array_size(ci), 2);
    assert_true(json_real_value(json_array_get(ci, 0)) == -1.0);
    assert_true(json_real_value(json_array_get(ci, 1)) == 2.0);
    json_decref(ci);
    /* a CI with a missing end is no CI */
    ci = rc_json_ci(NAN, 2.0);
    assert_true(json_is_null(ci));
    json_decref(ci);
    ci = rc_json_ci(1.0, INFINITY);
    assert_true(json_is_null(ci));
    json_decref(ci);
    const double v[4] = {0.25, NAN, -3.0, INFINITY};
    json_t *a = rc_json_array(v, 4);
    assert_int_equal(json_array_size(a), 4);
    assert_true(json_real_value(json_array_get(a, 0)) == 0.25);
    assert_true(json_is_null(json_array_get(a, 1)));
    assert_true(json_real_value(json_array_get(a, 2)) == -3.0);
    assert_true(json_is_null(json_array_get(a, 3)));
    json_decref(a);
    a = rc_json_array(v, 0);
    assert_true(json_is_array(a));
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);
}

static void json_print_round_trips(void **state)
{
    (void)state;
    /* 0.1 needs 17 significant digits to come back as the same double; 1/3 and a value near
     * the smallest normal too, while 0.5 is exact in any notation */
    const double v[5] = {0.1, 1.0 / 3.0, 2.2250738585072014e-308 * 3.0, -0.5, 6.02214076e23};
    json_t *o = json_object();
    json_object_set_new(o, "x", rc_json_array(v, 5));
    json_object_set_new(o, "nan", rc_json_number(NAN));
    capture c;
    capture_begin(&c, stdout);
    assert_int_equal(rc_json_print(o), 0);
    char *out = capture_end(&c);
    json_decref(o);
    /* one compact line */
    const size_t len = strlen(out);
    assert_true(len > 1 && out[len - 1] == '\n');
    assert_null(strchr(out, ' '));
    assert_ptr_equal(strchr(out, '\n'), out + len - 1);
    assert_non_null(strstr(out, "\"nan\":null"));
    assert_non_null(strstr(out, "0.10000000000000001")); /* 0.1 to 17 significant digits */
    /* every double comes back bit for bit */
    json_error_t jerr;
    json_t *back = json_loads(out, 0, &jerr);
    if (!back) fail_msg("printed JSON does not parse: %s in '%s'", jerr.text, out);
    json_t *x = json_object_get(back, "x");
    assert_int_equal(json_array_size(x), 5);
    for (int i = 0; i < 5; ++i) {
        const double y = json_number_value(json_array_get(x, (size_t)i));
        if (memcmp(&y, &v[i], sizeof y) != 0) fail_msg("x[%d]: %.17g came back as %.17g", i, v[i], y);
    }
    json_decref(back);
    free(out);
}

static void json_emit_prints_and_releases(void **state)
{
    (void)state;
    json_t *o = json_pack("{si}", "answer", 42);
    json_incref(o); /* keep a reference of our own to see emit release its one */
    capture c;
    capture_begin(&c, stdout);
    const int code = rc_json_emit(o);
    char *out = capture_end(&c);
    assert_int_equal(code, 0);
    assert_string_equal(out, "{\"answer\":42}\n");
    assert_int_equal(o->refcount, 1);
    json_decref(o);
    free(out);
    /* an object that could not be built: exit code 1, nothing printed */
    capture_begin(&c, stdout);
    assert_int_equal(rc_json_emit(NULL), 1);
    out = capture_end(&c);
    assert_string_equal(out, "");
    free(out);
}

/* ---- MPI ------------------------------------------------------------------------------------ */

static int body_calls;

/* Runs inside rc_cli_with_mpi: MPI is up, the arguments are the caller's. */
static void eigs_usage(FILE *f) { fputs("usage: rnnchaos eigs\n", f); }

static int mpi_body(int argc, char **argv, MPI_Comm comm)
{
    ++body_calls;
    int up = 0, rank = -1, size = 0;
    MPI_Initialized(&up);
    assert_true(up);
    assert_true(comm == MPI_COMM_WORLD);
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    assert_int_equal(rank, 0); /* the test runs without a launcher */
    assert_int_equal(size, 1);
    assert_int_equal(argc, 2);
    assert_string_equal(argv[1], "7");

    /* the verdict of the parse, reported once by rank 0 */
    rc_error err;
    rc_error_clear(&err);
    rc_fail(&err, RC_ERR_INPUT, "--N: not a number");
    capture c;
    capture_begin(&c, stderr);
    int code = rc_cli_parsed_on_ranks(comm, "eigs", RC_ERR_INPUT, 0, eigs_usage, &err);
    char *out = capture_end(&c);
    assert_int_equal(code, 2);
    assert_string_equal(out, "rnnchaos eigs: error: --N: not a number\n");
    free(out);
    /* a parse error wins over --help */
    capture_begin(&c, stderr);
    code = rc_cli_parsed_on_ranks(comm, "eigs", RC_ERR_INPUT, 1, eigs_usage, &err);
    free(capture_end(&c));
    assert_int_equal(code, 2);
    /* --help: the text on stdout, exit 0 */
    rc_error_clear(&err);
    capture_begin(&c, stdout);
    code = rc_cli_parsed_on_ranks(comm, "eigs", RC_OK, 1, eigs_usage, &err);
    out = capture_end(&c);
    assert_int_equal(code, 0);
    assert_string_equal(out, "usage: rnnchaos eigs\n");
    free(out);
    /* parsed, no help: the command goes on */
    assert_int_equal(rc_cli_parsed_on_ranks(comm, "eigs", RC_OK, 0, eigs_usage, &err), -1);
    return atoi(argv[1]);
}

static void with_mpi_runs_the_body_once(void **state)
{
    (void)state;
    char *argv[] = {"--seed", "7"};
    assert_int_equal(rc_cli_with_mpi("eigs", mpi_body, 2, argv), 7);
    assert_int_equal(body_calls, 1);
    int finalized = 0;
    MPI_Finalized(&finalized);
    assert_true(finalized); /* it initialised MPI, so it finalised it too */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(argiter_both_forms_and_flags),
        cmocka_unit_test(argiter_values_taken_as_they_are),
        cmocka_unit_test(argiter_malformed),
        cmocka_unit_test(argiter_key_length),
        cmocka_unit_test(wants_grid),
        cmocka_unit_test(launcher_detection),
        cmocka_unit_test(report_format_and_exit_codes),
        cmocka_unit_test(json_numbers),
        cmocka_unit_test(json_print_round_trips),
        cmocka_unit_test(json_emit_prints_and_releases),
        cmocka_unit_test(with_mpi_runs_the_body_once), /* last: MPI starts once per process */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
