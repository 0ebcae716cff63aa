/* test_ledger.c — the ownership ledger: worked examples of the reward
 * index, locks, balances and cohort conversions, error messages, and
 * random histories checked satoshi for satoshi against a model that
 * credits every position; checkpoints (save, load into a fresh ledger, go
 * on identically; bad streams). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "models/models.h"
#include "tests/unit/unit.h"

__extension__ typedef __int128 i128;

static void expect_ok(int rc, const struct sim_err *err)
{
    if (rc != SIM_OK)
        print_message("unexpected failure: %s\n", err->msg);
    assert_int_equal(rc, SIM_OK);
}

static void expect_fail(int rc, int code, const struct sim_err *err,
                        const char *substr)
{
    assert_int_equal(rc, code);
    assert_int_equal(err->code, code);
    if (!strstr(err->msg, substr))
        print_message("message \"%s\" lacks \"%s\"\n", err->msg, substr);
    assert_non_null(strstr(err->msg, substr));
}

/* A ledger of n cohorts and `holders` holders (the issuer included). */
static struct ledger *make(size_t n, const int64_t *units, size_t holders)
{
    struct ledger *l = NULL;
    struct sim_err err = {0};
    expect_ok(ldg_new(&l, n, units, holders, &err), &err);
    for (size_t h = 1; h < holders; h++) {
        uint32_t id = 0;
        assert_int_equal(ldg_add_holder(l, &id), SIM_OK);
        assert_int_equal(id, h);
    }
    assert_int_equal(ldg_holders(l), holders);
    return l;
}

static void expect_valid(const struct ledger *l)
{
    struct sim_err err = {0};
    expect_ok(ldg_check(l, &err), &err);
    expect_ok(ldg_audit(l, &err), &err);
}

static int64_t balance_of(const struct ledger *l, uint32_t h)
{
    struct ldg_holder x;
    ldg_holder(l, h, &x);
    return x.balance;
}

static int64_t settle(struct ledger *l, uint32_t h)
{
    struct sim_err err = {0};
    int64_t sats = -1;
    expect_ok(ldg_settle(l, h, &sats, &err), &err);
    return sats;
}

/* ---- worked examples ---------------------------------------------------- */

static void test_new(void **state)
{
    (void)state;
    struct ledger *l = NULL;
    struct sim_err err = {0};
    const int64_t bad1[2] = {5, -1}, bad2[1] = {-3};
    expect_fail(ldg_new(&l, 2, bad1, 4, &err), SIM_EINVAL, &err,
                "ledger: cohort 1 has -1 units, expected >= 0 (0: dormant)");
    assert_null(l);
    expect_fail(ldg_new(&l, 1, bad2, 4, &err), SIM_EINVAL, &err,
                "cohort 0 has -3 units");
    ldg_free(NULL);

    /* No cohorts at all is a valid (empty) ledger. */
    expect_ok(ldg_new(&l, 0, NULL, 0, &err), &err);
    assert_int_equal(ldg_cohorts(l), 0);
    assert_int_equal(ldg_holders(l), 1);
    expect_valid(l);
    ldg_free(l);

    const int64_t units[3] = {3, 1000, 7};
    l = make(3, units, 5);
    assert_int_equal(ldg_cohorts(l), 3);
    for (size_t c = 0; c < 3; c++) {
        struct ldg_position p;
        ldg_position(l, LDG_ISSUER, c, &p);
        assert_true(p.units == units[c] && p.locked == 0 && p.snap == 0 &&
                    p.rem == 0);
        assert_true(ldg_units(l, c) == units[c] && ldg_index(l, c) == 0);
        assert_int_equal(ldg_owners(l, c), 1);
        ldg_position(l, 4, c, &p);
        assert_true(p.units == 0 && p.snap == 0 && p.rem == 0);
        assert_int_equal(ldg_state(l, c), LDG_ACTIVE);
    }
    assert_int_equal(ldg_state(l, 3), -1);
    expect_valid(l);
    ldg_free(l);

    /* A dormant cohort: no units, no owners, nothing owed; settling the
     * issuer (who has a position in it) pays nothing. */
    const int64_t some[3] = {4, 0, 6};
    l = make(3, some, 2);
    assert_int_equal(ldg_state(l, 0), LDG_ACTIVE);
    assert_int_equal(ldg_state(l, 1), LDG_DORMANT);
    assert_true(ldg_units(l, 1) == 0 && ldg_index(l, 1) == 0);
    assert_int_equal(ldg_owners(l, 1), 0);
    struct ldg_position p;
    ldg_position(l, LDG_ISSUER, 1, &p);
    assert_true(p.units == 0 && p.locked == 0 && p.snap == 0 && p.rem == 0);
    expect_ok(ldg_credit(l, 2, 12, &err), &err);
    assert_true(ldg_accrued(l, LDG_ISSUER, 1) == 0);
    assert_true(settle(l, LDG_ISSUER) == 12);
    assert_true(settle(l, 1) == 0);
    expect_valid(l);
    ldg_free(l);
}

/* 100 sats over 3 units held 1, 1, 1: 33 each and 1/3 sat kept by each;
 * 2 more sats make 34 each exactly. */
static void test_thirds(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[1] = {3};
    struct ledger *l = make(1, units, 4);
    for (uint32_t h = 1; h <= 3; h++)
        expect_ok(ldg_transfer(l, 0, LDG_ISSUER, h, 1, 0, &err), &err);
    assert_int_equal(ldg_owners(l, 0), 3);
    expect_ok(ldg_credit(l, 0, 100, &err), &err);
    assert_true(ldg_index(l, 0) == 100);
    for (uint32_t h = 1; h <= 3; h++)
        assert_true(ldg_accrued(l, h, 0) == 33);
    assert_true(ldg_accrued(l, LDG_ISSUER, 0) == 0);
    for (uint32_t h = 1; h <= 3; h++) {
        assert_true(settle(l, h) == 33);
        struct ldg_position p;
        ldg_position(l, h, 0, &p);
        assert_true(p.units == 1 && p.snap == 100 && p.rem == 1);
    }
    struct ldg_totals t;
    ldg_get_totals(l, &t);
    /* credited - settled = sum(rem) / U = 3 / 3 */
    assert_true(t.credited == 100 && t.settled == 99 && t.balances == 99);
    expect_valid(l);

    expect_ok(ldg_credit(l, 0, 2, &err), &err);
    for (uint32_t h = 1; h <= 3; h++) {
        assert_true(ldg_accrued(l, h, 0) == 1);
        assert_true(settle(l, h) == 1);
        assert_true(balance_of(l, h) == 34);
        struct ldg_position p;
        ldg_position(l, h, 0, &p);
        assert_true(p.rem == 0);
    }
    ldg_get_totals(l, &t);
    assert_true(t.credited == 102 && t.settled == 102 && t.balances == 102);
    /* The issuer sold everything but keeps its (empty) position. */
    struct ldg_position p;
    ldg_position(l, LDG_ISSUER, 0, &p);
    assert_true(p.units == 0 && p.rem == 0);
    assert_int_equal(ldg_owners(l, 0), 3);
    expect_valid(l);
    ldg_free(l);
}

