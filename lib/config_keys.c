/*
 * Setting keys from the key table (config_keys.h): a value is parsed by its
 * row's kind into its field; keys left out get their row's default, parsed
 * the same way; the line each key was set on is kept for later messages;
 * config_free frees what the parsers allocated.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"
#include "log.h"

/* Where a value being parsed comes from, and where its problems go. */
struct setter {
	struct netd_config	*cfg;
	struct config_errors	*errs;
	int			 line;		/* 0 for a default */
};

static void key_error(struct setter *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
key_error(struct setter *st, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc == -1) {
		st->errs->lost++;
		return;
	}
	config_errors_add(st->errs, st->cfg->path, st->line, "%s", msg);
	free(msg);
}

static int
parse_long(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return (end == s || *end != '\0' || errno != 0) ? -1 : 0;
}

/* Sizes live in size_t or uint64_t fields: the row knows the width. */
static void
size_parse(const struct key *k, void *base, const char *value,
    struct setter *st)
{
	uint64_t sz;
	uint32_t sz32;

	if (parse_size(value, &sz) == -1 || (k->max != 0 &&
	    (sz < (uint64_t)k->min || sz > (uint64_t)k->max)) ||
	    (k->width == sizeof(sz32) && sz > UINT32_MAX)) {
		key_error(st, "key '%s': '%s' is not a size (bytes, or with "
		    "K, M, G)%s", k->name, value, k->max != 0 ? " in range" :
		    "");
		return;
	}
	sz32 = (uint32_t)sz;
	if (k->width == sizeof(sz32))
		memcpy(KEY_FIELD(k, base), &sz32, sizeof(sz32));
	else
		memcpy(KEY_FIELD(k, base), &sz, sizeof(sz));
}

static void
type_parse(const struct key *k, void *base, const char *value,
    struct setter *st)
{
	char list[256] = "";
	int i;

	for (i = 0; i < SVC_NTYPES; i++)
		if (strcmp(value, svc_type_name(i)) == 0) {
			*(int *)KEY_FIELD(k, base) = i;
			return;
		}
	for (i = 0; i < SVC_NTYPES; i++) {
		if (i > 0)
			strlcat(list, ", ", sizeof(list));
		strlcat(list, svc_type_name(i), sizeof(list));
	}
	key_error(st, "key '%s': unknown service type '%s' (%s)", k->name,
	    value, list);
}

/*
 * A path as people write it: "." components, repeated and trailing
 * slashes dropped ("/etc/netd/./spool//" is "/etc/netd/spool").  ".."
 * stays: through a symlink it may not mean the lexical parent.
 */
static void
path_clean(char *p)
{
	char *r = p, *w = p;

	if (p == NULL)
		return;
	while (*r != '\0') {
		if (r[0] == '/') {
			while (r[1] == '/')
				r++;
			if (r[1] == '.' && (r[2] == '/' || r[2] == '\0')) {
				r += 2;
				continue;
			}
		}
		*w++ = *r++;
	}
	if (w == p && *p == '/')
		w++;	/* "/." is "/" */
	else if (w - p > 1 && w[-1] == '/')
		w--;
	*w = '\0';
}

static void
string_set(const struct key *k, void *base, char *s, struct setter *st)
{
	char **sp = (char **)KEY_FIELD(k, base);

	if (s == NULL) {
		key_error(st, "out of memory");
		return;
	}
	free(*sp);
	*sp = s;
}

/*
 * The list kinds are a service's own: listen fills listens, listen_lines
 * and nlistens, allow fills allow and nallow.  Every bad word is reported.
 */
static void
listen_parse(const struct key *k, void *base, const char *value,
    struct setter *st)
{
	struct service_conf *svc = base;
	struct listen_addr la, *nl;
	char *copy, *tok, *save = NULL, err[256];
	size_t words = 0;
	int *nlines;

	if ((copy = strdup(value)) == NULL) {
		key_error(st, "out of memory");
		return;
	}
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		words++;
		if (listen_addr_parse(tok, st->cfg->basedir, &la, err,
		    sizeof(err)) == -1) {
			key_error(st, "key '%s': %s", k->name, err);
			continue;
		}
		if ((nl = reallocarray(svc->listens, svc->nlistens + 1,
		    sizeof(*nl))) == NULL) {
			key_error(st, "out of memory");
			break;
		}
		svc->listens = nl;
		if ((nlines = reallocarray(svc->listen_lines,
		    svc->nlistens + 1, sizeof(*nlines))) == NULL) {
			key_error(st, "out of memory");
			break;
		}
		svc->listen_lines = nlines;
		svc->listens[svc->nlistens] = la;
		svc->listen_lines[svc->nlistens++] = st->line;
	}
	if (words == 0)
		key_error(st, "key '%s': no address given", k->name);
	free(copy);
}

