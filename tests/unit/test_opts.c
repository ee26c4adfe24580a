/* Option tables (core/opts.h): lookup under every spelling, each row type, the messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_spellings),
        cmocka_unit_test(test_each_type),
        cmocka_unit_test(test_refusals_name_the_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
