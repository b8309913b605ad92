/* Prometheus text exposition (format 0.0.4) of the status document. */
#ifndef NETD_METRICS_H
#define NETD_METRICS_H

#include <stdio.h>

#include <jansson.h>

/* Write the metrics for a status document (status_json()); -1 on error. */
int	metrics_write(FILE *fp, json_t *status);

#endif
