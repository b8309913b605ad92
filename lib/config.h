/* The configuration: [netd] and [service NAME] sections, loaded with inih. */
#ifndef NETD_CONFIG_H
#define NETD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "addr.h"

#define NETD_NAME_MAX		32	/* service names, with the NUL */
#define NETD_MAX_WORKERS	512	/* hard cap on max_workers */
#define NETD_DEFAULT_CONFIG	"/etc/netd/netd.ini"
#define NETD_DEFAULT_SOCKET	"/run/netd/netd.sock"

enum svc_type {
	SVC_HELLO,
	SVC_ECHO,
	SVC_DISCARD,
	SVC_DAYTIME,
	SVC_CHARGEN,
	SVC_TIME,
	SVC_UPLOAD,
	SVC_HTTP,
	SVC_NTYPES
};

/* The types with a datagram service, as a mask of (1 << type). */
#define SVC_UDP_TYPES	((1u << SVC_HELLO) | (1u << SVC_ECHO) | \
			 (1u << SVC_DISCARD) | (1u << SVC_DAYTIME) | \
			 (1u << SVC_CHARGEN) | (1u << SVC_TIME))

struct service_conf {
	char		 name[NETD_NAME_MAX];
	int		 line;		/* of the [service NAME] header */
	int		 type;		/* enum svc_type, -1 until set */
	struct listen_addr *listens;
	int		*listen_lines;
	size_t		 nlistens;
	char		*greeting;
	char		*reply;
	int		 idle_timeout_ms;
	size_t		 max_line;
	struct cidr	*allow;		/* NULL: everyone */
	size_t		 nallow;
	int		 udp_rate;	/* replies/s per source, 0 = no limit */
	int		 max_connections; /* per service, 0 = no limit */
	int		 max_per_source;  /* per client address, 0 = no limit */
	int		 request_timeout_ms; /* a message or head, 0 = none */
	int		 keepalive_timeout_ms; /* http: between requests */
	int		 keepalive_requests;   /* http: per connection */
	uint64_t	 min_rate;	/* upload body, bytes/s; 0 = none */
	char		*dir;		/* upload */
	uint64_t	 max_size;	/* upload */
	int		 mode;		/* upload file permissions */
	char		*store_empty;	/* upload: "yes" or "no" */
	char		*upload_header;	/* upload: none, optional, required */
	char		*format;	/* daytime strftime format */
	char		*timezone;	/* daytime; NULL = local time */
#ifdef NETD_TEST_KEY
	char		*test_note;	/* a key only the table knows of */
#endif
	int		*key_lines;	/* per key: its line, 0 = default */
};

struct netd_config {
	char		*path;		/* as given */
	char		*basedir;	/* directory of the file */
	int		 workers;
	int		 workers_auto;
	int		 min_spare;
	int		 max_spare;
	int		 max_workers;
	int		 max_requests;
	int		 max_requests_jitter;	/* each worker: + 0..this */
	int		 max_age_ms;		/* 0: never recycled by age */
	int		 max_age_jitter_ms;
	uint64_t	 max_rss;		/* bytes; 0: no limit */
	uint64_t	 max_rss_jitter;
	int		 worker_connections;
	int		 accept_mutex;	/* one worker at a time accepts */
	char		*user;
	char		*group;
	char		*control_socket;
	char		*control_group;
	char		*admin_group;
	char		*pid_file;
	int		 shutdown_timeout_ms;
	int		 stall_timeout_ms;	/* 0: never */
	int		 log_level;
	char		*log_file;	/* path, "stderr", "syslog", "journal" */
	char		*access_log;	/* the same; NULL: with log_file */
	int		 access_log_level;	/* enum log_access_which */
	struct service_conf *services;
	size_t		 nservices;
	int		*key_lines;	/* per [netd] key: its line */
};

/* Errors collected while loading, each "FILE:LINE: key 'k': message". */
struct config_errors {
	char		**msg;
	size_t		  n;
	size_t		  lost;		/* not recorded (out of memory) */
};

/*
 * Load and validate a config file.  Returns NULL if anything is wrong, with
 * every problem found in errs (to be freed with config_errors_free).
 */
struct netd_config *config_load(const char *path, struct config_errors *errs);
/*
 * The same from an open stream: path names it in messages and is the
 * base of relative paths.
 */
struct netd_config *config_load_file(FILE *fp, const char *path,
	    struct config_errors *errs);
void	config_free(struct netd_config *cfg);
/* Add "FILE:LINE: message" ("FILE: message" for line 0) to errs. */
void	config_errors_add(struct config_errors *errs, const char *file,
	    int line, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
void	config_errors_free(struct config_errors *errs);

/*
 * What config_load does with the key table (config_keys.c): config_set
 * parses one "key = value" of [netd] (svc NULL) or of a service, read on
 * line (> 0: kept for messages, and a second setting is refused);
 * config_complete, once a section has all its keys, gives the keys left
 * out their defaults and reports keys the service's type does not use and
 * required keys that are missing.  Problems go to errs.
 */
void	config_set(struct netd_config *cfg, struct service_conf *svc,
	    const char *key, const char *value, int line,
	    struct config_errors *errs);
void	config_complete(struct netd_config *cfg, struct service_conf *svc,
	    struct config_errors *errs);

/* The line a [netd] key was set on, 0 if it has its default. */
int	config_key_line(const struct netd_config *cfg, const char *key);
/* Same for a service key; the [service NAME] line if it has its default. */
int	config_service_key_line(const struct service_conf *svc,
	    const char *key);

/*
 * The effective config as JSON: "file", "netd" (every key) and "services"
 * (per service its name and the keys its type uses), the values written
 * as a config file would write them.
 */
json_t	*config_json(const struct netd_config *cfg);

/*
 * How many keys differ between two versions of a service, or of [netd];
 * their names, separated by ", ", in names (cut to len; names may be NULL
 * when len is 0).
 */
size_t	config_service_diff(const struct service_conf *a,
	    const struct service_conf *b, char *names, size_t len);
size_t	config_global_diff(const struct netd_config *a,
	    const struct netd_config *b, char *names, size_t len);

const char *svc_type_name(int type);
int	svc_type_serves_udp(int type);

/* "30s" style helpers, also used to print values back. */
int	parse_duration_ms(const char *s, int *ms);
int	parse_size(const char *s, uint64_t *bytes);

#endif
