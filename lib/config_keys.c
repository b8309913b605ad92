/*
 * The config keys: one row per key with its kind, where it goes, its
 * bounds and the service types it applies to; and the parsers of values
 * (numbers, sizes with K/M/G, durations with ms/s/m/h, paths relative to
 * the config's directory, listen addresses, CIDR lists).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "log.h"

const struct key_def global_keys[] = {
	{ "workers",		K_WORKERS,  G(workers), 1, NETD_MAX_WORKERS, 0 },
	{ "min_spare",		K_INT,      G(min_spare), 0, NETD_MAX_WORKERS, 0 },
	{ "max_spare",		K_INT,      G(max_spare), 0, NETD_MAX_WORKERS, 0 },
	{ "max_workers",	K_INT,      G(max_workers), 1, NETD_MAX_WORKERS, 0 },
	{ "max_requests",	K_INT,      G(max_requests), 0, 1000000000, 0 },
	{ "user",		K_STRING,   G(user), 0, 0, 0 },
	{ "group",		K_STRING,   G(group), 0, 0, 0 },
	{ "control_socket",	K_PATH,     G(control_socket), 0, 0, 0 },
	{ "control_group",	K_STRING,   G(control_group), 0, 0, 0 },
	{ "admin_group",	K_STRING,   G(admin_group), 0, 0, 0 },
	{ "pid_file",		K_PATH,     G(pid_file), 0, 0, 0 },
	{ "shutdown_timeout",	K_DURATION, G(shutdown_timeout_ms), 0, 86400000, 0 },
	{ "log_level",		K_LOGLEVEL, G(log_level), 0, 0, 0 },
};

const struct key_def service_keys[] = {
	{ "type",		K_TYPE,     S(type), 0, 0, ALL_TYPES },
	{ "listen",		K_LISTEN,   0, 0, 0, ALL_TYPES },
	{ "greeting",		K_STRING,   S(greeting), 0, 0, T(SVC_HELLO) },
	{ "reply",		K_STRING,   S(reply), 0, 0, T(SVC_HELLO) },
	{ "idle_timeout",	K_DURATION, S(idle_timeout_ms), 1, 86400000,
	    ALL_TYPES },
	{ "max_line",		K_SIZE,     S(max_line), 1, 1 << 20, T(SVC_HELLO) },
	{ "allow",		K_CIDRS,    0, 0, 0, ALL_TYPES },
	{ "udp_rate",		K_INT,      S(udp_rate), 0, 1000000, UDP_TYPES },
	{ "max_connections",	K_INT,      S(max_connections), 0, 1000000,
	    ALL_TYPES },
	{ "dir",		K_PATH,     S(dir), 0, 0, T(SVC_UPLOAD) },
	{ "max_size",		K_SIZE,     S(max_size), 0, 0, T(SVC_UPLOAD) },
	{ "mode",		K_MODE,     S(mode), 0, 0777, T(SVC_UPLOAD) },
	{ "format",		K_STRING,   S(format), 0, 0, T(SVC_DAYTIME) },
	{ "timezone",		K_STRING,   S(timezone), 0, 0, T(SVC_DAYTIME) },
};

const size_t nglobal_keys = sizeof(global_keys) / sizeof(global_keys[0]);
const size_t nservice_keys = sizeof(service_keys) / sizeof(service_keys[0]);

_Static_assert(sizeof(global_keys) / sizeof(global_keys[0]) <= 16,
    "netd_config.key_lines is too small");
_Static_assert(sizeof(service_keys) / sizeof(service_keys[0]) <= 32,
    "service_conf.key_lines is too small");

const char *const svc_types[SVC_NTYPES] = {
	"hello", "echo", "discard", "daytime", "chargen", "time", "upload",
	"http",
};


int
config_key_line(const struct netd_config *cfg, const char *key)
{
	size_t i;

	for (i = 0; i < NGLOBAL; i++)
		if (strcmp(global_keys[i].name, key) == 0)
			return cfg->key_lines[i];
	return 0;
}

int
service_key_line(const struct service_conf *svc, const char *key)
{
	size_t i;

	for (i = 0; i < NSERVICE; i++)
		if (strcmp(service_keys[i].name, key) == 0)
			return svc->key_lines[i] ? svc->key_lines[i] : svc->line;
	return svc->line;
}

const char *
svc_type_name(int type)
{
	return type >= 0 && type < SVC_NTYPES ? svc_types[type] : "?";
}

int
svc_type_serves_udp(int type)
{
	return type >= 0 && type < SVC_NTYPES && (UDP_TYPES & T(type));
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

static int
parse_long(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return (end == s || *end != '\0' || errno != 0) ? -1 : 0;
}

static char *
make_path(struct loader *ld, const char *value)
{
	char *p;

	if (value[0] == '/')
		return strdup(value);
	if (asprintf(&p, "%s/%s", ld->cfg->basedir, value) == -1)
		return NULL;
	return p;
}

static int
set_listen(struct loader *ld, struct service_conf *svc, const char *value)
{
	char *copy, *tok, *save = NULL, err[256];
	struct listen_addr la, *nl;
	int *nlines, ok = 1;

	if ((copy = strdup(value)) == NULL)
		return -1;
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		if (listen_addr_parse(tok, ld->cfg->basedir, &la, err,
		    sizeof(err)) == -1) {
			config_error(ld, ld->line, "key 'listen': %s", err);
			ok = 0;
			continue;
		}
		nl = reallocarray(svc->listens, svc->nlistens + 1, sizeof(*nl));
		if (nl == NULL)
			break;
		svc->listens = nl;
		nlines = reallocarray(svc->listen_lines, svc->nlistens + 1,
		    sizeof(*nlines));
		if (nlines == NULL)
			break;
		svc->listen_lines = nlines;
		svc->listens[svc->nlistens] = la;
		svc->listen_lines[svc->nlistens++] = ld->line;
	}
	if (tok == NULL && ok && svc->nlistens == 0)
		config_error(ld, ld->line, "key 'listen': no address given");
	free(copy);
	return 0;
}

static void
set_cidrs(struct loader *ld, struct service_conf *svc, const char *value)
{
	char *copy, *tok, *save = NULL;
	struct cidr c, *n;

	if ((copy = strdup(value)) == NULL)
		return;
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		if (cidr_parse(tok, &c) == -1) {
			config_error(ld, ld->line, "key 'allow': '%s' is not "
			    "an address or CIDR prefix (like 127.0.0.0/8 or "
			    "::1)", tok);
			continue;
		}
		if ((n = reallocarray(svc->allow, svc->nallow + 1,
		    sizeof(*n))) == NULL)
			break;
		svc->allow = n;
		svc->allow[svc->nallow++] = c;
	}
	if (svc->nallow == 0)
		config_error(ld, ld->line, "key 'allow': empty list (leave "
		    "the key out to allow everyone)");
	free(copy);
}

/* Parse one value by its key's kind into base + k->off. */
void
set_value(struct loader *ld, const struct key_def *k, void *base,
    const char *value)
{
	char *p = (char *)base + k->off, **sp = (char **)p, *end;
	uint64_t sz;
	long v;
	int ms, i;

	switch (k->kind) {
	case K_INT:
		if (parse_long(value, &v) == -1 || v < k->min || v > k->max) {
			config_error(ld, ld->line, "key '%s': '%s' is not a "
			    "number from %ld to %ld", k->name, value, k->min,
			    k->max);
			return;
		}
		*(int *)p = (int)v;
		return;
	case K_WORKERS:
		if (strcmp(value, "auto") == 0) {
			ld->cfg->workers_auto = 1;
			return;
		}
		if (parse_long(value, &v) == -1 || v < k->min || v > k->max) {
			config_error(ld, ld->line, "key '%s': '%s' is not "
			    "'auto' or a number from %ld to %ld", k->name,
			    value, k->min, k->max);
			return;
		}
		ld->cfg->workers_auto = 0;
		*(int *)p = (int)v;
		return;
	case K_SIZE:
		if (parse_size(value, &sz) == -1 ||
		    (k->max != 0 && (sz < (uint64_t)k->min ||
		    sz > (uint64_t)k->max))) {
			config_error(ld, ld->line, "key '%s': '%s' is not a "
			    "size (bytes, or with K, M, G)%s", k->name, value,
			    k->max != 0 ? " in range" : "");
			return;
		}
		if (k->off == S(max_line))
			*(size_t *)p = (size_t)sz;
		else
			*(uint64_t *)p = sz;
		return;
	case K_DURATION:
		if (parse_duration_ms(value, &ms) == -1 || ms < k->min ||
		    ms > k->max) {
			config_error(ld, ld->line, "key '%s': '%s' is not a "
			    "duration (like 500ms, 30s, 2m)%s", k->name, value,
			    k->min > 0 ? " above 0" : "");
			return;
		}
		*(int *)p = ms;
		return;
	case K_STRING:
		free(*sp);
		if ((*sp = strdup(value)) == NULL)
			config_error(ld, ld->line, "out of memory");
		return;
	case K_PATH:
		if (*value == '\0') {
			config_error(ld, ld->line, "key '%s': empty path",
			    k->name);
			return;
		}
		free(*sp);
		if ((*sp = make_path(ld, value)) == NULL)
			config_error(ld, ld->line, "out of memory");
		return;
	case K_LOGLEVEL:
		if ((i = log_level_parse(value)) == -1) {
			config_error(ld, ld->line, "key '%s': '%s' is not one "
			    "of debug, info, notice, warning, err", k->name,
			    value);
			return;
		}
		*(int *)p = i;
		return;
	case K_TYPE:
		for (i = 0; i < SVC_NTYPES; i++)
			if (strcmp(value, svc_types[i]) == 0)
				break;
		if (i == SVC_NTYPES) {
			config_error(ld, ld->line, "key 'type': unknown service "
			    "type '%s' (hello, echo, discard, daytime, chargen, "
			    "time, upload, http)", value);
			return;
		}
		*(int *)p = i;
		return;
	case K_MODE:
		v = strtol(value, &end, 8);
		if (*value == '\0' || *end != '\0' || v < 0 || v > k->max) {
			config_error(ld, ld->line, "key '%s': '%s' is not an "
			    "octal file mode like 0640", k->name, value);
			return;
		}
		*(int *)p = (int)v;
		return;
	case K_LISTEN:
		set_listen(ld, base, value);
		return;
	case K_CIDRS:
		set_cidrs(ld, base, value);
		return;
	}
}

const struct key_def *
find_key(const struct key_def *tab, size_t n, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0) {
			*idx = i;
			return &tab[i];
		}
	return NULL;
}