static void test_transfer_settles_both(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[2] = {10, 7};
    struct ledger *l = make(2, units, 3);

    expect_ok(ldg_transfer(l, 0, LDG_ISSUER, 1, 4, 0, &err), &err);
    expect_ok(ldg_credit(l, 0, 1000, &err), &err);
    assert_true(ldg_accrued(l, 1, 0) == 400);
    assert_true(ldg_accrued(l, LDG_ISSUER, 0) == 600);
    /* Selling 2 to holder 2 pays holder 1 its 400 first; the buyer starts
     * at the current index, so it gets nothing of the past payout. */
    expect_ok(ldg_transfer(l, 0, 1, 2, 2, 0, &err), &err);
    assert_true(balance_of(l, 1) == 400 && ldg_accrued(l, 1, 0) == 0);
    assert_true(balance_of(l, 2) == 0 && ldg_accrued(l, 2, 0) == 0);
    assert_true(balance_of(l, LDG_ISSUER) == 0);
    assert_true(ldg_accrued(l, LDG_ISSUER, 0) == 600);
    struct ldg_position p;
    ldg_position(l, 2, 0, &p);
    assert_true(p.units == 2 && p.snap == 1000 && p.rem == 0);
    expect_ok(ldg_credit(l, 0, 100, &err), &err);
    assert_true(ldg_accrued(l, 1, 0) == 20 && ldg_accrued(l, 2, 0) == 20);
    assert_true(ldg_accrued(l, LDG_ISSUER, 0) == 660);

    /* Remainders survive a transfer: U = 7, holder 1 has 3 units. */
    expect_ok(ldg_transfer(l, 1, LDG_ISSUER, 1, 3, 0, &err), &err);
    expect_ok(ldg_credit(l, 1, 10, &err), &err);
    /* holder 1: 30/7 = 4 r 2; issuer 40/7 = 5 r 5 */
    assert_true(ldg_accrued(l, 1, 1) == 4);
    assert_true(ldg_accrued(l, LDG_ISSUER, 1) == 5);
    int64_t before = balance_of(l, 1);
    expect_ok(ldg_transfer(l, 1, 1, 2, 1, 0, &err), &err);
    assert_true(balance_of(l, 1) == before + 4);
    ldg_position(l, 1, 1, &p);
    assert_true(p.units == 2 && p.snap == 10 && p.rem == 2);
    expect_ok(ldg_credit(l, 1, 1, &err), &err);
    expect_ok(ldg_credit(l, 1, 3, &err), &err);
    /* holder 1: 2 x 4 + 2 = 10 -> 1 r 3; holder 2: 1 x 4 -> 0 r 4;
     * issuer: 4 x 4 + 40 = 56 -> 8 r 0 */
    assert_true(ldg_accrued(l, 1, 1) == 1);
    assert_true(ldg_accrued(l, 2, 1) == 0);
    assert_true(ldg_accrued(l, LDG_ISSUER, 1) == 8);
    expect_valid(l);
    ldg_free(l);
}

/* A holder that sells out keeps its remainder and is paid it on return. */
static void test_remainder_kept_at_zero_units(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[1] = {3};
    struct ledger *l = make(1, units, 3);
    expect_ok(ldg_transfer(l, 0, LDG_ISSUER, 1, 1, 0, &err), &err);
    expect_ok(ldg_credit(l, 0, 1, &err), &err);
    expect_ok(ldg_transfer(l, 0, 1, 2, 1, 0, &err), &err);
    struct ldg_position p;
    ldg_position(l, 1, 0, &p);
    assert_true(p.units == 0 && p.rem == 1 && balance_of(l, 1) == 0);
    assert_int_equal(ldg_owners(l, 0), 2);
    expect_ok(ldg_credit(l, 0, 2, &err), &err);
    assert_true(ldg_accrued(l, 1, 0) == 0);
    expect_ok(ldg_transfer(l, 0, LDG_ISSUER, 1, 1, 0, &err), &err);
    assert_int_equal(ldg_owners(l, 0), 3);
    expect_ok(ldg_credit(l, 0, 2, &err), &err);
    /* 1 x 2 + the old 1/3 x 3 = 3 thirds: one satoshi */
    assert_true(ldg_accrued(l, 1, 0) == 1);
    assert_true(settle(l, 1) == 1);
    expect_valid(l);
    ldg_free(l);
}

static void test_accrued_vs_settle(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[2] = {4, 1000000000};
    struct ledger *l = make(2, units, 2);
    expect_ok(ldg_transfer(l, 0, LDG_ISSUER, 1, 1, 0, &err), &err);
    expect_ok(ldg_transfer(l, 1, LDG_ISSUER, 1, 333333333, 0, &err), &err);
    expect_ok(ldg_credit(l, 0, 10, &err), &err);
    expect_ok(ldg_credit(l, 1, 1000000000000, &err), &err);
    /* accrued reads without settling, however often */
    for (int i = 0; i < 2; i++) {
        assert_true(ldg_accrued(l, 1, 0) == 2);
        assert_true(ldg_accrued(l, 1, 1) == 333333333000);
        assert_true(balance_of(l, 1) == 0);
    }
    struct ldg_position p;
    ldg_position(l, 1, 0, &p);
    assert_true(p.snap == 0 && p.rem == 0);
    assert_true(settle(l, 1) == 2 + 333333333000);
    assert_true(ldg_accrued(l, 1, 0) == 0 && ldg_accrued(l, 1, 1) == 0);
    ldg_position(l, 1, 0, &p);
    assert_true(p.snap == 10 && p.rem == 2);
    struct ldg_holder x;
    ldg_holder(l, 1, &x);
    assert_true(x.balance == 333333333002 && x.credited == 333333333002);
    assert_true(settle(l, 1) == 0);
    /* the issuer: 3 x 10 / 4 = 7 r 2; 666666667 x 1e12 / 1e9 exactly */
    assert_true(ldg_accrued(l, LDG_ISSUER, 0) == 7);
    assert_true(ldg_accrued(l, LDG_ISSUER, 1) == 666666667000);
    assert_true(settle(l, LDG_ISSUER) == 666666667007);
    /* unknown holder or cohort: nothing accrued */
    assert_true(ldg_accrued(l, 9, 0) == 0 && ldg_accrued(l, 1, 9) == 0);
    expect_fail(ldg_settle(l, 9, NULL, &err), SIM_EINVAL, &err,
                "ledger: no holder 9 (2 holders)");
    expect_valid(l);
    ldg_free(l);
}

static void test_unit_locks(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[2] = {10, 10};
    struct ledger *l = make(2, units, 3);
    expect_ok(ldg_transfer(l, 1, LDG_ISSUER, 1, 5, 0, &err), &err);
    expect_ok(ldg_lock_units(l, 1, 1, 3, &err), &err);
    /* the same units cannot be offered twice */
    expect_fail(ldg_lock_units(l, 1, 1, 3, &err), SIM_EINVAL, &err,
                "ledger: holder 1 locks 3 units of cohort 1 but has 2 "
                "unlocked");
    expect_fail(ldg_transfer(l, 1, 1, 2, 3, 0, &err), SIM_EINVAL, &err,
                "ledger: holder 1 sells 3 units of cohort 1 but has 2 "
                "unlocked");
    expect_fail(ldg_transfer(l, 1, 1, 2, 4, 1, &err), SIM_EINVAL, &err,
                "sells 4 units of cohort 1 but has 3 locked");
    struct ldg_position p;
    ldg_position(l, 1, 1, &p);
    assert_true(p.units == 5 && p.locked == 3);
    expect_ok(ldg_transfer(l, 1, 1, 2, 2, 0, &err), &err);
    expect_ok(ldg_transfer(l, 1, 1, 2, 2, 1, &err), &err);
    ldg_position(l, 1, 1, &p);
    assert_true(p.units == 1 && p.locked == 1);
    expect_fail(ldg_unlock_units(l, 1, 1, 2, &err), SIM_EINVAL, &err,
                "holder 1 unlocks 2 units of cohort 1 but has 1 locked");
    expect_ok(ldg_unlock_units(l, 1, 1, 1, &err), &err);
    ldg_position(l, 1, 1, &p);
    assert_true(p.units == 1 && p.locked == 0);
    /* no position at all: nothing to lock, unlock or sell */
    expect_fail(ldg_lock_units(l, 1, 0, 1, &err), SIM_EINVAL, &err,
                "locks 1 units of cohort 0 but has 0 unlocked");
    expect_fail(ldg_unlock_units(l, 2, 0, 1, &err), SIM_EINVAL, &err,
                "has 0 locked");
    expect_fail(ldg_transfer(l, 0, 2, 1, 1, 0, &err), SIM_EINVAL, &err,
                "holder 2 sells 1 units of cohort 0 but has 0 unlocked");
    expect_fail(ldg_lock_units(l, 1, 1, -1, &err), SIM_EINVAL, &err,
                "negative");
    expect_ok(ldg_lock_units(l, 1, 1, 0, &err), &err);
    /* a holder selling to itself only releases the lock */
    expect_ok(ldg_lock_units(l, 2, 1, 3, &err), &err);
    expect_ok(ldg_transfer(l, 1, 2, 2, 2, 1, &err), &err);
    ldg_position(l, 2, 1, &p);
    assert_true(p.units == 4 && p.locked == 1);
    /* many locks at once, released in another order */
    expect_ok(ldg_lock_units(l, LDG_ISSUER, 0, 10, &err), &err);
    expect_ok(ldg_lock_units(l, LDG_ISSUER, 1, 5, &err), &err);
    expect_ok(ldg_lock_units(l, 1, 1, 1, &err), &err);
    expect_valid(l);
    expect_ok(ldg_unlock_units(l, LDG_ISSUER, 0, 10, &err), &err);
    expect_ok(ldg_transfer(l, 1, LDG_ISSUER, 2, 5, 1, &err), &err);
    ldg_position(l, 1, 1, &p);
    assert_true(p.locked == 1);
    ldg_position(l, 2, 1, &p);
    assert_true(p.units == 9 && p.locked == 1);
    expect_valid(l);
    ldg_free(l);
}

