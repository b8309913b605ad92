/*
 * Figures for people, one format each, used by netctl's tables and the
 * status page alike: durations ("0.4s", "42s", "3m05s", "2h03m",
 * "1d02h"), byte counts in IEC units ("512B", "1.5KiB") and rates
 * ("3.2/s", "1.5KiB/s").
 */
#ifndef NETD_HUMAN_H
#define NETD_HUMAN_H

#include <stddef.h>
#include <stdint.h>

void	human_duration(double secs, char *buf, size_t len);
void	human_bytes(uint64_t n, char *buf, size_t len);
/* A count a second: "0/s", "0.5/s", "12/s", "1.2k/s". */
void	human_rate(double per_sec, char *buf, size_t len);
void	human_bytes_rate(double per_sec, char *buf, size_t len);

#endif
