/*
 * Loading a config file.  inih splits it into sections and key = value
 * pairs; each pair goes to the key table (config_set), which knows what
 * the key is, how to parse it and where it goes; the checks here look at
 * the whole file.  Every problem is collected as "FILE:LINE: key 'k':
 * message" so that one run of `netd -t` shows all.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "utf8.h"

/*
 * The longest line, with its newline.  inih is handed whole lines (see
 * config_reader), and a longer one is an error rather than two lines.
 */
#define CONFIG_FILE_MAX	(1 << 20)	/* a config is no bigger */
#define UTF8_BOM	"\xef\xbb\xbf"
#define LINE_MAX_BYTES	(1 << 16)

enum section { SEC_NONE, SEC_GLOBAL, SEC_SERVICE, SEC_BAD };

struct loader {
	struct netd_config	*cfg;
	struct config_errors	*errs;
	FILE			*fp;
	char			*lbuf;		/* getline's */
	size_t			 lcap;
	int			 line;		/* line being parsed */
	int			 stop;		/* a line inih must not see */
	size_t			 nread;		/* bytes so far */
	enum section		 sec;
	struct service_conf	*svc;
};

static void config_verror(struct config_errors *, const char *, int,
    const char *, va_list) __attribute__((format(printf, 4, 0)));
static void config_error(struct loader *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
config_verror(struct config_errors *e, const char *file, int line,
    const char *fmt, va_list ap)
{
	char *msg, *full, **nmsg;
	int rc;

	if (vasprintf(&msg, fmt, ap) == -1) {
		e->lost++;
		return;
	}
	if (line > 0)
		rc = asprintf(&full, "%s:%d: %s", file, line, msg);
	else
		rc = asprintf(&full, "%s: %s", file, msg);
	free(msg);
	if (rc == -1) {
		e->lost++;
		return;
	}
	if ((nmsg = reallocarray(e->msg, e->n + 1, sizeof(*e->msg))) == NULL) {
		free(full);
		e->lost++;
		return;
	}
	e->msg = nmsg;
	e->msg[e->n++] = full;
}

void
config_errors_add(struct config_errors *errs, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verror(errs, file, line, fmt, ap);
	va_end(ap);
}

/* Collect "FILE:LINE: message" (or "FILE: message" without a line). */
static void
config_error(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verror(ld->errs, ld->cfg->path, line, fmt, ap);
	va_end(ap);
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
	svc->type = -1;		/* no default: 'type' is required */
	strcpy(svc->name, name);
	svc->line = ld->line;
	ld->sec = SEC_SERVICE;
	ld->svc = svc;
}

/*
 * inih reader: one whole line at a time, so that line numbers are right
 * and section headers are seen (also those of empty sections) however
 * long the line.  A NUL byte or a line too long for inih ends the file
 * with an error: inih would read on past the NUL as if the line ended,
 * or take the rest of a long line (a comment's tail) for a line.
 */
static char *
config_reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	char hdr[256], *s, *e;
	ssize_t n;
	size_t len;

	if (ld->stop || (n = getline(&ld->lbuf, &ld->lcap, ld->fp)) == -1)
		return NULL;
	ld->line++;
	/* The file grew since it was measured, or lies about its size. */
	if ((ld->nread += (size_t)n) > CONFIG_FILE_MAX) {
		config_error(ld, 0, "larger than %dM", CONFIG_FILE_MAX >> 20);
		ld->stop = 1;
		return NULL;
	}
	/* A byte order mark, as editors on Windows write: not text. */
	if (ld->line == 1 && (size_t)n >= strlen(UTF8_BOM) &&
	    memcmp(ld->lbuf, UTF8_BOM, strlen(UTF8_BOM)) == 0) {
		n -= (ssize_t)strlen(UTF8_BOM);
		memmove(ld->lbuf, ld->lbuf + strlen(UTF8_BOM), (size_t)n + 1);
	}
	if (memchr(ld->lbuf, '\0', (size_t)n) != NULL) {
		config_error(ld, ld->line, "a NUL byte: not a text file");
		ld->stop = 1;
		return NULL;
	}
	/* inih reads on unless a line is shorter than num - 1, or ends. */
	if (num < 2 || (size_t)n > (size_t)num - 2) {
		config_error(ld, ld->line, "line longer than %d bytes",
		    num - 2);
		ld->stop = 1;
		return NULL;
	}
	memcpy(str, ld->lbuf, (size_t)n + 1);
	s = str + strspn(str, " \t");
	if (*s == '[' && (e = strchr(s, ']')) != NULL) {
		len = (size_t)(e - s - 1);
		if (len >= sizeof(hdr))
			len = utf8_cut(s + 1, sizeof(hdr) - 1);
		memcpy(hdr, s + 1, len);
		hdr[len] = '\0';
		begin_section(ld, hdr);
	}
	return str;
}