static void test_balances(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[1] = {10};
    struct ledger *l = make(1, units, 3);
    expect_ok(ldg_deposit(l, 1, 1000, &err), &err);
    expect_fail(ldg_withdraw(l, 1, 1001, &err), SIM_EINVAL, &err,
                "ledger: holder 1 withdraws 1001 sats but has 1000 unlocked");
    expect_ok(ldg_lock_sats(l, 1, 600, &err), &err);
    expect_fail(ldg_lock_sats(l, 1, 401, &err), SIM_EINVAL, &err,
                "holder 1 locks 401 sats but has 400 unlocked");
    expect_fail(ldg_withdraw(l, 1, 500, &err), SIM_EINVAL, &err,
                "withdraws 500 sats but has 400 unlocked");
    expect_fail(ldg_pay(l, 1, 2, 401, 0, &err), SIM_EINVAL, &err,
                "holder 1 pays 401 sats but has 400 unlocked");
    expect_ok(ldg_pay(l, 1, 2, 400, 0, &err), &err);
    expect_fail(ldg_pay(l, 1, 2, 601, 1, &err), SIM_EINVAL, &err,
                "pays 601 sats but has 600 locked");
    expect_ok(ldg_pay(l, 1, 2, 250, 1, &err), &err);
    struct ldg_holder x;
    ldg_holder(l, 1, &x);
    assert_true(x.balance == 350 && x.locked == 350 && x.deposited == 1000 &&
                x.withdrawn == 0 && x.credited == 0);
    expect_fail(ldg_unlock_sats(l, 1, 351, &err), SIM_EINVAL, &err,
                "unlocks 351 sats but has 350 locked");
    expect_ok(ldg_unlock_sats(l, 1, 350, &err), &err);
    expect_ok(ldg_withdraw(l, 1, 350, &err), &err);
    ldg_holder(l, 1, &x);
    assert_true(x.balance == 0 && x.locked == 0 && x.withdrawn == 350);
    ldg_holder(l, 2, &x);
    assert_true(x.balance == 650 && x.deposited == 0);
    struct ldg_totals t;
    ldg_get_totals(l, &t);
    assert_true(t.deposited == 1000 && t.withdrawn == 350 &&
                t.balances == 650 && t.credited == 0 && t.settled == 0);
    /* zero amounts are allowed and change nothing */
    expect_ok(ldg_pay(l, 2, 1, 0, 0, &err), &err);
    expect_ok(ldg_withdraw(l, 2, 0, &err), &err);
    /* settled payouts are spendable like deposits */
    expect_ok(ldg_credit(l, 0, 50, &err), &err);
    expect_fail(ldg_withdraw(l, LDG_ISSUER, 1, &err), SIM_EINVAL, &err,
                "has 0 unlocked");
    assert_true(settle(l, LDG_ISSUER) == 50);
    expect_ok(ldg_withdraw(l, LDG_ISSUER, 50, &err), &err);
    ldg_get_totals(l, &t);
    assert_true(t.settled + t.deposited == t.withdrawn + t.balances);
    expect_valid(l);
    ldg_free(l);
}

/* Bad input from callers: a status and a message, never an abort, and the
 * ledger unchanged. */
static void test_bad_input(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[2] = {10, 3};
    struct ledger *l = make(2, units, 2);
    expect_fail(ldg_credit(l, 0, -1, &err), SIM_EINVAL, &err,
                "ledger: negative credit: -1");
    expect_fail(ldg_credit(l, 5, 1, &err), SIM_EINVAL, &err,
                "ledger: no cohort 5 (2 cohorts)");
    expect_ok(ldg_credit(l, 0, (INT64_C(1) << 62) - 2, &err), &err);
    expect_fail(ldg_credit(l, 1, 2, &err), SIM_ERANGE, &err,
                "takes credits past 2^62");
    expect_ok(ldg_credit(l, 1, 1, &err), &err);
    expect_fail(ldg_transfer(l, 0, 0, 1, 0, 0, &err), SIM_EINVAL, &err,
                "transfer of 0 units of cohort 0, expected > 0");
    expect_fail(ldg_transfer(l, 0, 0, 1, -4, 0, &err), SIM_EINVAL, &err,
                "transfer of -4 units");
    expect_fail(ldg_transfer(l, 0, 0, 7, 1, 0, &err), SIM_EINVAL, &err,
                "no holder 7 (2 holders)");
    expect_fail(ldg_transfer(l, 0, 7, 0, 1, 0, &err), SIM_EINVAL, &err,
                "no holder 7");
    expect_fail(ldg_transfer(l, 2, 0, 1, 1, 0, &err), SIM_EINVAL, &err,
                "no cohort 2");
    expect_fail(ldg_transfer(l, 0, 0, 1, 11, 0, &err), SIM_EINVAL, &err,
                "holder 0 sells 11 units of cohort 0 but has 10 unlocked");
    expect_fail(ldg_lock_units(l, 3, 0, 1, &err), SIM_EINVAL, &err,
                "no holder 3");
    expect_fail(ldg_unlock_units(l, 0, 3, 1, &err), SIM_EINVAL, &err,
                "no cohort 3");
    expect_fail(ldg_deposit(l, 1, -5, &err), SIM_EINVAL, &err,
                "negative deposit: -5");
    expect_fail(ldg_deposit(l, 2, 5, &err), SIM_EINVAL, &err,
                "no holder 2");
    expect_fail(ldg_deposit(l, 1, INT64_C(1) << 62, &err), SIM_ERANGE, &err,
                "takes deposits past 2^62");
    expect_fail(ldg_withdraw(l, 1, -1, &err), SIM_EINVAL, &err,
                "negative withdrawal");
    expect_fail(ldg_pay(l, 0, 1, -1, 0, &err), SIM_EINVAL, &err,
                "negative payment");
    expect_fail(ldg_pay(l, 0, 4, 1, 0, &err), SIM_EINVAL, &err,
                "no holder 4");
    expect_fail(ldg_lock_sats(l, 1, -1, &err), SIM_EINVAL, &err, "negative");
    expect_fail(ldg_unlock_sats(l, 1, -1, &err), SIM_EINVAL, &err,
                "negative");
    expect_fail(ldg_unlock_sats(l, 8, 1, &err), SIM_EINVAL, &err,
                "no holder 8");
    /* queries on unknown ids read as empty */
    struct ldg_position p = {.units = 9};
    ldg_position(l, 8, 0, &p);
    assert_true(p.units == 0 && p.locked == 0);
    struct ldg_holder x = {.balance = 9};
    ldg_holder(l, 8, &x);
    assert_true(x.balance == 0);
    assert_true(ldg_units(l, 2) == 0 && ldg_index(l, 2) == 0);
    assert_int_equal(ldg_owners(l, 2), 0);

    struct ldg_totals t;
    ldg_get_totals(l, &t);
    assert_true(t.credited == (INT64_C(1) << 62) - 1 && t.settled == 0 &&
                t.deposited == 0 && t.balances == 0);
    /* the largest index still settles exactly in 128 bits */
    assert_true(settle(l, LDG_ISSUER) == (INT64_C(1) << 62) - 1);
    expect_valid(l);
    ldg_free(l);
}

