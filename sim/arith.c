/* arith.c — int64 addition, subtraction, multiplication and conversion
 * from double that saturate at the type's bounds instead of overflowing
 * (undefined behaviour in C). */
#include "sim/sim.h"

int64_t sim_sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

int64_t sim_sat_sub(int64_t a, int64_t b)
{
    if (b < 0 && a > INT64_MAX + b)
        return INT64_MAX;
    if (b > 0 && a < INT64_MIN + b)
        return INT64_MIN;
    return a - b;
}

int64_t sim_sat_mul(int64_t a, int64_t b)
{
    int neg = (a < 0) != (b < 0);
    if (a == 0 || b == 0)
        return 0;
    /* |a| * |b| > INT64_MAX, in terms that cannot overflow */
    if (a > 0 ? (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a)
              : (b > 0 ? a < INT64_MIN / b : a < INT64_MAX / b))
        return neg ? INT64_MIN : INT64_MAX;
    return a * b;
}

int64_t sim_sat_from_double(double v)
{
    /* 2^63 is the first double past INT64_MAX */
    if (v >= 9223372036854775808.0)
        return INT64_MAX;
    if (v <= -9223372036854775808.0)
        return INT64_MIN;
    return v == v ? (int64_t)v : 0;
}
