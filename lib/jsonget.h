/* Reading fields of the status document, for netctl and the HTML page. */
#ifndef NETD_JSONGET_H
#define NETD_JSONGET_H

#include <jansson.h>

/* The string at key, or "-" when missing or not a string. */
const char *jstr(json_t *o, const char *key);
/* The integer at key, or 0. */
long long jint(json_t *o, const char *key);

#endif