/* A million holders with one or two positions each. */
static void test_many_holders(void **state)
{
    (void)state;
    enum { H = 1 << 20, C = 3 };
    struct sim_err err = {0};
    const int64_t units[C] = {H, H, H};
    struct ledger *l = NULL;
    expect_ok(ldg_new(&l, C, units, H, &err), &err);
    for (uint32_t h = 1; h < H; h++) {
        uint32_t id;
        assert_int_equal(ldg_add_holder(l, &id), SIM_OK);
        int rc = ldg_transfer(l, h % C, LDG_ISSUER, id, 1, 0, &err);
        if (rc == SIM_OK && h % 4 == 0)
            rc = ldg_transfer(l, (h + 1) % C, LDG_ISSUER, id, 1, 0, &err);
        if (rc != SIM_OK)
            expect_ok(rc, &err);
    }
    const int64_t paid[C] = {INT64_C(3) * H + 5, INT64_C(7) * H,
                             H - 1};
    for (size_t c = 0; c < C; c++)
        expect_ok(ldg_credit(l, c, paid[c], &err), &err);
    expect_valid(l);
    for (uint32_t h = 1; h < H; h++) {
        int64_t want = paid[h % C] / H;
        if (h % 4 == 0)
            want += paid[(h + 1) % C] / H;
        if (settle(l, h) != want || balance_of(l, h) != want)
            fail_msg("holder %u: expected %lld", h, (long long)want);
    }
    /* The issuer keeps u0 units of each cohort: it is paid
     * floor(u0 x C / H); every other unit floor(C / H). */
    int64_t issuer = 0, unpaid = 0;
    for (size_t c = 0; c < C; c++) {
        struct ldg_position p;
        ldg_position(l, LDG_ISSUER, c, &p);
        int64_t mine = (int64_t)((i128)p.units * paid[c] / H);
        issuer += mine;
        unpaid += paid[c] - mine - (H - p.units) * (paid[c] / H);
    }
    assert_true(settle(l, LDG_ISSUER) == issuer);
    expect_valid(l);
    struct ldg_totals t;
    ldg_get_totals(l, &t);
    assert_true(t.credited - t.settled == unpaid);
    assert_true(unpaid > 0);
    for (size_t c = 0; c < C; c++)
        assert_true(ldg_owners(l, c) > (size_t)H / C);
    ldg_free(l);
}

/* ---- dormant, retired and converted cohorts ----------------------------- */

static int64_t units_of(const struct ledger *l, uint32_t h, size_t c)
{
    struct ldg_position p;
    ldg_position(l, h, c, &p);
    return p.units;
}

/* Holders 1, 2, 3 hold 1, 2 and 3 of 6 units, converted into 10: exact
 * shares 1 2/3, 3 1/3 and 5, so floors 1, 3, 5 and the unit left over to
 * the largest fraction, holder 1's. */
static void test_convert_by_hand(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[2] = {6, 0};
    struct ledger *l = make(2, units, 4);
    for (uint32_t h = 1; h <= 3; h++)
        expect_ok(ldg_transfer(l, 0, LDG_ISSUER, h, h, 0, &err), &err);
    /* 100 sats in sixths: 16 r 4, 33 r 2, 50 r 0; holder 2 settles now,
     * the others at the conversion. */
    expect_ok(ldg_credit(l, 0, 100, &err), &err);
    assert_true(settle(l, 2) == 33);
    expect_ok(ldg_convert(l, 0, 1, 10, &err), &err);
    expect_valid(l);
    assert_int_equal(ldg_state(l, 0), LDG_RETIRED);
    assert_int_equal(ldg_state(l, 1), LDG_ACTIVE);
    assert_true(ldg_units(l, 0) == 0 && ldg_units(l, 1) == 10);
    assert_int_equal(ldg_owners(l, 0), 0);
    assert_int_equal(ldg_owners(l, 1), 3);
    assert_true(ldg_index(l, 0) == 100 && ldg_index(l, 1) == 0);
    static const int64_t want_units[4] = {0, 2, 3, 5};
    static const int64_t want_bal[4] = {0, 16, 33, 50};
    static const int64_t want_rem[4] = {0, 4, 2, 0};
    for (uint32_t h = 0; h <= 3; h++) {
        struct ldg_position p;
        ldg_position(l, h, 0, &p);
        assert_true(p.units == 0 && p.locked == 0 && p.rem == want_rem[h]);
        ldg_position(l, h, 1, &p);
        assert_true(p.units == want_units[h] && p.snap == 0 && p.rem == 0);
        assert_true(balance_of(l, h) == want_bal[h]);
        assert_true(ldg_accrued(l, h, 0) == 0);
    }
    /* 6 sixths in remainders: one satoshi credited and never paid */
    struct ldg_totals t;
    ldg_get_totals(l, &t);
    assert_true(t.credited == 100 && t.settled == 99 && t.balances == 99);
    for (uint32_t h = 0; h <= 3; h++)
        assert_true(settle(l, h) == 0);
    /* the new cohort earns pro rata to the new units */
    expect_ok(ldg_credit(l, 1, 1000, &err), &err);
    assert_true(ldg_accrued(l, 1, 1) == 200 && ldg_accrued(l, 2, 1) == 300 &&
                ldg_accrued(l, 3, 1) == 500);
    assert_true(ldg_accrued(l, LDG_ISSUER, 1) == 0);
    expect_ok(ldg_transfer(l, 1, 3, LDG_ISSUER, 5, 0, &err), &err);
    assert_true(balance_of(l, 3) == 550);
    assert_true(units_of(l, LDG_ISSUER, 1) == 5);
    expect_valid(l);
    ldg_free(l);
}

/* Four holders of one unit each into 6 units: 1.5 each, so the two units
 * left over go to the two lowest holder numbers, whatever order their
 * positions were made in. */
static void test_convert_ties(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[3] = {4, 0, 0};
    struct ledger *l = make(3, units, 4);
    for (uint32_t h = 3; h >= 1; h--)
        expect_ok(ldg_transfer(l, 0, LDG_ISSUER, h, 1, 0, &err), &err);
    expect_ok(ldg_convert(l, 0, 2, 6, &err), &err);
    static const int64_t want[4] = {2, 2, 1, 1};
    for (uint32_t h = 0; h <= 3; h++)
        assert_true(units_of(l, h, 2) == want[h]);
    assert_int_equal(ldg_owners(l, 2), 4);
    assert_int_equal(ldg_state(l, 1), LDG_DORMANT);
    expect_valid(l);

    /* 2, 2, 1, 1 of 6 into 4: 2 x 4 / 6 = 1 r 2 and 1 x 4 / 6 = 0 r 4, so
     * floors 1, 1, 0, 0 and the two left over to the larger fractions, of
     * holders 2 and 3: the lower number does not beat a larger fraction. */
    expect_ok(ldg_convert(l, 2, 1, 4, &err), &err);
    static const int64_t again[4] = {1, 1, 1, 1};
    for (uint32_t h = 0; h <= 3; h++)
        assert_true(units_of(l, h, 1) == again[h]);
    expect_valid(l);
    ldg_free(l);
}

/* 7, 2 and 1 of 10 into 3 units: 2.1, 0.6 and 0.3, so 2, 1 and 0; the
 * holder with 0 gets no position, nor does one that had sold out. */
static void test_convert_zero_share(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[2] = {10, 0};
    struct ledger *l = make(2, units, 4);
    expect_ok(ldg_transfer(l, 0, LDG_ISSUER, 1, 2, 0, &err), &err);
    expect_ok(ldg_transfer(l, 0, LDG_ISSUER, 2, 1, 0, &err), &err);
    expect_ok(ldg_transfer(l, 0, LDG_ISSUER, 3, 1, 0, &err), &err);
    expect_ok(ldg_credit(l, 0, 5, &err), &err);
    /* holder 3 sells out: paid 0, keeps 5 tenths */
    expect_ok(ldg_transfer(l, 0, 3, LDG_ISSUER, 1, 0, &err), &err);
    expect_ok(ldg_convert(l, 0, 1, 3, &err), &err);
    static const int64_t want[4] = {2, 1, 0, 0};
    for (uint32_t h = 0; h <= 3; h++)
        assert_true(units_of(l, h, 1) == want[h]);
    assert_int_equal(ldg_owners(l, 1), 2);
    /* the issuer was paid 3 at holder 3's sale, holder 1 1 now; holders 2
     * and 3 keep 5 tenths each: one satoshi */
    static const int64_t bal[4] = {3, 1, 0, 0}, rem[4] = {0, 0, 5, 5};
    for (uint32_t h = 0; h <= 3; h++) {
        struct ldg_position p;
        ldg_position(l, h, 0, &p);
        assert_true(balance_of(l, h) == bal[h] && p.rem == rem[h]);
    }
    struct ldg_totals t;
    ldg_get_totals(l, &t);
    assert_true(t.credited == 5 && t.settled == 4);
    expect_valid(l);
    /* holder 2 can buy into the new cohort: a position is made then */
    expect_ok(ldg_transfer(l, 1, LDG_ISSUER, 2, 1, 0, &err), &err);
    assert_true(units_of(l, 2, 1) == 1);
    assert_int_equal(ldg_owners(l, 1), 3);
    expect_valid(l);
    ldg_free(l);
}

