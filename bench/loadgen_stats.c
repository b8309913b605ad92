/*
 * loadgen's counters of the measured window (after the warm-up):
 * sessions, failures by kind with the first one's words, requests,
 * bytes, every session's latency; and the report, text or JSON.
 */
#define _GNU_SOURCE

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

static struct {
	long long	 started, ok, fails[F_NKINDS];
	long long	 requests;	/* http responses, udp replies */
	uint64_t	 bytes_in;
	uint64_t	 bulk_bytes;	/* bulk: echoed while measuring */
	uint64_t	 bulk_ns;	/* bulk: measured time until the stop */
	uint32_t	*lat_us;
	size_t		 nlat, latcap;
	char		 first_error[160];
} st;

static void
record_latency(uint64_t ns)
{
	uint64_t us = ns / 1000;

	if (st.nlat == st.latcap) {
		size_t cap = st.latcap ? st.latcap * 2 : 65536;
		uint32_t *p = realloc(st.lat_us, cap * sizeof(*p));

		if (p == NULL)
			return;		/* keep counting; percentiles sample */
		st.lat_us = p;
		st.latcap = cap;
	}
	st.lat_us[st.nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

void
stats_session(int fail, uint64_t ns, uint64_t bytes_in, const char *fmt,
    va_list ap)
{
	if (fail < 0) {
		st.ok++;
		record_latency(ns);
	} else {
		st.fails[fail]++;
		if (st.first_error[0] == '\0' && fmt != NULL)
			vsnprintf(st.first_error, sizeof(st.first_error), fmt,
			    ap);
	}
	st.bytes_in += bytes_in;
}

void
stats_start(void)
{
	st.started++;
}

long long
stats_started(void)
{
	return st.started;
}

void
stats_request(void)
{
	st.requests++;
}

void
stats_bulk(uint64_t n)
{
	st.bulk_bytes += n;
}

void
stats_bulk_time(uint64_t ns)
{
	st.bulk_ns = ns;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(double p)
{
	size_t i;

	if (st.nlat == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)(st.nlat - 1) + 0.5);
	return st.lat_us[i] / 1000.0;
}

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void
report(double elapsed, double cpu)
{
	long long fails = 0;
	double rate, rrate, mbps;
	int k;

	for (k = 0; k < F_NKINDS; k++)
		fails += st.fails[k];
	rate = elapsed > 0 ? (double)st.ok / elapsed : 0;
	rrate = elapsed > 0 ? (double)st.requests / elapsed : 0;
	mbps = st.bulk_ns > 0 ? (double)st.bulk_bytes * 1e3 /
	    (double)st.bulk_ns : 0;
	if (st.nlat > 0)
		qsort(st.lat_us, st.nlat, sizeof(*st.lat_us), cmp_u32);
	if (opt.json) {
		printf("{\"name\":");
		json_string(stdout, opt.name != NULL ? opt.name : "");
		printf(",\"mode\":\"%s\",\"conc\":%d,\"elapsed_s\":%.3f,"
		    "\"sessions\":%lld,\"sessions_per_s\":%.1f,"
		    "\"requests\":%lld,\"requests_per_s\":%.1f,"
		    "\"mb_per_s\":%.1f,\"failures\":%lld,",
		    mode_names[opt.mode], opt.conc, elapsed, st.ok, rate,
		    st.requests, rrate, mbps, fails);
		for (k = 0; k < F_NKINDS; k++)
			printf("\"fail_%s\":%lld,", fail_names[k], st.fails[k]);
		printf("\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
		    "\"max_ms\":%.3f,\"bytes_in\":%" PRIu64 ","
		    "\"cpu_s\":%.3f,\"cpu_pct\":%.1f,\"first_error\":",
		    pct_ms(50), pct_ms(90), pct_ms(99), pct_ms(100),
		    st.bytes_in, cpu, elapsed > 0 ? 100 * cpu / elapsed : 0);
		json_string(stdout, st.first_error);
		printf("}\n");
		return;
	}
	if (opt.name != NULL)
		printf("[%s] ", opt.name);
	printf("%s -c %d: %lld sessions in %.2fs = %.0f sessions/s",
	    mode_names[opt.mode], opt.conc, st.ok, elapsed, rate);
	if (opt.mode == M_HTTP || opt.mode == M_UDP_ECHO)
		printf(", %lld requests = %.0f/s", st.requests, rrate);
	if (opt.mode == M_BULK)
		printf(", %.1f MB/s echoed", mbps);
	printf("\n");
	printf("  failures: %lld", fails);
	for (k = 0; k < F_NKINDS; k++)
		if (st.fails[k])
			printf(" %s=%lld", fail_names[k], st.fails[k]);
	printf("\n  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
	    pct_ms(50), pct_ms(90), pct_ms(99), pct_ms(100));
	printf("  bytes in: %" PRIu64 "  loadgen cpu: %.2fs (%.0f%% of one "
	    "core)\n", st.bytes_in, cpu, elapsed > 0 ? 100 * cpu / elapsed : 0);
	if (st.first_error[0] != '\0')
		printf("  first failure: %s\n", st.first_error);
}
