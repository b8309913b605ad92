/*
 * The key table, private to lib/config*.c.  One row per config key: its
 * name, its kind, its field in struct netd_config or struct service_conf,
 * its bounds, the service types it applies to and its default, written as
 * a config file would write it and parsed like one.  Loading and defaults
 * (config_keys.c), `netctl config` (config_json.c), the reload diff
 * (config_diff.c) and config_free all walk these rows, so a new key is one
 * row here, its field in config.h and its entry in netd.ini(5).
 *
 * The rows are static: each file that walks them has its own copy (a few
 * hundred bytes) and no symbol of the table is global.  A kind is known
 * by a switch in each of those files; -Wswitch makes a missing case an
 * error.
 */
#ifndef NETD_CONFIG_KEYS_H
#define NETD_CONFIG_KEYS_H

#include <stddef.h>
#include <string.h>

#include "config.h"

enum key_kind {
	K_INT,		/* int, min..max */
	K_WORKERS,	/* int, or "auto" (workers_auto) */
	K_SIZE,		/* size_t or uint64_t (the row's width), with K/M/G */
	K_DURATION,	/* int milliseconds, written "500ms", "30s", "2m" */
	K_MODE,		/* int, octal */
	K_LEVEL,	/* int, a log level name */
	K_ACCESS,	/* int, which access lines: all, failures, none */
	K_SWITCH,	/* int, on (1) or off (0) */
	K_LOGTO,	/* char *, a K_PATH or stderr, syslog, journal */
	K_TYPE,		/* int, a service type name */
	K_STRING,	/* char *, NULL if unset */
	K_PATH,		/* char *, relative to the config file's directory */
	K_LISTEN,	/* a service's listens, listen_lines, nlistens */
	K_CIDRS,	/* a service's allow, nallow */
};

struct key {
	const char	*name;
	enum key_kind	 kind;
	size_t		 off, width;	/* of its field */
	long		 min, max;	/* K_SIZE: no bounds if max is 0 */
	unsigned	 types;		/* service types it applies to */
	const char	*def;		/* default; NULL: none */
	int		 required;
};

#define KEY_FIELD(k, base)	((char *)(base) + (k)->off)
#define KEY_CFIELD(k, base)	((const char *)(base) + (k)->off)

/* A field: its offset and its width. */
#define G(f)	offsetof(struct netd_config, f), \
		sizeof(((struct netd_config *)0)->f)
#define S(f)	offsetof(struct service_conf, f), \
		sizeof(((struct service_conf *)0)->f)
#define T(x)	(1u << (x))
#define ALL	(T(SVC_NTYPES) - 1)
#define UDP	SVC_UDP_TYPES
#define DAY_MS	86400000
#define MUST	1		/* required */

static const struct key netd_keys[] = {
	/* name, kind, field, min, max, types, default, required */
	{ "workers",	K_WORKERS,  G(workers), 1, NETD_MAX_WORKERS,
	    0, "4", 0 },
	{ "min_spare",	K_INT,	    G(min_spare), 0, NETD_MAX_WORKERS,
	    0, "2", 0 },
	{ "max_spare",	K_INT,	    G(max_spare), 0, NETD_MAX_WORKERS,
	    0, "8", 0 },
	{ "max_workers", K_INT,	    G(max_workers), 1, NETD_MAX_WORKERS,
	    0, "64", 0 },
	{ "max_requests", K_INT,    G(max_requests), 0, 1000000000,
	    0, "0", 0 },
	{ "max_requests_jitter", K_INT, G(max_requests_jitter), 0,
	    1000000000, 0, "0", 0 },
	{ "max_age",	K_DURATION, G(max_age_ms), 0, 24 * DAY_MS, 0, "0", 0 },
	{ "max_age_jitter", K_DURATION, G(max_age_jitter_ms), 0, 24 * DAY_MS,
	    0, "0", 0 },
	{ "max_rss",	K_SIZE,	    G(max_rss), 0, 0, 0, "0", 0 },
	{ "max_rss_jitter", K_SIZE, G(max_rss_jitter), 0, 0, 0, "0", 0 },
	{ "worker_connections", K_INT, G(worker_connections), 1, 65535,
	    0, "1024", 0 },
	{ "accept_mutex", K_SWITCH, G(accept_mutex), 0, 0, 0, "off", 0 },
	{ "user",	K_STRING,   G(user), 0, 0, 0, NULL, 0 },
	{ "group",	K_STRING,   G(group), 0, 0, 0, NULL, 0 },
	{ "control_socket", K_PATH, G(control_socket), 0, 0,
	    0, NETD_DEFAULT_SOCKET, 0 },
	{ "control_group", K_STRING, G(control_group), 0, 0, 0, NULL, 0 },
	{ "admin_group", K_STRING,  G(admin_group), 0, 0, 0, NULL, 0 },
	{ "pid_file",	K_PATH,	    G(pid_file), 0, 0, 0, NULL, 0 },
	{ "shutdown_timeout", K_DURATION, G(shutdown_timeout_ms), 0, DAY_MS,
	    0, "30s", 0 },
	{ "stall_timeout", K_DURATION, G(stall_timeout_ms), 0, DAY_MS,
	    0, "30s", 0 },
	{ "log_level",	K_LEVEL,    G(log_level), 0, 0, 0, "info", 0 },
	{ "log_file",	K_LOGTO,    G(log_file), 0, 0, 0, "stderr", 0 },
	{ "access_log",	K_LOGTO,    G(access_log), 0, 0, 0, NULL, 0 },
	{ "access_log_level", K_ACCESS, G(access_log_level), 0, 0, 0, "all",
	    0 },
};

