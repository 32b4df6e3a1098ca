/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The linearity check the benchmarks share: time some work on inputs of N and
 * BENCH_FACTOR × N elements and compare the cost per element. About 1 means
 * linear, about BENCH_FACTOR quadratic. Never a pass/fail timing, except that
 * a ratio above BENCH_FACTOR / 2 (clearly not linear) fails the benchmark.
 */
#pragma once

#include <glib.h>

#define BENCH_FACTOR 8
#define BENCH_ROUNDS 5

/* One round: builds an input of @count elements, times only the work on it, returns the seconds. */
typedef double (*BenchRoundFunc)(guint count);

/* Best of BENCH_ROUNDS, in seconds per element. */
static inline double bench_seconds_per_element(BenchRoundFunc time_round, guint count) {
        double best = G_MAXDOUBLE;

        for (int i = 0; i < BENCH_ROUNDS; i++)
                best = MIN(best, time_round(count) / count);
        return best;
}

/* Prints the cost per @unit (e.g. "key") of @time_round at @small and BENCH_FACTOR × @small
 * elements, and their ratio; returns whether that looks linear. */
static inline gboolean bench_report_linearity(const char *name, const char *unit, guint small,
                                              BenchRoundFunc time_round) {
        double small_cost = bench_seconds_per_element(time_round, small);
        double large_cost = bench_seconds_per_element(time_round, small * BENCH_FACTOR);
        double ratio = large_cost / small_cost;

        g_print("%-20s %6u %ss: %.3f us/%s; %6u %ss: %.3f us/%s; ratio %.2f (1 = linear, %d = quadratic)\n",
                name, small, unit, small_cost * 1e6, unit, small * BENCH_FACTOR, unit, large_cost * 1e6,
                unit, ratio, BENCH_FACTOR);
        return ratio < BENCH_FACTOR / 2.0;
}
