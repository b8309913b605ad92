/*
 * Config loading.  inih splits the file into sections and key = value
 * pairs; two tables (global keys, service keys) say what each key is, how
 * to parse it and where it goes.  Every problem is collected as
 * "FILE:LINE: key 'k': message" so that one run of `netd -t` shows all.
 */
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

enum key_kind {
	K_INT, K_SIZE, K_DURATION, K_STRING, K_PATH, K_LOGLEVEL, K_WORKERS,
	K_TYPE, K_LISTEN, K_CIDRS, K_MODE,
};

struct key_def {
	const char	*name;
	enum key_kind	 kind;
	size_t		 off;
	long		 min, max;
	unsigned	 types;		/* service keys: types it applies to */
};

#define ALL_TYPES	((1u << SVC_NTYPES) - 1)
#define T(x)		(1u << (x))
#define UDP_TYPES	(T(SVC_HELLO) | T(SVC_ECHO) | T(SVC_DISCARD) | \
			 T(SVC_DAYTIME) | T(SVC_CHARGEN) | T(SVC_TIME))
#define G(f)		offsetof(struct netd_config, f)
#define S(f)		offsetof(struct service_conf, f)

static const struct key_def global_keys[] = {
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

static const struct key_def service_keys[] = {
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

#define NGLOBAL		(sizeof(global_keys) / sizeof(global_keys[0]))
#define NSERVICE	(sizeof(service_keys) / sizeof(service_keys[0]))

_Static_assert(NGLOBAL <= 16, "netd_config.key_lines is too small");
_Static_assert(NSERVICE <= 32, "service_conf.key_lines is too small");

static const char *svc_types[SVC_NTYPES] = {
	"hello", "echo", "discard", "daytime", "chargen", "time", "upload",
	"http",
};

enum section { SEC_NONE, SEC_GLOBAL, SEC_SERVICE, SEC_BAD };

struct loader {
	struct netd_config	*cfg;
	struct config_errors	*errs;
	FILE			*fp;
	int			 line;		/* line being parsed */
	int			 at_bol;	/* last chunk ended a line */
	enum section		 sec;
	struct service_conf	*svc;
	int			*global_lines;
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

static void
config_error(struct loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
config_error(struct loader *ld, int line, const char *fmt, ...)
{
	struct config_errors *e = ld->errs;
	char msg[1024], *full, **nmsg;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0) {
		if (asprintf(&full, "%s:%d: %s", ld->cfg->path, line, msg) == -1)
			return;
	} else if (asprintf(&full, "%s: %s", ld->cfg->path, msg) == -1)
		return;
	nmsg = reallocarray(e->msg, e->n + 1, sizeof(*e->msg));
	if (nmsg == NULL) {
		free(full);
		return;
	}
	e->msg = nmsg;
	e->msg[e->n++] = full;
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
static void
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

static const struct key_def *
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

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NETD_NAME_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void
service_defaults(struct service_conf *svc)
{
	svc->type = -1;
	svc->idle_timeout_ms = 30000;
	svc->max_line = 1024;
	svc->udp_rate = 100;
	svc->max_size = 1024ULL * 1024 * 1024;
	svc->mode = 0640;
}

/* A section header seen by the reader: "[netd]" or "[service NAME]". */
static void
begin_section(struct loader *ld, const char *hdr)
{
	struct netd_config *cfg = ld->cfg;
	struct service_conf *svc, *ns;
	const char *name;
	size_t i;

	ld->svc = NULL;
	if (strcmp(hdr, "netd") == 0) {
		ld->sec = SEC_GLOBAL;
		return;
	}
	if (strncmp(hdr, "service", 7) != 0 ||
	    (hdr[7] != ' ' && hdr[7] != '\t')) {
		config_error(ld, ld->line, "unknown section [%s] (expected "
		    "[netd] or [service NAME])", hdr);
		ld->sec = SEC_BAD;
		return;
	}
	name = hdr + 7;
	name += strspn(name, " \t");
	if (!valid_name(name)) {
		config_error(ld, ld->line, "section [%s]: service name must be "
		    "1-%d letters, digits, '_', '.' or '-'", hdr,
		    NETD_NAME_MAX - 1);
		ld->sec = SEC_BAD;
		return;
	}
	for (i = 0; i < cfg->nservices; i++)
		if (strcmp(cfg->services[i].name, name) == 0) {
			config_error(ld, ld->line, "section [%s]: service '%s' "
			    "already defined on line %d", hdr, name,
			    cfg->services[i].line);
			ld->sec = SEC_BAD;
			return;
		}
	ns = reallocarray(cfg->services, cfg->nservices + 1, sizeof(*ns));
	if (ns == NULL) {
		config_error(ld, ld->line, "out of memory");
		ld->sec = SEC_BAD;
		return;
	}
	cfg->services = ns;
	svc = &cfg->services[cfg->nservices++];
	memset(svc, 0, sizeof(*svc));
	service_defaults(svc);
	strcpy(svc->name, name);
	svc->line = ld->line;
	ld->sec = SEC_SERVICE;
	ld->svc = svc;
}

/*
 * inih reader: fgets that also counts lines and spots section headers, so
 * that errors carry line numbers and empty sections are seen too.
 */
static char *
config_reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	char *s, *e;
	size_t len;

	if (fgets(str, num, ld->fp) == NULL)
		return NULL;
	if (ld->at_bol) {
		ld->line++;
		s = str + strspn(str, " \t");
		if (*s == '[') {
			e = strchr(s, ']');
			if (e != NULL) {
				char hdr[256];

				len = (size_t)(e - s - 1);
				if (len >= sizeof(hdr))
					len = sizeof(hdr) - 1;
				memcpy(hdr, s + 1, len);
				hdr[len] = '\0';
				begin_section(ld, hdr);
			}
		}
	}
	len = strlen(str);
	ld->at_bol = len > 0 && str[len - 1] == '\n';
	return str;
}

static int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct loader *ld = user;
	const struct key_def *k = NULL;
	size_t idx = 0;
	int *lines = NULL;

	(void)section;
	switch (ld->sec) {
	case SEC_NONE:
		config_error(ld, ld->line, "key '%s': outside any section "
		    "(put it under [netd] or [service NAME])", name);
		return 1;
	case SEC_BAD:
		return 1;	/* the section header was reported */
	case SEC_GLOBAL:
		if ((k = find_key(global_keys, NGLOBAL, name, &idx)) == NULL) {
			config_error(ld, ld->line, "key '%s': unknown key in "
			    "[netd]", name);
			return 1;
		}
		lines = ld->global_lines;
		break;
	case SEC_SERVICE:
		if ((k = find_key(service_keys, NSERVICE, name, &idx)) ==
		    NULL) {
			config_error(ld, ld->line, "key '%s': unknown key in "
			    "[service %s]", name, ld->svc->name);
			return 1;
		}
		lines = ld->svc->key_lines;
		break;
	}
	if (k == NULL || lines == NULL)
		return 1;
	if (lines[idx] != 0) {
		config_error(ld, ld->line, "key '%s': set twice (first on "
		    "line %d)", name, lines[idx]);
		return 1;
	}
	lines[idx] = ld->line;
	set_value(ld, k, ld->sec == SEC_GLOBAL ? (void *)ld->cfg :
	    (void *)ld->svc, value);
	return 1;
}

static void
check_service(struct loader *ld, struct service_conf *svc)
{
	size_t i;
	int line;

	if (svc->type == -1) {
		config_error(ld, svc->line, "service '%s': key 'type' is "
		    "missing", svc->name);
		return;
	}
	for (i = 0; i < NSERVICE; i++) {
		if (svc->key_lines[i] == 0 ||
		    (service_keys[i].types & T(svc->type)))
			continue;
		config_error(ld, svc->key_lines[i], "key '%s': not used by "
		    "type %s", service_keys[i].name, svc_types[svc->type]);
	}
	if (svc->nlistens == 0 && svc->key_lines[1] == 0)
		config_error(ld, svc->line, "service '%s': key 'listen' is "
		    "missing", svc->name);
	for (i = 0; i < svc->nlistens; i++) {
		line = svc->listen_lines[i];
		if (svc->listens[i].proto == PROTO_UDP &&
		    !svc_type_serves_udp(svc->type))
			config_error(ld, line, "key 'listen': type %s has no "
			    "UDP service (%s)", svc_types[svc->type],
			    svc->listens[i].text);
	}
	if (svc->greeting == NULL && svc->type == SVC_HELLO)
		svc->greeting = strdup("Welcome!");
	if (svc->reply == NULL && svc->type == SVC_HELLO)
		svc->reply = strdup("Hello, %s!");
	if (svc->format == NULL && svc->type == SVC_DAYTIME)
		svc->format = strdup("%A, %B %d, %Y %H:%M:%S-%Z");
	if (svc->dir == NULL && svc->type == SVC_UPLOAD)
		svc->dir = strdup("/var/lib/netd/uploads");
}

/* Same proto and address twice is a conflict, except port 0. */
static void
check_duplicates(struct loader *ld)
{
	struct netd_config *cfg = ld->cfg;
	struct service_conf *a, *b;
	size_t i, j, k, l;

	for (i = 0; i < cfg->nservices; i++) {
		a = &cfg->services[i];
		for (k = 0; k < a->nlistens; k++) {
			if (a->listens[k].proto != PROTO_UNIX &&
			    sockaddr_port((struct sockaddr *)
			    &a->listens[k].ss) == 0)
				continue;
			for (j = 0; j <= i; j++) {
				b = &cfg->services[j];
				for (l = 0; l < b->nlistens; l++) {
					if (j == i && l >= k)
						break;
					if (strcmp(a->listens[k].text,
					    b->listens[l].text) != 0)
						continue;
					config_error(ld, a->listen_lines[k],
					    "key 'listen': %s is already "
					    "listened on by service '%s' "
					    "(line %d)", a->listens[k].text,
					    b->name, b->listen_lines[l]);
				}
			}
		}
	}
}

static void
check_global(struct loader *ld)
{
	struct netd_config *cfg = ld->cfg;
	long n;

	if (cfg->workers_auto) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->workers = n < 1 ? 1 : (int)n;
		if (cfg->workers > cfg->max_workers)
			cfg->workers = cfg->max_workers;
	}
	if (cfg->workers > cfg->max_workers)
		config_error(ld, ld->global_lines[0], "key 'workers': %d is "
		    "above max_workers (%d)", cfg->workers, cfg->max_workers);
	if (cfg->min_spare > cfg->max_spare)
		config_error(ld, ld->global_lines[1], "key 'min_spare': %d is "
		    "above max_spare (%d)", cfg->min_spare, cfg->max_spare);
	if (cfg->nservices == 0)
		config_error(ld, 0, "no [service NAME] section: nothing to "
		    "serve");
}

struct netd_config *
config_load(const char *path, struct config_errors *errs)
{
	struct netd_config *cfg;
	struct loader ld;
	char *tmp;
	size_t i;
	int rc;

	memset(errs, 0, sizeof(*errs));
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.errs = errs;
	ld.at_bol = 1;
	ld.global_lines = cfg->key_lines;
	cfg->path = strdup(path);
	tmp = strdup(path);
	cfg->basedir = tmp != NULL ? strdup(dirname(tmp)) : NULL;
	free(tmp);
	cfg->workers = 4;
	cfg->min_spare = 2;
	cfg->max_spare = 8;
	cfg->max_workers = 64;
	cfg->shutdown_timeout_ms = 30000;
	cfg->log_level = LOG_LVL_INFO;
	if (cfg->path == NULL || cfg->basedir == NULL) {
		config_free(cfg);
		return NULL;
	}
	if ((ld.fp = fopen(path, "r")) == NULL) {
		config_error(&ld, 0, "cannot open: %s", strerror(errno));
		config_free(cfg);
		return NULL;
	}
	ini_use_stack = 0;
	ini_allow_realloc = 1;
	ini_max_line = 1 << 16;
	ini_allow_multiline = 0;
	rc = ini_parse_stream(config_reader, &ld, config_handler, &ld);
	fclose(ld.fp);
	if (rc > 0)
		config_error(&ld, rc, "syntax error (expected 'key = value' "
		    "or '[section]')");
	else if (rc < 0)
		config_error(&ld, 0, "cannot parse (out of memory)");
	if (cfg->control_socket == NULL)
		cfg->control_socket = strdup(NETD_DEFAULT_SOCKET);
	for (i = 0; i < cfg->nservices; i++)
		check_service(&ld, &cfg->services[i]);
	check_duplicates(&ld);
	check_global(&ld);
	if (errs->n > 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

void
config_free(struct netd_config *cfg)
{
	struct service_conf *svc;
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nservices; i++) {
		svc = &cfg->services[i];
		free(svc->listens);
		free(svc->listen_lines);
		free(svc->greeting);
		free(svc->reply);
		free(svc->allow);
		free(svc->dir);
		free(svc->format);
		free(svc->timezone);
	}
	free(cfg->services);
	free(cfg->path);
	free(cfg->basedir);
	free(cfg->user);
	free(cfg->group);
	free(cfg->control_socket);
	free(cfg->control_group);
	free(cfg->admin_group);
	free(cfg->pid_file);
	free(cfg);
}

void
config_errors_free(struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = 0;
}
