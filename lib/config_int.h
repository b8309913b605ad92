/* Inside the config loader: key tables, the loader's state, error helper. */
#ifndef NETD_CONFIG_INT_H
#define NETD_CONFIG_INT_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

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


#define NGLOBAL		nglobal_keys
#define NSERVICE	nservice_keys

extern const struct key_def global_keys[];
extern const struct key_def service_keys[];
extern const size_t nglobal_keys, nservice_keys;
extern const char *const svc_types[SVC_NTYPES];

void	config_error(struct loader *ld, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Parse one value by its key's kind into base + k->off. */
void	set_value(struct loader *ld, const struct key_def *k, void *base,
	    const char *value);
const struct key_def *find_key(const struct key_def *tab, size_t n,
	    const char *name, size_t *idx);

#endif