static void
cidrs_parse(const struct key *k, void *base, const char *value,
    struct setter *st)
{
	struct service_conf *svc = base;
	struct cidr c, *n;
	char *copy, *tok, *save = NULL;
	size_t words = 0;

	if ((copy = strdup(value)) == NULL) {
		key_error(st, "out of memory");
		return;
	}
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		words++;
		if (cidr_parse(tok, &c) == -1) {
			key_error(st, "key '%s': '%s' is not an address or "
			    "CIDR prefix (like 127.0.0.0/8 or ::1)", k->name,
			    tok);
			continue;
		}
		if ((n = reallocarray(svc->allow, svc->nallow + 1,
		    sizeof(*n))) == NULL) {
			key_error(st, "out of memory");
			break;
		}
		svc->allow = n;
		svc->allow[svc->nallow++] = c;
	}
	if (words == 0)
		key_error(st, "key '%s': empty list (leave the key out to "
		    "allow everyone)", k->name);
	free(copy);
}

/* Parse one value by its key's kind into base (a config or a service). */
static void
value_parse(const struct key *k, void *base, const char *value,
    struct setter *st)
{
	char *p, list[128];
	long v;
	int i;

	switch (k->kind) {
	case K_INT:
		if (parse_long(value, &v) == -1 || v < k->min || v > k->max) {
			key_error(st, "key '%s': '%s' is not a number from %ld "
			    "to %ld", k->name, value, k->min, k->max);
			return;
		}
		*(int *)KEY_FIELD(k, base) = (int)v;
		return;
	case K_WORKERS:
		if (strcmp(value, "auto") == 0) {
			/* the loader resolves it to the CPUs */
			st->cfg->workers_auto = 1;
			return;
		}
		if (parse_long(value, &v) == -1 || v < k->min || v > k->max) {
			key_error(st, "key '%s': '%s' is not 'auto' or a "
			    "number from %ld to %ld", k->name, value, k->min,
			    k->max);
			return;
		}
		st->cfg->workers_auto = 0;
		*(int *)KEY_FIELD(k, base) = (int)v;
		return;
	case K_SIZE:
		size_parse(k, base, value, st);
		return;
	case K_DURATION:
		if (parse_duration_ms(value, &i) == -1 || i < k->min ||
		    i > k->max) {
			key_error(st, "key '%s': '%s' is not a duration (like "
			    "500ms, 30s, 2m)%s", k->name, value,
			    k->min > 0 ? " above 0" : "");
			return;
		}
		*(int *)KEY_FIELD(k, base) = i;
		return;
	case K_MODE:
		errno = 0;
		v = strtol(value, &p, 8);
		if (*value == '\0' || *p != '\0' || errno != 0 || v < 0 ||
		    v > k->max) {
			key_error(st, "key '%s': '%s' is not an octal file "
			    "mode like 0640", k->name, value);
			return;
		}
		*(int *)KEY_FIELD(k, base) = (int)v;
		return;
	case K_LEVEL:
		if ((i = log_level_parse(value)) == -1) {
			log_level_list(list, sizeof(list));
			key_error(st, "key '%s': '%s' is not one of %s",
			    k->name, value, list);
			return;
		}
		*(int *)KEY_FIELD(k, base) = i;
		return;
	case K_SWITCH:
		if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
			key_error(st, "key '%s': '%s' is not on or off",
			    k->name, value);
			return;
		}
		*(int *)KEY_FIELD(k, base) = strcmp(value, "on") == 0;
		return;
	case K_ACCESS:
		if ((i = log_access_parse(value)) == -1) {
			key_error(st, "key '%s': '%s' is not one of all, "
			    "failures, none", k->name, value);
			return;
		}
		*(int *)KEY_FIELD(k, base) = i;
		return;
	case K_TYPE:
		type_parse(k, base, value, st);
		return;
	case K_STRING:
		string_set(k, base, strdup(value), st);
		return;
	case K_LOGTO:
		if (strcmp(value, "stderr") == 0 ||
		    strcmp(value, "syslog") == 0 ||
		    strcmp(value, "journal") == 0 ||
		    strncmp(value, "syslog:/", 8) == 0 ||
		    strncmp(value, "journal:/", 9) == 0) {
			string_set(k, base, strdup(value), st);
			return;
		}
		/* FALLTHROUGH */
	case K_PATH:
		/* relative to the config file's directory */
		if (*value == '\0') {
			key_error(st, "key '%s': empty path", k->name);
			return;
		}
		if (value[0] == '/')
			p = strdup(value);
		else if (asprintf(&p, "%s/%s", st->cfg->basedir, value) == -1)
			p = NULL;
		path_clean(p);
		string_set(k, base, p, st);
		return;
	case K_LISTEN:
		listen_parse(k, base, value, st);
		return;
	case K_CIDRS:
		cidrs_parse(k, base, value, st);
		return;
	}
}

