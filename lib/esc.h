/* Bytes someone else chose, made fit for a log line. */
#ifndef NETD_ESC_H
#define NETD_ESC_H

#include <stddef.h>

/*
 * Copy in[0..inlen) to out as printable ASCII: bytes 0x20-0x7e stay,
 * but for '"' and '\', which become \x22 and \x5c like every other byte
 * (C0 controls, DEL, anything above 0x7f: "\x1b").  out is always
 * terminated; an escape is never cut: what does not fit is left out and
 * the text ends with "...".  Returns the length written.
 */
size_t	esc_bytes(char *out, size_t outlen, const void *in, size_t inlen);

/* The same for a NUL-terminated string; returns out. */
const char *esc_str(char *out, size_t outlen, const char *in);

#endif
