/*
 * Config loading.  inih splits the file into sections and key = value
 * pairs; the key tables (config_keys.c) say what each key is, how to parse
 * it and where it goes; the checks here look at the whole file.  Every problem is collected as
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

#include "config_int.h"
#include "log.h"

/* Collect "FILE:LINE: message" (or "FILE: message" without a line). */
void
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
