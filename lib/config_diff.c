/*
 * What changed between two configs, key by key, from the key table
 * (config_keys.h): for the reload report.
 */
#include <string.h>

#include "config.h"
#include "config_keys.h"

/* Are the values of key k in a and b (configs or services) the same? */
static int
value_same(const struct key *k, const void *a, const void *b)
{
	const struct service_conf *s = a, *t = b;
	const char *x, *y;
	size_t i;

	switch (k->kind) {
	case K_INT: case K_WORKERS: case K_SIZE: case K_DURATION:
	case K_MODE: case K_LEVEL: case K_TYPE: case K_ACCESS:
	case K_SWITCH:
		return memcmp(KEY_CFIELD(k, a), KEY_CFIELD(k, b),
		    k->width) == 0;
	case K_STRING:
	case K_PATH:
	case K_LOGTO:
		x = *(char *const *)KEY_CFIELD(k, a);
		y = *(char *const *)KEY_CFIELD(k, b);
		return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
	case K_LISTEN:
		/* as configured: port 0 is port 0, whatever was bound */
		if (s->nlistens != t->nlistens)
			return 0;
		for (i = 0; i < s->nlistens; i++)
			if (strcmp(s->listens[i].text, t->listens[i].text) != 0)
				return 0;
		return 1;
	case K_CIDRS:
		if (s->nallow != t->nallow)
			return 0;
		for (i = 0; i < s->nallow; i++)
			if (s->allow[i].family != t->allow[i].family ||
			    s->allow[i].prefix != t->allow[i].prefix ||
			    memcmp(s->allow[i].addr, t->allow[i].addr,
			    sizeof(s->allow[i].addr)) != 0)
				return 0;
		return 1;
	}
	return 0;
}

static size_t
keys_diff(const struct service_conf *svc, const void *a, const void *b,
    char *names, size_t len)
{
	const struct key *tab;
	size_t n, i, ndiff = 0;

	tab = keys_of(svc, &n);
	if (len > 0)
		names[0] = '\0';
	for (i = 0; i < n; i++) {
		if (value_same(&tab[i], a, b))
			continue;
		if (len > 0) {
			if (ndiff > 0)
				strlcat(names, ", ", len);
			strlcat(names, tab[i].name, len);
		}
		ndiff++;
	}
	return ndiff;
}

size_t
config_service_diff(const struct service_conf *a,
    const struct service_conf *b, char *names, size_t len)
{
	return keys_diff(a, a, b, names, len);
}

size_t
config_global_diff(const struct netd_config *a, const struct netd_config *b,
    char *names, size_t len)
{
	return keys_diff(NULL, a, b, names, len);
}