/* Refusals: a status, a message, and the ledger unchanged. */
static void test_convert_errors(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[4] = {5, 0, 3, 0};
    struct ledger *l = make(4, units, 3);
    expect_ok(ldg_transfer(l, 0, LDG_ISSUER, 1, 2, 0, &err), &err);

    expect_fail(ldg_convert(l, 0, 1, 0, &err), SIM_EINVAL, &err,
                "ledger: converting cohort 0 into 0 units of cohort 1, "
                "expected > 0");
    expect_fail(ldg_convert(l, 0, 1, -3, &err), SIM_EINVAL, &err,
                "into -3 units");
    expect_fail(ldg_convert(l, 4, 1, 3, &err), SIM_EINVAL, &err,
                "ledger: no cohort 4 (4 cohorts)");
    expect_fail(ldg_convert(l, 0, 9, 3, &err), SIM_EINVAL, &err,
                "no cohort 9");
    expect_fail(ldg_retire(l, 4, &err), SIM_EINVAL, &err, "no cohort 4");
    assert_int_equal(ldg_state(l, 4), -1);

    /* into an active cohort; from a dormant one */
    expect_fail(ldg_convert(l, 0, 2, 3, &err), SIM_ESTATE, &err,
                "ledger: cannot convert cohort 0 into cohort 2: it is "
                "active, expected dormant");
    expect_fail(ldg_convert(l, 0, 0, 3, &err), SIM_ESTATE, &err,
                "into cohort 0: it is active");
    expect_fail(ldg_convert(l, 3, 1, 3, &err), SIM_ESTATE, &err,
                "ledger: cohort 3 is dormant (no units issued yet): cannot "
                "retire it");
    expect_fail(ldg_retire(l, 1, &err), SIM_ESTATE, &err,
                "cohort 1 is dormant");

    /* a dormant cohort takes no credit, transfer or lock */
    expect_fail(ldg_credit(l, 1, 5, &err), SIM_ESTATE, &err,
                "ledger: cohort 1 is dormant (no units issued yet): cannot "
                "credit it");
    expect_fail(ldg_credit(l, 1, 0, &err), SIM_ESTATE, &err,
                "cannot credit it");
    expect_fail(ldg_transfer(l, 1, LDG_ISSUER, 1, 1, 0, &err), SIM_ESTATE,
                &err, "cohort 1 is dormant (no units issued yet): cannot "
                "transfer its units");
    expect_fail(ldg_lock_units(l, LDG_ISSUER, 1, 1, &err), SIM_ESTATE, &err,
                "cohort 1 is dormant (no units issued yet): cannot lock its "
                "units");
    expect_fail(ldg_unlock_units(l, LDG_ISSUER, 1, 0, &err), SIM_ESTATE,
                &err, "cannot unlock its units");

    /* locked units: the sales must be cancelled first */
    expect_ok(ldg_lock_units(l, 1, 0, 1, &err), &err);
    expect_fail(ldg_convert(l, 0, 1, 3, &err), SIM_ESTATE, &err,
                "ledger: cohort 0 has 1 units locked: cancel the sales that "
                "hold them before retiring it");
    expect_fail(ldg_retire(l, 0, &err), SIM_ESTATE, &err,
                "cohort 0 has 1 units locked");
    assert_int_equal(ldg_state(l, 0), LDG_ACTIVE);
    assert_int_equal(ldg_state(l, 1), LDG_DORMANT);
    assert_true(ldg_units(l, 0) == 5 && units_of(l, 1, 0) == 2);
    expect_valid(l);
    expect_ok(ldg_unlock_units(l, 1, 0, 1, &err), &err);

    /* a retired cohort: no credit, transfer, lock, second retirement or
     * conversion from it */
    expect_ok(ldg_credit(l, 2, 7, &err), &err);
    expect_ok(ldg_retire(l, 2, &err), &err);
    assert_int_equal(ldg_state(l, 2), LDG_RETIRED);
    assert_true(ldg_units(l, 2) == 0 && units_of(l, LDG_ISSUER, 2) == 0);
    assert_true(ldg_index(l, 2) == 7 && balance_of(l, LDG_ISSUER) == 7);
    expect_fail(ldg_credit(l, 2, 1, &err), SIM_ESTATE, &err,
                "ledger: cohort 2 is retired (its units are gone): cannot "
                "credit it");
    expect_fail(ldg_transfer(l, 2, LDG_ISSUER, 1, 1, 0, &err), SIM_ESTATE,
                &err, "cohort 2 is retired (its units are gone): cannot "
                "transfer its units");
    expect_fail(ldg_lock_units(l, LDG_ISSUER, 2, 1, &err), SIM_ESTATE, &err,
                "cohort 2 is retired (its units are gone): cannot lock");
    expect_fail(ldg_retire(l, 2, &err), SIM_ESTATE, &err,
                "cohort 2 is retired (its units are gone): cannot retire it");
    expect_fail(ldg_convert(l, 2, 1, 3, &err), SIM_ESTATE, &err,
                "cohort 2 is retired");
    expect_fail(ldg_convert(l, 0, 2, 3, &err), SIM_ESTATE, &err,
                "cannot convert cohort 0 into cohort 2: it is retired, "
                "expected dormant");

    /* 10 sats over 5 units, then 3 x 3 / 5 = 1 r 4 and 2 x 3 / 5 = 1 r 1:
     * the unit left over to the issuer */
    expect_ok(ldg_credit(l, 0, 10, &err), &err);
    expect_ok(ldg_convert(l, 0, 1, 3, &err), &err);
    assert_true(units_of(l, LDG_ISSUER, 1) == 2 && units_of(l, 1, 1) == 1);
    assert_true(balance_of(l, LDG_ISSUER) == 13 && balance_of(l, 1) == 4);
    /* converted: neither end can be converted again */
    expect_fail(ldg_convert(l, 0, 3, 3, &err), SIM_ESTATE, &err,
                "cohort 0 is retired");
    expect_fail(ldg_convert(l, 3, 1, 3, &err), SIM_ESTATE, &err,
                "into cohort 1: it is active");
    expect_valid(l);
    ldg_free(l);
}

/* A -> B -> C, with payouts and a sale in between. */
static void test_convert_chain(void **state)
{
    (void)state;
    struct sim_err err = {0};
    const int64_t units[3] = {3, 0, 0};
    struct ledger *l = make(3, units, 4);
    expect_ok(ldg_transfer(l, 0, LDG_ISSUER, 1, 1, 0, &err), &err);
    expect_ok(ldg_transfer(l, 0, LDG_ISSUER, 2, 1, 0, &err), &err);
    expect_ok(ldg_credit(l, 0, 10, &err), &err); /* 3 r 1 each */
    /* 7 / 3 = 2 r 1 each: the unit left over to the issuer */
    expect_ok(ldg_convert(l, 0, 1, 7, &err), &err);
    assert_true(units_of(l, LDG_ISSUER, 1) == 3 && units_of(l, 1, 1) == 2 &&
                units_of(l, 2, 1) == 2);
    for (uint32_t h = 0; h <= 2; h++)
        assert_true(balance_of(l, h) == 3);
    expect_valid(l);

    expect_ok(ldg_credit(l, 1, 7, &err), &err);
    expect_ok(ldg_transfer(l, 1, 2, 3, 2, 0, &err), &err); /* pays 2 */
    expect_ok(ldg_credit(l, 1, 1, &err), &err);
    /* B's index 8: the issuer 24 sevenths = 3 r 3, holder 1 16 = 2 r 2,
     * holder 3 2 x 1 = 0 r 2.  Into 2 units: fractions 6, 4, 4 (in
     * sevenths), floors 0: the issuer and then holder 1 (the lower of the
     * tie with holder 3). */
    expect_ok(ldg_convert(l, 1, 2, 2, &err), &err);
    static const int64_t want[4] = {1, 1, 0, 0};
    static const int64_t bal[4] = {6, 5, 5, 0}, rem[4] = {3, 2, 0, 2};
    for (uint32_t h = 0; h <= 3; h++) {
        struct ldg_position p;
        ldg_position(l, h, 1, &p);
        assert_true(units_of(l, h, 2) == want[h]);
        assert_true(balance_of(l, h) == bal[h] && p.rem == rem[h] &&
                    p.units == 0);
    }
    assert_int_equal(ldg_state(l, 0), LDG_RETIRED);
    assert_int_equal(ldg_state(l, 1), LDG_RETIRED);
    assert_int_equal(ldg_state(l, 2), LDG_ACTIVE);
    struct ldg_totals t;
    ldg_get_totals(l, &t);
    /* A keeps 1 satoshi in remainders, B 1 */
    assert_true(t.credited == 18 && t.settled == 16);
    expect_ok(ldg_credit(l, 2, 2, &err), &err);
    assert_true(settle(l, LDG_ISSUER) == 1 && settle(l, 1) == 1);
    expect_valid(l);
    ldg_free(l);
}

