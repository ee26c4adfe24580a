/* Option tables (core/opts.h): lookup under every spelling, each row type, the messages; the
 * model options (options.h) as such a table; the --help lines made from a table (cli.h). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rnnchaos/cli.h"
#include "rnnchaos/options.h"
#include "rnnchaos/opts.h"

typedef struct {
    double x;
    int64_t big;
    int small, flag;
    char word[8];
} demo;

static rc_status parse_word(void *params, const char *what, const char *value, rc_error *err)
{
    demo *d = params;
    RC_CHECK(strlen(value) < sizeof d->word, err, RC_ERR_INPUT, "%s: too long", what);
    strcpy(d->word, value);
    return RC_OK;
}

static const rc_opt table[] = {
    {"t-x", RC_OPT_DOUBLE, offsetof(demo, x), 0, 0, NULL, "a double"},
    {"big", RC_OPT_INT64, offsetof(demo, big), 0, 0, NULL, "an int64"},
    {"small", RC_OPT_INT, offsetof(demo, small), 2, 5, NULL, "an int in 2..5"},
    {"flag", RC_OPT_BOOL, offsetof(demo, flag), 0, 0, NULL, "yes or no"},
    {"word", RC_OPT_CUSTOM, offsetof(demo, word), 0, 0, parse_word, "a short word"},
};

static void test_lookup_spellings(void **state)
{
    const size_t n = RC_OPT_COUNT(table);
    assert_ptr_equal(rc_opt_find(table, n, "t-x"), &table[0]);
    assert_ptr_equal(rc_opt_find(table, n, "t_x"), &table[0]);
    assert_ptr_equal(rc_opt_find(table, n, "--t-x"), &table[0]);
    assert_null(rc_opt_find(table, n, "tx"));
    assert_null(rc_opt_find(table, n, "t-x-"));
}

static void test_each_type(void **state)
{
    demo d;
    memset(&d, 0, sizeof d);
    rc_error err = {0};
    const size_t n = RC_OPT_COUNT(table);
    assert_int_equal(rc_opt_set(rc_opt_find(table, n, "t_x"), &d, "2.5e-3", &err), RC_OK);
    assert_true(d.x == 2.5e-3);
    assert_int_equal(rc_opt_set(&table[1], &d, "9007199254740993", &err), RC_OK);
    assert_true(d.big == 9007199254740993LL);
    assert_int_equal(rc_opt_set(&table[2], &d, "5", &err), RC_OK);
    assert_int_equal(d.small, 5);
    assert_int_equal(rc_opt_set(&table[3], &d, "yes", &err), RC_OK);
    assert_int_equal(d.flag, 1);
    assert_int_equal(rc_opt_set(&table[4], &d, "abc", &err), RC_OK);
    assert_string_equal(d.word, "abc");
}

static void test_refusals_name_the_option(void **state)
{
    demo d;
    memset(&d, 0, sizeof d);
    rc_error err = {0};
    assert_int_equal(rc_opt_set(&table[2], &d, "6", &err), RC_ERR_INPUT);
    assert_string_equal(err.msg, "--small: expected 2..5, got '6'");
    assert_int_equal(d.small, 0); /* nothing written on a refusal */
    assert_int_equal(rc_opt_set(&table[2], &d, "1", &err), RC_ERR_INPUT);
    assert_int_equal(rc_opt_set(&table[0], &d, "1.5x", &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--t-x"));
    assert_int_equal(rc_opt_set(&table[3], &d, "maybe", &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--flag"));
    assert_int_equal(rc_opt_set(&table[4], &d, "far too long", &err), RC_ERR_INPUT);
    assert_string_equal(err.msg, "--word: too long");
}

/* Every model option lands in the field the model (model.h) reads, named here by hand rather
 * than through the table's offsets, and keeps its message. */
static void test_model_options_set_their_fields(void **state)
{
    rc_model_config c;
    rc_model_config_default(&c);
    rc_error err = {0};
    assert_int_equal(rc_model_config_set(&c, "N", "37", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "sigma_c", "0.25", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "--tau-s", "3.5", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "phi", "relu", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "seed", "11", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "seed-ons", "77", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "structure", "ei", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "c_IE", "0.125", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "w-IE-dist", "gamma", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "w-IE-spread", "0.5", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "gain-I-dist", "uniform", &err), RC_OK);
    assert_int_equal(rc_model_config_set(&c, "h0", "start.h5:/h", &err), RC_OK);
    assert_int_equal(c.model.N, 37);
    assert_true(c.model.sigma_c == 0.25 && c.model.tau_s == 3.5);
    assert_int_equal(c.model.phi, RC_PHI_RELU);
    assert_true(c.seed == 11);
    assert_true(c.has_seed_override[2] && c.seed_override[2] == 77);
    assert_false(c.has_seed_override[0] || c.has_seed_override[1] || c.has_seed_override[3]);
    assert_int_equal(c.model.structure, RC_STRUCTURE_EI);
    assert_true(c.model.c[1][0] == 0.125 && c.model.c[0][1] == 1.0);
    assert_int_equal(c.model.w[1][0].kind, RC_DIST_GAMMA);
    assert_true(c.model.w[1][0].spread == 0.5 && c.model.w[0][1].spread == 0.0);
    assert_int_equal(c.model.gain[1].kind, RC_DIST_UNIFORM);
    assert_int_equal(c.model.gain[0].kind, RC_DIST_CONSTANT);
    assert_string_equal(c.h0, "start.h5:/h");
    assert_string_equal(c.connectivity, "");
    rc_model_config_resolve_seeds(&c, 0);
    assert_true(c.model.seed_ons == 77 && c.model.seed_net == 11 && c.model.seed_noise == 11);

    assert_int_equal(rc_model_config_set(&c, "w-EI-dist", "cauchy", &err), RC_ERR_INPUT);
    assert_string_equal(err.msg, "--w-EI-dist: expected constant, gaussian, lognormal, uniform "
                                 "or gamma, got 'cauchy'");
    assert_int_equal(rc_model_config_set(&c, "structure", "ring", &err), RC_ERR_INPUT);
    assert_string_equal(err.msg, "--structure: expected dense or ei, got 'ring'");
    assert_int_equal(rc_model_config_set(&c, "seed_net", "-3", &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--seed-net"));
    assert_int_equal(rc_model_config_set(&c, "nonsense", "1", &err), RC_ERR_INPUT);
    assert_string_equal(err.msg, "unknown model option 'nonsense'");
    assert_false(rc_model_config_has_key("t-sim"));

    /* every row: found under its own name, documented */
    size_t n;
    const rc_opt *t = rc_model_config_options(&n);
    assert_true(n >= 48);
    for (size_t i = 0; i < n; ++i) {
        assert_true(rc_model_config_has_key(t[i].name));
        assert_non_null(t[i].doc);
    }
}

static char *print_to_string(const rc_opt *t, size_t n, const void *defaults,
                             const char *const *skip)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    rc_cli_print_options(f, "Options:", t, n, defaults, skip);
    fclose(f);
    return buf;
}

static void test_help_lines(void **state)
{
    demo d = {.x = 0.5, .big = 7, .small = 3, .flag = 1};
    const char *const skip[] = {"big", NULL};
    char *out = print_to_string(table, RC_OPT_COUNT(table), &d, skip);
    /* the title, one aligned line per row but the skipped one; defaults from the struct,
     * the int's range; a custom row shows no default */
    assert_string_equal(out, "Options:\n"
                             "  --t-x X                   a double [0.5]\n"
                             "  --small N                 an int in 2..5 [3] (2..5)\n"
                             "  --flag yes|no             yes or no [yes]\n"
                             "  --word VALUE              a short word\n");
    free(out);
    out = print_to_string(table, 1, NULL, NULL);
    assert_string_equal(out, "Options:\n  --t-x X                   a double\n");
    free(out);
    /* a long doc wraps under its first word, every line within 96 columns (the doc starts at
     * column 28: "twelve" ends at 90, " thirteen" would end at 99) */
    const rc_opt wordy[] = {{"w", RC_OPT_DOUBLE, 0, 0, 0, NULL,
                             "one two three four five six seven eight nine ten eleven twelve "
                             "thirteen fourteen fifteen"}};
    out = print_to_string(wordy, 1, NULL, NULL);
    assert_string_equal(out, "Options:\n"
                             "  --w X                     one two three four five six seven "
                             "eight nine ten eleven twelve\n"
                             "                            thirteen fourteen fifteen\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_spellings),
        cmocka_unit_test(test_each_type),
        cmocka_unit_test(test_refusals_name_the_option),
        cmocka_unit_test(test_model_options_set_their_fields),
        cmocka_unit_test(test_help_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