static const struct key service_keys[] = {
	/* name, kind, field, min, max, types, default, required */
	{ "type",	K_TYPE,	    S(type), 0, 0, ALL, NULL, MUST },
	{ "listen",	K_LISTEN,   S(listens), 0, 0, ALL, NULL, MUST },
	{ "greeting",	K_STRING,   S(greeting), 0, 0,
	    T(SVC_HELLO), "Welcome!", 0 },
	{ "reply",	K_STRING,   S(reply), 0, 0,
	    T(SVC_HELLO), "Hello, %s!", 0 },
	{ "idle_timeout", K_DURATION, S(idle_timeout_ms), 1, DAY_MS,
	    ALL, "30s", 0 },
	{ "max_line",	K_SIZE,	    S(max_line), 1, 1 << 20,
	    T(SVC_HELLO), "1024", 0 },
	{ "allow",	K_CIDRS,    S(allow), 0, 0, ALL, NULL, 0 },
	{ "udp_rate",	K_INT,	    S(udp_rate), 0, 1000000, UDP, "100", 0 },
	{ "max_connections", K_INT, S(max_connections), 0, 1000000,
	    ALL, "0", 0 },
	{ "max_per_source", K_INT,  S(max_per_source), 0, 1000000,
	    ALL, "0", 0 },
	{ "request_timeout", K_DURATION, S(request_timeout_ms), 0, DAY_MS,
	    T(SVC_HTTP) | T(SVC_UPLOAD), "10s", 0 },
	{ "keepalive_timeout", K_DURATION, S(keepalive_timeout_ms), 0,
	    DAY_MS, T(SVC_HTTP), "5s", 0 },
	{ "keepalive_requests", K_INT, S(keepalive_requests), 1, 1000000000,
	    T(SVC_HTTP), "1000", 0 },
	{ "min_rate",	K_SIZE,	    S(min_rate), 0, 0, T(SVC_UPLOAD), "500", 0 },
	{ "dir",	K_PATH,	    S(dir), 0, 0,
	    T(SVC_UPLOAD), "/var/lib/netd/uploads", 0 },
	{ "max_size",	K_SIZE,	    S(max_size), 0, 0, T(SVC_UPLOAD), "1G", 0 },
	{ "mode",	K_MODE,	    S(mode), 0, 0777,
	    T(SVC_UPLOAD), "0640", 0 },
	{ "store_empty", K_STRING,  S(store_empty), 0, 0,
	    T(SVC_UPLOAD), "no", 0 },
	{ "upload_header", K_STRING, S(upload_header), 0, 0,
	    T(SVC_UPLOAD), "none", 0 },
	{ "format",	K_STRING,   S(format), 0, 0,
	    T(SVC_DAYTIME), "%A, %B %d, %Y %H:%M:%S-%Z", 0 },
	{ "timezone",	K_STRING,   S(timezone), 0, 0,
	    T(SVC_DAYTIME), NULL, 0 },
#ifdef NETD_TEST_KEY
	{ "test_note",	K_STRING,   S(test_note), 0, 0, ALL, "none", 0 },
#endif
};

#undef G
#undef S
#undef ALL
#undef UDP
#undef DAY_MS
#undef MUST

#define NKEYS(tab)	(sizeof(tab) / sizeof((tab)[0]))

/* The rows of [netd] (svc NULL) or of a service section. */
static inline const struct key *
keys_of(const struct service_conf *svc, size_t *n)
{
	if (svc == NULL) {
		*n = NKEYS(netd_keys);
		return netd_keys;
	}
	*n = NKEYS(service_keys);
	return service_keys;
}

static inline const struct key *
key_find(const struct key *tab, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

/* [netd] keys apply always, a service key to the types in its row. */
static inline int
key_applies(const struct key *k, const struct service_conf *svc)
{
	return svc == NULL || (svc->type >= 0 && svc->type < SVC_NTYPES &&
	    (k->types & T(svc->type)));
}

#endif