/* ---- random histories against a brute-force model ----------------------- */

enum { MH = 16, MC = 4, DC = 3, NC = MC + DC, STEPS = 2000, HISTORIES = 20 };

/* The model credits every position at every payout: acc is the exact
 * numerator, in 1/U satoshi, of what a position is owed; settling pays
 * acc / U and keeps acc % U, as the contract says.  Cohorts MC.. start
 * dormant (size 0 in the model) when conversions are on. */
struct model {
    size_t nh, nc;
    int conv;       /* conversions and retirements among the steps */
    size_t last;    /* the cohort the last conversion made, or NC */
    int state[NC];
    int64_t size[NC], index[NC], settled[NC];
    int64_t units[MH][NC], locked[MH][NC];
    i128 acc[MH][NC];
    struct ldg_holder h[MH];
    struct ldg_totals tot;
    int retired, converted; /* successes, to see both happen */
};

static uint64_t below(uint64_t *s, uint64_t n)
{
    return sim_splitmix64(s) % n;
}

static int64_t model_settle(struct model *m, size_t h, size_t c)
{
    if (m->state[c] == LDG_DORMANT)
        return 0; /* nothing was ever owed */
    int64_t q = (int64_t)(m->acc[h][c] / m->size[c]);
    m->acc[h][c] -= (i128)q * m->size[c];
    m->h[h].balance += q;
    m->h[h].credited += q;
    m->settled[c] += q;
    m->tot.settled += q;
    m->tot.balances += q;
    return q;
}

/* An amount against what is available: mostly within it, sometimes just
 * over, zero or negative, so both outcomes are exercised. */
static int64_t pick(uint64_t *s, int64_t avail)
{
    uint64_t r = below(s, 20);
    if (r == 0)
        return -(int64_t)below(s, 5) - 1;
    if (r == 1)
        return avail + 1 + (int64_t)below(s, 3);
    if (r == 2 || avail <= 0)
        return 0;
    if (r < 6)
        return avail;
    return 1 + (int64_t)below(s, (uint64_t)avail);
}

static uint32_t pick_holder(uint64_t *s, const struct model *m)
{
    if (below(s, 50) == 0)
        return (uint32_t)(m->nh + below(s, 3)); /* unknown */
    if (below(s, 3) == 0)
        return LDG_ISSUER;
    return (uint32_t)below(s, m->nh);
}

static void compare(const struct ledger *l, const struct model *m)
{
    assert_int_equal(ldg_holders(l), m->nh);
    for (size_t h = 0; h < m->nh; h++) {
        struct ldg_holder x;
        ldg_holder(l, (uint32_t)h, &x);
        if (memcmp(&x, &m->h[h], sizeof x) != 0)
            fail_msg("holder %zu: balance %lld/%lld credited %lld/%lld", h,
                     (long long)x.balance, (long long)m->h[h].balance,
                     (long long)x.credited, (long long)m->h[h].credited);
    }
    for (size_t c = 0; c < m->nc; c++) {
        int active = m->state[c] == LDG_ACTIVE;
        int64_t div = m->state[c] == LDG_DORMANT ? 1 : m->size[c];
        assert_int_equal(ldg_state(l, c), m->state[c]);
        assert_true(ldg_index(l, c) == m->index[c]);
        assert_true(ldg_units(l, c) == (active ? m->size[c] : 0));
        size_t owners = 0;
        for (size_t h = 0; h < m->nh; h++) {
            struct ldg_position p;
            ldg_position(l, (uint32_t)h, c, &p);
            owners += m->units[h][c] > 0;
            i128 num = (i128)p.units * (m->index[c] - p.snap) + p.rem;
            if (p.units != m->units[h][c] || p.locked != m->locked[h][c] ||
                num != m->acc[h][c] || p.rem < 0 || p.rem >= div)
                fail_msg("holder %zu cohort %zu: units %lld/%lld locked "
                         "%lld/%lld, owed numerator differs: %d", h, c,
                         (long long)p.units, (long long)m->units[h][c],
                         (long long)p.locked, (long long)m->locked[h][c],
                         num != m->acc[h][c]);
            assert_true(ldg_accrued(l, (uint32_t)h, c) ==
                        (int64_t)(m->acc[h][c] / div));
        }
        assert_int_equal(ldg_owners(l, c), owners);
    }
    struct ldg_totals t;
    ldg_get_totals(l, &t);
    assert_memory_equal(&t, &m->tot, sizeof t);
}

static int64_t model_locked(const struct model *m, size_t c)
{
    int64_t sum = 0;
    for (size_t h = 0; h < m->nh; h++)
        sum += m->locked[h][c];
    return sum;
}

static void model_retire(struct model *m, size_t c)
{
    for (size_t h = 0; h < m->nh; h++) {
        if (m->units[h][c] > 0)
            model_settle(m, h, c);
        m->units[h][c] = 0;
    }
    m->state[c] = LDG_RETIRED;
}

/* After a successful ldg_convert(from, to, units): checks the new units
 * against the contract, independently of how they were computed, then
 * takes them into the model.  A holder's exact share is u x units / U =
 * q + r / U; it must get q or q + 1 (q when r = 0), the total must be
 * `units`, and whoever got q + 1 must beat whoever got q on (larger r,
 * then lower holder number): that fixes the answer uniquely. */
static void model_convert(const struct ledger *l, struct model *m,
                          size_t from, size_t to, int64_t units)
{
    int64_t size = m->size[from];
    int64_t q[MH] = {0}, r[MH] = {0}, got[MH] = {0}, sum = 0;
    for (size_t h = 0; h < m->nh; h++) {
        i128 exact = (i128)m->units[h][from] * units;
        q[h] = (int64_t)(exact / size);
        r[h] = (int64_t)(exact % size);
        got[h] = units_of(l, (uint32_t)h, to);
        sum += got[h];
        i128 diff = (i128)got[h] * size - exact; /* U x (new - exact) */
        if (diff <= -(i128)size || diff >= (i128)size ||
            (got[h] != q[h] && got[h] != q[h] + 1) ||
            (r[h] == 0 && got[h] != q[h]))
            fail_msg("holder %zu: %lld new units for %lld of %lld -> %lld",
                     h, (long long)got[h], (long long)m->units[h][from],
                     (long long)size, (long long)units);
    }
    assert_true(sum == units);
    for (size_t i = 0; i < m->nh; i++)
        for (size_t j = 0; j < m->nh; j++)
            if (got[i] == q[i] + 1 && got[j] == q[j] && m->units[j][from] > 0)
                assert_true(r[i] > r[j] || (r[i] == r[j] && i < j));
    model_retire(m, from);
    m->state[to] = LDG_ACTIVE;
    m->size[to] = units;
    for (size_t h = 0; h < m->nh; h++)
        m->units[h][to] = got[h];
    m->last = to;
    m->converted++;
}

static const int64_t sizes[] = {1,
                                2,
                                3,
                                7,
                                10,
                                1000,
                                999983,
                                1000000000,
                                1000000000000000,
                                (INT64_C(1) << 62) + 7,
                                INT64_MAX};
enum { NSIZES = sizeof sizes / sizeof sizes[0] };

/* A unit count for a conversion: one of sizes, a small random count, or
 * (rarely) 0 or negative. */
static int64_t pick_units(uint64_t *s)
{
    uint64_t r = below(s, 20);
    if (r == 0)
        return -(int64_t)below(s, 3);
    if (r < 8)
        return 1 + (int64_t)below(s, 40);
    return sizes[below(s, NSIZES)];
}

