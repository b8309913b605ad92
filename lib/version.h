/* The version, shown by netd -V, netctl version and the status document. */
#ifndef NETD_VERSION
#define NETD_VERSION	"0.1.0"
#endif
