/* The configuration: [netd] and [service NAME] sections, loaded with inih. */
#ifndef NETD_CONFIG_H
#define NETD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

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
	char		*dir;		/* upload */
	uint64_t	 max_size;	/* upload */
	int		 mode;		/* upload file permissions */
	char		*format;	/* daytime strftime format */
	char		*timezone;	/* daytime; NULL = local time */
	int		 key_lines[32];	/* where each key was set, 0 = default */
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
	char		*user;
	char		*group;
	char		*control_socket;
	char		*control_group;
	char		*admin_group;
	char		*pid_file;
	int		 shutdown_timeout_ms;
	int		 log_level;
	struct service_conf *services;
	size_t		 nservices;
	int		 key_lines[16];	/* where each [netd] key was set */
};

/* Errors collected while loading, each "FILE:LINE: key 'k': message". */
struct config_errors {
	char		**msg;
	size_t		  n;
};

/*
 * Load and validate a config file.  Returns NULL if anything is wrong, with
 * every problem found in errs (to be freed with config_errors_free).
 */
struct netd_config *config_load(const char *path, struct config_errors *errs);
void	config_free(struct netd_config *cfg);
void	config_errors_free(struct config_errors *errs);

/* The line a [netd] key was set on, 0 if it has its default. */
int	config_key_line(const struct netd_config *cfg, const char *key);
/* Same for a service key. */
int	service_key_line(const struct service_conf *svc, const char *key);

const char *svc_type_name(int type);
int	svc_type_serves_udp(int type);

/* "30s" style helpers, also used to print values back. */
int	parse_duration_ms(const char *s, int *ms);
int	parse_size(const char *s, uint64_t *bytes);

#endif