/* A retirement or conversion, valid or not. */
static void conv_step(struct ledger *l, struct model *m, uint64_t *s)
{
    struct sim_err err = {0};
    int rc, want = SIM_OK;
    size_t from = (size_t)below(s, m->nc + 1), to = (size_t)below(s, m->nc + 1);
    if (below(s, 10) == 0) {
        rc = ldg_retire(l, from, &err);
        if (from >= m->nc)
            want = SIM_EINVAL;
        else if (m->state[from] != LDG_ACTIVE || model_locked(m, from) > 0)
            want = SIM_ESTATE;
        if (rc == SIM_OK && want == SIM_OK) {
            model_retire(m, from);
            m->retired++;
        }
    } else {
        /* Mostly into a dormant cohort, so that some succeed. */
        for (size_t c = MC; c < m->nc && below(s, 2) == 0; c++)
            if (m->state[c] == LDG_DORMANT)
                to = c;
        int64_t units = pick_units(s);
        rc = ldg_convert(l, from, to, units, &err);
        if (from >= m->nc || to >= m->nc || units <= 0)
            want = SIM_EINVAL;
        else if (m->state[to] != LDG_DORMANT ||
                 m->state[from] != LDG_ACTIVE || model_locked(m, from) > 0)
            want = SIM_ESTATE;
        if (rc == SIM_OK && want == SIM_OK)
            model_convert(l, m, from, to, units);
    }
    if (rc != want)
        fail_msg("expected status %d, got %d: %s", want, rc, err.msg);
    if (want != SIM_OK)
        assert_non_null(strstr(err.msg, "ledger: "));
}

/* Convert the cohort the last conversion made (else any active one) into
 * a dormant one, after releasing its locks: a chain A -> B -> C. */
static void forced_convert(struct ledger *l, struct model *m, uint64_t *s)
{
    size_t from = m->nc, to = m->nc;
    for (size_t c = 0; c < m->nc; c++) {
        if (m->state[c] == LDG_DORMANT && to == m->nc)
            to = c;
        if (m->state[c] == LDG_ACTIVE && (from == m->nc || c == m->last))
            from = c;
    }
    if (from == m->nc || to == m->nc)
        return;
    struct sim_err err = {0};
    for (size_t h = 0; h < m->nh; h++) {
        if (m->locked[h][from] == 0)
            continue;
        expect_ok(ldg_unlock_units(l, (uint32_t)h, from, m->locked[h][from],
                                   &err), &err);
        m->locked[h][from] = 0;
    }
    int64_t units = pick_units(s);
    if (units <= 0)
        units = 1;
    expect_ok(ldg_convert(l, from, to, units, &err), &err);
    model_convert(l, m, from, to, units);
}

static void step(struct ledger *l, struct model *m, uint64_t *s)
{
    struct sim_err err = {0};
    int rc = SIM_OK, want = SIM_OK;
    if (m->conv && below(s, 40) == 0) {
        conv_step(l, m, s);
        expect_ok(ldg_check(l, &err), &err);
        return;
    }
    size_t c = (size_t)below(s, m->nc);
    int active = m->state[c] == LDG_ACTIVE;
    uint32_t a = pick_holder(s, m), b = pick_holder(s, m);
    int known = a < m->nh, both = known && b < m->nh;
    struct ldg_holder *ha = known ? &m->h[a] : NULL;
    switch (below(s, 12)) {
    case 0:
    case 1: { /* a payout, up to 1e12 sats */
        static const int64_t mag[] = {1, 10, 1000, 1000000, 1000000000,
                                      1000000000000};
        int64_t sats = (int64_t)below(s, (uint64_t)mag[below(s, 6)] + 1);
        if (below(s, 40) == 0)
            sats = -1 - sats;
        rc = ldg_credit(l, c, sats, &err);
        if (!active) {
            want = SIM_ESTATE;
            break;
        }
        if (sats < 0) {
            want = SIM_EINVAL;
            break;
        }
        m->index[c] += sats;
        m->tot.credited += sats;
        for (size_t h = 0; h < m->nh; h++)
            m->acc[h][c] += (i128)m->units[h][c] * sats;
        break;
    }
    case 2:
    case 3:
    case 4: { /* a sale, of unlocked or locked units */
        int fl = below(s, 3) == 0;
        int64_t avail = !known ? 0 : fl ? m->locked[a][c]
                                       : m->units[a][c] - m->locked[a][c];
        int64_t k = pick(s, avail);
        rc = ldg_transfer(l, c, a, b, k, fl, &err);
        if (!both || (active && (k <= 0 || k > avail))) {
            want = SIM_EINVAL;
            break;
        }
        if (!active) {
            want = SIM_ESTATE;
            break;
        }
        model_settle(m, a, c);
        if (b != a)
            model_settle(m, b, c);
        if (fl)
            m->locked[a][c] -= k;
        m->units[a][c] -= k;
        m->units[b][c] += k;
        break;
    }
    case 5: { /* settle one holder */
        int64_t got = -1, sum = 0;
        rc = ldg_settle(l, a, &got, &err);
        if (!known) {
            want = SIM_EINVAL;
            break;
        }
        for (size_t k = 0; k < m->nc; k++)
            sum += model_settle(m, a, k);
        assert_true(got == sum);
        break;
    }
    case 6: { /* lock or unlock units */
        int lock = below(s, 2) == 0;
        int64_t avail = !known ? 0 : lock ? m->units[a][c] - m->locked[a][c]
                                          : m->locked[a][c];
        int64_t k = pick(s, avail);
        rc = lock ? ldg_lock_units(l, a, c, k, &err)
                  : ldg_unlock_units(l, a, c, k, &err);
        if (!known || (active && (k < 0 || k > avail))) {
            want = SIM_EINVAL;
            break;
        }
        if (!active) {
            want = SIM_ESTATE;
            break;
        }
        m->locked[a][c] += lock ? k : -k;
        break;
    }
    case 7: { /* deposit or withdraw */
        int dep = below(s, 2) == 0;
        int64_t avail = !known ? 0 : dep ? 1000000000 : ha->balance - ha->locked;
        int64_t v = pick(s, avail);
        rc = dep ? ldg_deposit(l, a, v, &err) : ldg_withdraw(l, a, v, &err);
        if (!known || v < 0 || (!dep && v > avail)) {
            want = SIM_EINVAL;
            break;
        }
        if (dep) {
            ha->balance += v;
            ha->deposited += v;
            m->tot.deposited += v;
            m->tot.balances += v;
        } else {
            ha->balance -= v;
            ha->withdrawn += v;
            m->tot.withdrawn += v;
            m->tot.balances -= v;
        }
        break;
    }
    case 8: { /* pay */
        int fl = below(s, 2) == 0;
        int64_t avail = !known ? 0 : fl ? ha->locked : ha->balance - ha->locked;
        int64_t v = pick(s, avail);
        rc = ldg_pay(l, a, b, v, fl, &err);
        if (!both || v < 0 || v > avail) {
            want = SIM_EINVAL;
            break;
        }
        ha->balance -= v;
        if (fl)
            ha->locked -= v;
        m->h[b].balance += v;
        break;
    }
    case 9: { /* lock or unlock satoshis */
        int lock = below(s, 2) == 0;
        int64_t avail = !known ? 0 : lock ? ha->balance - ha->locked
                                          : ha->locked;
        int64_t v = pick(s, avail);
        rc = lock ? ldg_lock_sats(l, a, v, &err)
                  : ldg_unlock_sats(l, a, v, &err);
        if (!known || v < 0 || v > avail) {
            want = SIM_EINVAL;
            break;
        }
        ha->locked += lock ? v : -v;
        break;
    }
    case 10: /* a new holder */
        if (m->nh < MH) {
            uint32_t id = 0;
            rc = ldg_add_holder(l, &id);
            assert_int_equal(id, m->nh);
            m->nh++;
        }
        break;
    default: /* read-only: accrued must not move anything */
        if (known)
            (void)ldg_accrued(l, a, c);
        break;
    }
    if (rc != want)
        fail_msg("expected status %d, got %d: %s", want, rc, err.msg);
    if (want != SIM_OK)
        assert_non_null(strstr(err.msg, "ledger: "));
    expect_ok(ldg_check(l, &err), &err);
}

/* Settle everyone: per cohort, what was credited and not paid is exactly
 * the remainders over U, a whole number of satoshis, fewer than the
 * holders; for a retired cohort too. */
