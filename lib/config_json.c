/*
 * The effective config as JSON (`netctl config`), from the key table
 * (config_keys.h): every value written as a config file would write it,
 * so that the human view of it reads as a config file.  Text from the
 * file (paths, strings, addresses) is made valid UTF-8 (utf8_json).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"
#include "log.h"
#include "utf8.h"

static json_t *
size_json(const struct key *k, const void *base)
{
	uint64_t sz;
	uint32_t sz32;
	char buf[32];

	if (k->width == sizeof(sz32)) {
		memcpy(&sz32, KEY_CFIELD(k, base), sizeof(sz32));
		sz = sz32;
	} else
		memcpy(&sz, KEY_CFIELD(k, base), sizeof(sz));
	if (sz <= INT64_MAX)
		return json_integer((json_int_t)sz);
	/* Beyond a JSON integer: the digits, as the file may write them. */
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)sz);
	return json_string(buf);
}

/* The value of one key of base (a config or a service). */
static json_t *
value_json(const struct key *k, const void *base)
{
	const struct service_conf *svc = base;
	const char *s;
	json_t *a;
	char buf[64];
	size_t i;
	int v = 0;

	if (k->width == sizeof(int))
		memcpy(&v, KEY_CFIELD(k, base), sizeof(v));
	switch (k->kind) {
	case K_INT:
	case K_WORKERS:
		return json_integer(v);
	case K_SIZE:
		return size_json(k, base);
	case K_DURATION:
		if (v % 1000 == 0)
			snprintf(buf, sizeof(buf), "%ds", v / 1000);
		else
			snprintf(buf, sizeof(buf), "%dms", v);
		return json_string(buf);
	case K_MODE:
		snprintf(buf, sizeof(buf), "%04o", (unsigned)v);
		return json_string(buf);
	case K_LEVEL:
		return json_string(log_level_name(v));
	case K_TYPE:
		return json_string(svc_type_name(v));
	case K_ACCESS:
		return json_string(log_access_name(v));
	case K_SWITCH:
		return json_string(v ? "on" : "off");
	case K_STRING:
	case K_PATH:
	case K_LOGTO:
		/* NULL: unset. */
		s = *(char *const *)KEY_CFIELD(k, base);
		return utf8_json(s);
	case K_LISTEN:
		a = json_array();
		for (i = 0; i < svc->nlistens; i++)
			json_array_append_new(a,
			    utf8_json(svc->listens[i].text));
		return a;
	case K_CIDRS:
		if (svc->nallow == 0)
			return json_null();	/* everyone */
		a = json_array();
		for (i = 0; i < svc->nallow; i++) {
			cidr_format(&svc->allow[i], buf, sizeof(buf));
			json_array_append_new(a, json_string(buf));
		}
		return a;
	}
	return json_null();
}

/* Into o, the keys of a section that apply to it, in table order. */
static void
keys_json(json_t *o, const struct service_conf *svc, const void *base)
{
	const struct key *tab;
	json_t *v;
	size_t n, i;

	tab = keys_of(svc, &n);
	for (i = 0; i < n; i++) {
		if (!key_applies(&tab[i], svc))
			continue;
		v = value_json(&tab[i], base);
		json_object_set_new(o, tab[i].name,
		    v != NULL ? v : json_null());
	}
}

json_t *
config_json(const struct netd_config *cfg)
{
	json_t *doc, *netd, *svcs, *o;
	size_t i;

	if ((doc = json_object()) == NULL)
		return NULL;
	json_object_set_new(doc, "file", utf8_json(cfg->path));
	if ((netd = json_object()) != NULL)
		keys_json(netd, NULL, cfg);
	json_object_set_new(doc, "netd", netd);
	svcs = json_array();
	for (i = 0; i < cfg->nservices; i++) {
		if ((o = json_object()) == NULL)
			continue;
		json_object_set_new(o, "name",
		    utf8_json(cfg->services[i].name));
		keys_json(o, &cfg->services[i], &cfg->services[i]);
		json_array_append_new(svcs, o);
	}
	json_object_set_new(doc, "services", svcs);
	return doc;
}