static int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct loader *ld = user;

	(void)section;
	switch (ld->sec) {
	case SEC_NONE:
		config_error(ld, ld->line, "key '%s': outside any section "
		    "(put it under [netd] or [service NAME])", name);
		break;
	case SEC_BAD:
		break;		/* the section header was reported */
	case SEC_GLOBAL:
		config_set(ld->cfg, NULL, name, value, ld->line, ld->errs);
		break;
	case SEC_SERVICE:
		config_set(ld->cfg, ld->svc, name, value, ld->line, ld->errs);
		break;
	}
	return 1;
}

/* What one key alone cannot tell: defaults, the type's keys, UDP. */
static void
check_service(struct loader *ld, struct service_conf *svc)
{
	size_t i;

	config_complete(ld->cfg, svc, ld->errs);
	if (svc->type >= 0 && !svc_type_serves_udp(svc->type))
		for (i = 0; i < svc->nlistens; i++)
			if (svc->listens[i].proto == PROTO_UDP)
				config_error(ld, svc->listen_lines[i], "key "
				    "'listen': type %s has no UDP service "
				    "(%s)", svc_type_name(svc->type),
				    svc->listens[i].text);
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
		config_error(ld, config_key_line(cfg, "workers"), "key "
		    "'workers': %d is above max_workers (%d)", cfg->workers,
		    cfg->max_workers);
	if (cfg->min_spare > cfg->max_spare)
		config_error(ld, config_key_line(cfg, "min_spare"), "key "
		    "'min_spare': %d is above max_spare (%d)", cfg->min_spare,
		    cfg->max_spare);
	if (cfg->nservices == 0)
		config_error(ld, 0, "no [service NAME] section: nothing to "
		    "serve");
}

struct netd_config *
config_load(const char *path, struct config_errors *errs)
{
	struct netd_config *cfg;
	struct stat st;
	const char *pre = "cannot open: ", *why = NULL;
	FILE *fp = NULL;
	int fd;

	/*
	 * A regular file no bigger than CONFIG_FILE_MAX: not a device that
	 * never ends (/dev/zero), a FIFO that blocks, or a directory.
	 */
	memset(errs, 0, sizeof(*errs));
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode)) {
		pre = "";
		why = "not a regular file";
	} else if (st.st_size > CONFIG_FILE_MAX) {
		pre = "";
		why = "larger than 1M";
	} else if ((fp = fdopen(fd, "r")) == NULL)
		why = strerror(errno);
	if (why != NULL) {
		config_errors_add(errs, path, 0, "%s%s", pre, why);
		if (fd != -1)
			close(fd);
		return NULL;
	}
	cfg = config_load_file(fp, path, errs);
	fclose(fp);
	return cfg;
}

struct netd_config *
config_load_file(FILE *fp, const char *path, struct config_errors *errs)
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
	ld.fp = fp;
	cfg->path = strdup(path);
	tmp = strdup(path);
	cfg->basedir = tmp != NULL ? strdup(dirname(tmp)) : NULL;
	free(tmp);
	if (cfg->path == NULL || cfg->basedir == NULL) {
		config_free(cfg);
		return NULL;
	}
	ini_use_stack = 0;
	ini_allow_realloc = 1;
	ini_max_line = LINE_MAX_BYTES;
	ini_initial_alloc = LINE_MAX_BYTES;	/* a line is one read */
	ini_allow_multiline = 0;
	rc = ini_parse_stream(config_reader, &ld, config_handler, &ld);
	free(ld.lbuf);
	if (ferror(fp))
		config_error(&ld, 0, "cannot read: %s", strerror(errno));
	else if (rc > 0)
		config_error(&ld, rc, "syntax error (expected 'key = value' "
		    "or '[section]')");
	else if (rc < 0)
		config_error(&ld, 0, "cannot parse (out of memory)");
	for (i = 0; i < cfg->nservices; i++)
		check_service(&ld, &cfg->services[i]);
	config_complete(cfg, NULL, errs);
	check_duplicates(&ld);
	check_global(&ld);
	if (errs->n > 0 || errs->lost > 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
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
	errs->lost = 0;
}
