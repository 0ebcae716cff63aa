/* payout.c — one payout in integer money: coins to BTC at the prevailing
 * prices, the swap and platform fees, the period's costs, and what is
 * credited to the owners; the rounding rule is stated in models.h. */
#include <math.h>

#include "models/models.h"

#define SATS_MAX 4611686018427387904.0 /* 2^62 */

int64_t payout_take_units(double *acc)
{
    double whole = floor(*acc);
    if (!(whole > 0))
        return 0;
    *acc -= whole;
    return (int64_t)whole;
}

/* Split x at 10000 so each product stays below 2^62. */
int64_t payout_bps(int64_t x, int64_t bps)
{
    return x / 10000 * bps + x % 10000 * bps / 10000;
}

/* USD at the BTC price, to the nearest satoshi. */
static int usd_to_sats(double usd, double btc_usd, int64_t *out)
{
    double sats = round(usd / btc_usd * 1e8);
    if (!(sats >= 0) || sats >= SATS_MAX)
        return SIM_EINVAL;
    *out = (int64_t)sats;
    return SIM_OK;
}

int payout_settle(const struct payout_cfg *cfg, const int64_t *units,
                  const double *price_usd, const unsigned char *is_btc,
                  size_t n, double btc_usd, const struct payout_costs *costs,
                  int64_t deficit_in, struct payout *out,
                  struct sim_err *err)
{
    struct payout p = {0};
    if (!(btc_usd > 0) || !isfinite(btc_usd) || deficit_in < 0)
        return sim_err_set(err, SIM_EINVAL,
                           "payout: no usable BTC price (%g)", btc_usd);
    for (size_t i = 0; i < n; i++) {
        int64_t conv;
        if (units[i] < 0)
            return sim_err_set(err, SIM_EINVAL, "payout: negative units");
        if (units[i] == 0)
            continue;
        if (is_btc[i]) {
            conv = units[i];
        } else {
            if (!(price_usd[i] > 0) || !isfinite(price_usd[i]))
                return sim_err_set(err, SIM_EINVAL,
                                   "payout: coin %zu has units but no "
                                   "usable price (%g)",
                                   i, price_usd[i]);
            double v = floor((double)units[i] * price_usd[i] / btc_usd);
            if (v >= SATS_MAX)
                return sim_err_set(err, SIM_EINVAL,
                                   "payout: more than 2^62 satoshis");
            conv = (int64_t)v;
            p.swap_fee += payout_bps(conv, cfg->swap_fee_bps);
        }
        p.gross += conv;
    }
    int64_t net = p.gross - p.swap_fee;
    p.platform_fee = payout_bps(net, cfg->platform_fee_bps);
    if (usd_to_sats(costs->power, btc_usd, &p.power) ||
        usd_to_sats(costs->hosting, btc_usd, &p.hosting) ||
        usd_to_sats(costs->repairs, btc_usd, &p.repairs))
        return sim_err_set(err, SIM_EINVAL,
                           "payout: costs out of range (power $%g, hosting "
                           "$%g, repairs $%g)",
                           costs->power, costs->hosting, costs->repairs);
    int64_t available = net - p.platform_fee;
    int64_t due = p.power + p.hosting + p.repairs + deficit_in;
    int64_t paid = due < available ? due : available;
    p.credited = available - paid;
    p.deficit = due - paid;
    *out = p;
    return SIM_OK;
}