void
config_set(struct netd_config *cfg, struct service_conf *svc,
    const char *key, const char *value, int line, struct config_errors *errs)
{
	struct setter st = { cfg, errs, line };
	const struct key *tab, *k;
	int **lines = svc != NULL ? &svc->key_lines : &cfg->key_lines;
	size_t n;

	tab = keys_of(svc, &n);
	if ((k = key_find(tab, n, key)) == NULL) {
		if (svc != NULL)
			key_error(&st, "key '%s': unknown key in [service %s]",
			    key, svc->name);
		else
			key_error(&st, "key '%s': unknown key in [netd]", key);
		return;
	}
	/* One line per row: sized by the table, whatever it holds. */
	if (*lines == NULL && (*lines = calloc(n, sizeof(**lines))) == NULL) {
		key_error(&st, "out of memory");
		return;
	}
	if ((*lines)[k - tab] != 0) {
		key_error(&st, "key '%s': set twice (first on line %d)", key,
		    (*lines)[k - tab]);
		return;
	}
	(*lines)[k - tab] = line;
	value_parse(k, svc != NULL ? (void *)svc : (void *)cfg, value, &st);
}

/* The line key name was set on in a section (lines: per row), or 0. */
static int
key_line(const struct service_conf *svc, const int *lines, const char *name)
{
	const struct key *tab, *k;
	size_t n;

	tab = keys_of(svc, &n);
	if (lines == NULL || (k = key_find(tab, n, name)) == NULL)
		return 0;
	return lines[k - tab];
}

static void
key_missing(struct netd_config *cfg, const struct service_conf *svc,
    const char *name, struct config_errors *errs)
{
	if (svc != NULL)
		config_errors_add(errs, cfg->path, svc->line, "service '%s': "
		    "key '%s' is missing", svc->name, name);
	else
		config_errors_add(errs, cfg->path, 0, "[netd]: key '%s' is "
		    "missing", name);
}

void
config_complete(struct netd_config *cfg, struct service_conf *svc,
    struct config_errors *errs)
{
	struct setter st = { cfg, errs, 0 };
	const struct key *tab, *k;
	const int *lines = svc != NULL ? svc->key_lines : cfg->key_lines;
	void *base = svc != NULL ? (void *)svc : (void *)cfg;
	size_t n, i;
	int line;

	tab = keys_of(svc, &n);
	/* The other keys depend on the type: without one, nothing to do. */
	if (svc != NULL && (svc->type < 0 || svc->type >= SVC_NTYPES)) {
		if (key_line(svc, lines, "type") == 0)
			key_missing(cfg, svc, "type", errs);
		return;	/* else a bad type, reported on its line */
	}
	for (i = 0; i < n; i++) {
		k = &tab[i];
		line = lines != NULL ? lines[i] : 0;
		if (!key_applies(k, svc)) {
			if (line != 0)
				config_errors_add(errs, cfg->path, line, "key "
				    "'%s': not used by type %s", k->name,
				    svc_type_name(svc->type));
		} else if (line == 0 && k->required)
			key_missing(cfg, svc, k->name, errs);
		else if (line == 0 && k->def != NULL)
			value_parse(k, base, k->def, &st);
	}
}

int
config_key_line(const struct netd_config *cfg, const char *key)
{
	return key_line(NULL, cfg->key_lines, key);
}

int
config_service_key_line(const struct service_conf *svc, const char *key)
{
	int line = key_line(svc, svc->key_lines, key);

	return line != 0 ? line : svc->line;
}

/* Free what value_parse allocated for the keys of a section. */
static void
keys_free(const struct service_conf *svc, void *base)
{
	const struct key *tab, *k;
	struct service_conf *s = base;
	size_t n, i;

	tab = keys_of(svc, &n);
	for (i = 0; i < n; i++) {
		k = &tab[i];
		switch (k->kind) {
		case K_INT: case K_WORKERS: case K_SIZE: case K_DURATION:
		case K_MODE: case K_LEVEL: case K_TYPE: case K_ACCESS:
		case K_SWITCH:
			break;
		case K_STRING: case K_PATH: case K_LOGTO:
			free(*(char **)KEY_FIELD(k, base));
			*(char **)KEY_FIELD(k, base) = NULL;
			break;
		case K_LISTEN:
			free(s->listens);
			free(s->listen_lines);
			s->listens = NULL;
			s->listen_lines = NULL;
			s->nlistens = 0;
			break;
		case K_CIDRS:
			free(s->allow);
			s->allow = NULL;
			s->nallow = 0;
			break;
		}
	}
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
		keys_free(svc, svc);
		free(svc->key_lines);
	}
	free(cfg->services);
	keys_free(NULL, cfg);
	free(cfg->key_lines);
	free(cfg->path);
	free(cfg->basedir);
	free(cfg);
}
