/* Durations, byte counts and rates for people: one format each. */
#include <stdio.h>

#include "human.h"

void
human_duration(double secs, char *buf, size_t len)
{
	long long s;

	if (!(secs > 0))
		secs = 0;
	if (secs > 1e15)
		secs = 1e15;
	s = (long long)secs;
	if (secs < 10)
		snprintf(buf, len, "%.1fs", secs);
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400,
		    s % 86400 / 3600);
}

void
human_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	double v = (double)n;
	int i = -1;

	if (n < 1024) {
		snprintf(buf, len, "%lluB", (unsigned long long)n);
		return;
	}
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, v < 10 ? "%.1f%s" : "%.0f%s", v, units[i]);
}

void
human_rate(double per_sec, char *buf, size_t len)
{
	if (!(per_sec > 0))
		snprintf(buf, len, "0/s");
	else if (per_sec < 10)
		snprintf(buf, len, "%.1f/s", per_sec);
	else if (per_sec < 10000)
		snprintf(buf, len, "%.0f/s", per_sec);
	else
		snprintf(buf, len, "%.0fk/s", per_sec / 1000);
}

void
human_bytes_rate(double per_sec, char *buf, size_t len)
{
	char b[32];

	if (!(per_sec > 0))
		per_sec = 0;
	if (per_sec > 1e18)
		per_sec = 1e18;
	human_bytes((uint64_t)(per_sec + 0.5), b, sizeof(b));
	snprintf(buf, len, "%s/s", b);
}