static void settle_all(struct ledger *l, struct model *m)
{
    for (uint32_t h = 0; h < m->nh; h++) {
        int64_t sum = 0;
        for (size_t c = 0; c < m->nc; c++)
            sum += model_settle(m, h, c);
        assert_true(settle(l, h) == sum);
    }
    compare(l, m);
    expect_valid(l);
    i128 unpaid = 0;
    for (size_t c = 0; c < m->nc; c++) {
        int64_t div = m->state[c] == LDG_DORMANT ? 1 : m->size[c];
        i128 rems = 0;
        for (uint32_t h = 0; h < m->nh; h++) {
            struct ldg_position p;
            ldg_position(l, h, c, &p);
            /* settled, or no position at all (reads as zeros) */
            assert_true(p.snap == m->index[c] ||
                        (p.snap == 0 && p.units == 0 && p.rem == 0));
            rems += p.rem;
        }
        assert_true(rems % div == 0);
        assert_true(rems / div == m->index[c] - m->settled[c]);
        assert_true(m->index[c] - m->settled[c] < (int64_t)m->nh);
        unpaid += rems / div;
    }
    struct ldg_totals t;
    ldg_get_totals(l, &t);
    assert_true(t.credited - t.settled == unpaid);
}

/* A model and its ledger: MC active cohorts of random sizes, then `dc`
 * dormant ones. */
static struct ledger *start(struct model *m, uint64_t *s, size_t dc)
{
    *m = (struct model){0};
    m->nc = MC + dc;
    m->last = NC;
    for (size_t c = 0; c < MC; c++)
        m->size[c] = sizes[below(s, NSIZES)];
    for (size_t c = MC; c < m->nc; c++)
        m->state[c] = LDG_DORMANT;
    m->nh = 2 + (size_t)below(s, 6);
    struct ledger *l = make(m->nc, m->size, m->nh);
    for (size_t c = 0; c < MC; c++)
        m->units[0][c] = m->size[c];
    compare(l, m);
    return l;
}

static void test_random_histories(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= HISTORIES; seed++) {
        uint64_t s = sim_stream_seed(seed, 0, 0x1ed9e5);
        struct model m;
        struct ledger *l = start(&m, &s, 0);
        for (int i = 0; i < STEPS; i++) {
            step(l, &m, &s);
            compare(l, &m);
            if (i % 50 == 49) {
                struct sim_err err = {0};
                expect_ok(ldg_audit(l, &err), &err);
            }
        }
        settle_all(l, &m);
        ldg_free(l);
    }
}

/* Random histories with dormant cohorts, retirements and conversions
 * (valid or not) among the steps, and two forced conversions that chain
 * (A -> B -> C) after releasing the locks; every step checked against the
 * model satoshi for satoshi, ldg_check and ldg_audit after each. */
static void test_random_conversions(void **state)
{
    (void)state;
    int retired = 0, converted = 0;
    for (uint64_t seed = 1; seed <= HISTORIES; seed++) {
        uint64_t s = sim_stream_seed(seed, 0, 0xc0417e);
        struct model m;
        struct ledger *l = start(&m, &s, DC);
        m.conv = 1;
        for (int i = 0; i < STEPS; i++) {
            if (i == STEPS / 3 || i == 2 * STEPS / 3)
                forced_convert(l, &m, &s);
            step(l, &m, &s);
            compare(l, &m);
            expect_valid(l);
        }
        settle_all(l, &m);
        retired += m.retired;
        converted += m.converted;
        ldg_free(l);
    }
    /* both kinds happened, beyond the forced ones */
    assert_true(retired > 0);
    assert_true(converted > 2 * HISTORIES);
}

/* ---- checkpoints -------------------------------------------------------- */

static void save_ledger(const struct ledger *l, struct sim_save *w)
{
    struct sim_err err = {0};
    memset(w, 0, sizeof *w);
    ldg_save(l, w);
    expect_ok(sim_save_status(w, &err), &err);
}

/* Random histories saved at some step and loaded into a fresh ledger (of
 * the same cohorts, with other holders of its own), then both go on with
 * the same steps: the loaded one matches the model satoshi for satoshi,
 * and at the end both save the same bytes (the lock table slot for slot,
 * its capacity included). */
static void test_checkpoint_round_trip(void **state)
{
    (void)state;
    int with_locks = 0, converted = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        uint64_t s = sim_stream_seed(seed, 0, 0xc4ec);
        struct model m, mb;
        struct sim_save w1, w2, w3;
        struct sim_load r;
        struct sim_err err = {0};
        struct ledger *a = start(&m, &s, DC);
        int64_t size0[NC];
        int cut = (int)(seed * 397 % STEPS);
        memcpy(size0, m.size, sizeof size0);
        m.conv = 1;
        for (int i = 0; i < cut; i++)
            step(a, &m, &s);
        save_ledger(a, &w1);
        for (size_t c = 0; c < m.nc; c++)
            with_locks += model_locked(&m, c) > 0;
        converted += m.converted > 0;
        struct ledger *b = make(m.nc, size0, 1 + (size_t)(seed % 3));
        if (seed % 2)
            expect_ok(ldg_credit(b, 0, 12345, &err), &err);
        sim_load_init(&r, w1.p, w1.n);
        ldg_load(b, &r);
        expect_ok(sim_load_status(&r, 1, &err), &err);
        compare(b, &m);
        expect_valid(b);
        mb = m;
        uint64_t sb = s;
        for (int i = cut; i < STEPS; i++) {
            step(a, &m, &s);
            step(b, &mb, &sb);
            compare(b, &mb);
        }
        settle_all(a, &m);
        settle_all(b, &mb);
        save_ledger(a, &w2);
        save_ledger(b, &w3);
        assert_same_stream(&w2, &w3);
        sim_save_release(&w1);
        sim_save_release(&w2);
        sim_save_release(&w3);
        ldg_free(a);
        ldg_free(b);
    }
    assert_true(with_locks > 0); /* locks were saved and restored */
    assert_true(converted > 0);  /* conversions too */
}

/* Every prefix of a saved ledger fails to load, saying it ends early; a
 * wrong tag and another number of cohorts are refused with a message
 * naming the section; the ledger is then only freed. */
static void test_checkpoint_bad_streams(void **state)
{
    (void)state;
    uint64_t s = sim_stream_seed(99, 0, 0xc4ec);
    struct model m;
    struct sim_save w;
    struct sim_load r;
    struct sim_err err = {0};
    struct ledger *a = start(&m, &s, DC), *b;
    int64_t size0[NC];
    memcpy(size0, m.size, sizeof size0);
    for (int i = 0; i < 300; i++)
        step(a, &m, &s);
    save_ledger(a, &w);
    for (size_t n = 0; n < w.n; n++) {
        b = make(m.nc, size0, 1 + n % 4);
        sim_load_init(&r, w.p, n);
        ldg_load(b, &r);
        assert_int_equal(sim_load_status(&r, 1, &err), SIM_EPARSE);
        if (!strstr(err.msg, "ends early") &&
            !strstr(err.msg, "bytes are left"))
            fail_msg("prefix %zu: %s", n, err.msg);
        ldg_free(b);
    }
    b = make(m.nc - 1, size0, 1);
    sim_load_init(&r, w.p, w.n);
    ldg_load(b, &r);
    expect_fail(sim_load_status(&r, 1, &err), SIM_EPARSE, &err,
                "in section \"ledger\": 7 cohorts where the scenario makes 6");
    ldg_free(b);
    w.p[8] = 'L'; /* the tag's text follows its 8-byte length */
    b = make(m.nc, size0, 1);
    sim_load_init(&r, w.p, w.n);
    ldg_load(b, &r);
    expect_fail(sim_load_status(&r, 1, &err), SIM_EPARSE, &err,
                "expected section \"ledger\" after \"(start)\", got "
                "\"Ledger\"");
    ldg_free(b);
    sim_save_release(&w);
    ldg_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new),
        cmocka_unit_test(test_thirds),
        cmocka_unit_test(test_transfer_settles_both),
        cmocka_unit_test(test_remainder_kept_at_zero_units),
        cmocka_unit_test(test_accrued_vs_settle),
        cmocka_unit_test(test_unit_locks),
        cmocka_unit_test(test_balances),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_many_holders),
        cmocka_unit_test(test_convert_by_hand),
        cmocka_unit_test(test_convert_ties),
        cmocka_unit_test(test_convert_zero_share),
        cmocka_unit_test(test_convert_errors),
        cmocka_unit_test(test_convert_chain),
        cmocka_unit_test(test_random_histories),
        cmocka_unit_test(test_random_conversions),
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_checkpoint_bad_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
