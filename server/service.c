/* The service table: one row per service type, indexed by enum svc_type. */
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
