#include "rnnchaos/rng.h"

#include <Random123/philox.h>
#include <math.h>

/* One Philox call yields four 64-bit words = two Box-Muller pairs = four normals.  The lane of
 * normal k is k % 4 of counter k / 4, which is what makes block generation match element-wise
 * generation exactly.  The third counter word separates normals (0) from uniforms (1). */
enum { RC_CTR_NORMAL = 0, RC_CTR_UNIFORM = 1 };

static philox4x64_ctr_t rc_philox(uint64_t seed, rc_stream stream, uint64_t a, uint64_t c,
                                  uint64_t kind)
{
    philox4x64_ctr_t ctr = {{a, c, kind, 0}};
    philox4x64_key_t key = {{seed, (uint64_t)stream}};
    return philox4x64(ctr, key);
}

/* (0, 1]: never 0, so log() is finite. */
static double rc_u01_open_closed(uint64_t x) { return ((double)(x >> 11) + 1.0) * 0x1.0p-53; }
/* [0, 1) */
static double rc_u01_closed_open(uint64_t x) { return (double)(x >> 11) * 0x1.0p-53; }

static void rc_box_muller4(philox4x64_ctr_t r, double out[4])
{
    const double two_pi = 6.283185307179586476925286766559;
    for (int p = 0; p < 2; ++p) {
        double rad = sqrt(-2.0 * log(rc_u01_open_closed(r.v[2 * p])));
        double ang = two_pi * rc_u01_closed_open(r.v[2 * p + 1]);
        out[2 * p] = rad * cos(ang);
        out[2 * p + 1] = rad * sin(ang);
    }
}

double rc_rng_normal(uint64_t seed, rc_stream stream, uint64_t a, uint64_t k)
{
    double four[4];
    rc_box_muller4(rc_philox(seed, stream, a, k / 4, RC_CTR_NORMAL), four);
    return four[k % 4];
}

void rc_rng_normals(uint64_t seed, rc_stream stream, uint64_t a, uint64_t k0, size_t n,
                    double *out)
{
    size_t j = 0;
    while (j < n) {
        uint64_t k = k0 + j;
        double four[4];
        rc_box_muller4(rc_philox(seed, stream, a, k / 4, RC_CTR_NORMAL), four);
        for (uint64_t lane = k % 4; lane < 4 && j < n; ++lane) out[j++] = four[lane];
    }
}

double rc_rng_uniform(uint64_t seed, rc_stream stream, uint64_t a, uint64_t k)
{
    philox4x64_ctr_t r = rc_philox(seed, stream, a, k / 4, RC_CTR_UNIFORM);
    return rc_u01_closed_open(r.v[k % 4]);
}
