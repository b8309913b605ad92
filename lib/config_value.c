/*
 * The words a config is written in that others need too: durations
 * ("500ms", "30s", "2m"), sizes ("64K", "1G") and service type names.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

static const char *const svc_types[SVC_NTYPES] = {
	[SVC_HELLO] = "hello",		[SVC_ECHO] = "echo",
	[SVC_DISCARD] = "discard",	[SVC_DAYTIME] = "daytime",
	[SVC_CHARGEN] = "chargen",	[SVC_TIME] = "time",
	[SVC_UPLOAD] = "upload",	[SVC_HTTP] = "http",
};

const char *
svc_type_name(int type)
{
	return type >= 0 && type < SVC_NTYPES ? svc_types[type] : "?";
}

int
svc_type_serves_udp(int type)
{
	return type >= 0 && type < SVC_NTYPES &&
	    (SVC_UDP_TYPES & (1u << type));
}

int
parse_duration_ms(const char *s, int *ms)
{
	char *end;
	double v, mult = 1000;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else
		return -1;
	v *= mult;
	if (v > 2147483647.0)
		return -1;
	*ms = (int)v;
	return 0;
}

int
parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (*s == '-' || *s == '\0')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno != 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 'k': case 'K': mult = 1024; break;
		case 'm': case 'M': mult = 1024 * 1024; break;
		case 'g': case 'G': mult = 1024ULL * 1024 * 1024; break;
		default: return -1;
		}
		if (end[1] != '\0' && strcasecmp(end + 1, "b") != 0)
			return -1;
	}
	if (v > UINT64_MAX / mult)
		return -1;
	*bytes = v * mult;
	return 0;
}
