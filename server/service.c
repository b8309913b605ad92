/*
 * The service table: one row per service type, indexed by enum svc_type;
 * and who a service lets in (its allow list), for streams and datagrams.
 */
#include <sys/socket.h>

#include "addr.h"
#include "service.h"

static const struct service_type *const services[SVC_NTYPES] = {
	[SVC_HELLO] = &svc_hello,
	[SVC_ECHO] = &svc_echo,
	[SVC_DISCARD] = &svc_discard,
	[SVC_DAYTIME] = &svc_daytime,
	[SVC_CHARGEN] = &svc_chargen,
	[SVC_TIME] = &svc_time,
	[SVC_UPLOAD] = &svc_upload,
	[SVC_HTTP] = &svc_http,
};

const struct service_type *
service_type(int type)
{
	if (type < 0 || type >= SVC_NTYPES)
		return NULL;
	return services[type];
}

/* May a client at sa use svc (its allow list; unix peers always may)? */
int
service_allows(const struct service_conf *svc, const struct sockaddr *sa)
{
	size_t i;

	if (svc->allow == NULL || sa->sa_family == AF_UNIX)
		return 1;
	for (i = 0; i < svc->nallow; i++)
		if (cidr_match(&svc->allow[i], sa))
			return 1;
	return 0;
}
