/*
 * UDP without amplification.  A datagram service never answers:
 *
 *  - a source port of 0 or below 1024, or the port of a well-known UDP
 *    responder above it (a spoofed datagram "from" another host's echo,
 *    chargen, DNS, NTP, SSDP or memcached port would make us attack it);
 *  - a source port that any UDP listener of this netd listens on, on any
 *    address (FreeBSD inetd's loop rule: two netd hosts with the same
 *    config, or two services of one netd, cannot bounce datagrams between
 *    each other forever);
 *  - a local source address with the port of a UDP server of this host
 *    (udp_local.c), such as another netd with other ports;
 *  - an unspecified, broadcast or multicast source (0/8, 255.255.255.255,
 *    224/4, an interface's broadcast address, ::, ff00::/8);
 *  - a source above udp_rate replies per second.
 * The rules before the rate hold whatever udp_rate says.
 *
 * The rate is a token bucket per service and source (IPv4 per /32, IPv6
 * per /64), holding up to one second of replies.  Workers are separate
 * processes, so the buckets live in a shared mapping made by the master
 * before the first fork: a hash of sets of a few buckets each, every set
 * guarded by a robust process-shared mutex (a worker killed while holding
 * one does not wedge the others).  A full set gives its least recently
 * used bucket to the new source.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "io.h"
#include "log.h"
#include "scoreboard.h"
#include "udp_guard.h"
#include "udp_local.h"

#define GUARD_SETS	1024
#define GUARD_WAYS	8
#define TOKEN		1000		/* milli-tokens per reply */

struct guard_bucket {
	uint64_t	 key;		/* IPv4 address or IPv6 /64 */
	uint32_t	 svc;		/* hash of the service name */
	uint16_t	 family;	/* 0: unused */
	int64_t		 tokens;	/* milli-tokens */
	uint64_t	 last_ms;	/* monotonic */
};

struct guard_set {
	pthread_mutex_t		 lock;
	struct guard_bucket	 b[GUARD_WAYS];
};

static struct guard_set *guard;

/*
 * Source ports of UDP responders above 1023 that amplify, and whose
 * owners would be the victims of a reply (ports below 1024 are refused
 * anyway): some of those the published lists of amplification vectors
 * name (CISA's alert TA14-017A, Shadowserver's scans), leaving out those
 * in Linux's range of client ports, which a client may get by chance.
 */
static const uint16_t responder_ports[] = {
	1194,		/* OpenVPN */
	1434,		/* MS SQL Server resolution */
	1604,		/* Citrix ICA browser */
	1900,		/* SSDP */
	3283,		/* Apple Remote Desktop */
	3478,		/* STUN */
	3702,		/* WS-Discovery */
	5060,		/* SIP */
	5351,		/* NAT-PMP */
	5353,		/* mDNS */
	5683,		/* CoAP */
	10001,		/* Ubiquiti discovery */
	11211,		/* memcached */
	27015,		/* Steam (Source engine queries) */
	27960,		/* Quake 3 */
	32414,		/* Plex discovery */
};

/* This worker's copy of what changes rarely. */
static struct {
	uint32_t	 generation;
	int		 valid;
	int		 nports;
	uint16_t	 ports[SB_LISTENERS];
} cache;

int
udp_guard_init(void)
{
	pthread_mutexattr_t attr;
	size_t i;
	void *p;
	int rc;

	p = mmap(NULL, GUARD_SETS * sizeof(*guard), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("udp guard: mmap %zu bytes",
		    GUARD_SETS * sizeof(*guard));
		return -1;
	}
	guard = p;
	memset(guard, 0, GUARD_SETS * sizeof(*guard));
	if ((rc = pthread_mutexattr_init(&attr)) != 0 ||
	    (rc = pthread_mutexattr_setpshared(&attr,
	    PTHREAD_PROCESS_SHARED)) != 0 ||
	    (rc = pthread_mutexattr_setrobust(&attr,
	    PTHREAD_MUTEX_ROBUST)) != 0) {
		log_warnx("udp guard: mutex attributes: %s", strerror(rc));
		return -1;
	}
	for (i = 0; i < GUARD_SETS; i++)
		if ((rc = pthread_mutex_init(&guard[i].lock, &attr)) != 0) {
			log_warnx("udp guard: mutex: %s", strerror(rc));
			return -1;
		}
	pthread_mutexattr_destroy(&attr);
	return 0;
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Ports of every UDP listener in the scoreboard, refreshed on reload. */
static void
cache_ports(void)
{
	const struct sbv_listener *l;
	const char *colon;
	long port;
	int i;

	if (cache.valid && cache.generation == SB_LOAD(sbv->generation))
		return;
	cache.generation = SB_LOAD(sbv->generation);
	cache.valid = 1;
	cache.nports = 0;
	for (i = 0; i < SB_LISTENERS; i++) {
		l = &sbv->listeners[i];
		if (!l->in_use || l->proto != PROTO_UDP)
			continue;
		if ((colon = strrchr(l->addr, ':')) == NULL)
			continue;
		port = strtol(colon + 1, NULL, 10);
		if (port > 0 && port <= 65535)
			cache.ports[cache.nports++] = (uint16_t)port;
	}
}

static int
bad_ipv4(uint32_t a)
{
	if ((a >> 24) == 0 || a == 0xffffffffu || (a >> 28) == 0xe)
		return 1;
	return udp_local_bcast(a);
}

static int
responder_port(int port)
{
	size_t i;

	for (i = 0; i < sizeof(responder_ports) / sizeof(responder_ports[0]);
	    i++)
		if (responder_ports[i] == port)
			return 1;
	return 0;
}

/* Take one reply from the bucket of (svc, source); 0 if there was none. */
static int
take_token(const struct service_conf *svc, int family, uint64_t key)
{
	struct guard_set *set;
	struct guard_bucket *b = NULL, *victim = NULL;
	uint32_t sh = name_hash(svc->name);
	int64_t cap = (int64_t)svc->udp_rate * TOKEN;
	uint64_t now = monotonic_ms(), elapsed;
	int i, rc, ok;

	set = &guard[mix64(key ^ ((uint64_t)sh << 17) ^ (uint64_t)family) %
	    GUARD_SETS];
	if ((rc = pthread_mutex_lock(&set->lock)) == EOWNERDEAD)
		pthread_mutex_consistent(&set->lock);
	else if (rc != 0)
		return 1;	/* cannot count: answer rather than go dark */
	for (i = 0; i < GUARD_WAYS; i++) {
		if (set->b[i].family == family && set->b[i].key == key &&
		    set->b[i].svc == sh) {
			b = &set->b[i];
			break;
		}
		if (victim == NULL || set->b[i].family == 0 ||
		    (victim->family != 0 &&
		    set->b[i].last_ms < victim->last_ms))
			victim = &set->b[i];
	}
	if (b == NULL) {
		b = victim;
		b->family = (uint16_t)family;
		b->key = key;
		b->svc = sh;
		b->tokens = cap;
	} else {
		/* The bucket holds one second: refill, without overflow. */
		elapsed = now > b->last_ms ? now - b->last_ms : 0;
		if (elapsed >= 1000)
			b->tokens = cap;
		else
			b->tokens += (int64_t)elapsed * svc->udp_rate;
		if (b->tokens > cap)
			b->tokens = cap;
	}
	b->last_ms = now;
	ok = b->tokens >= TOKEN;
	if (ok)
		b->tokens -= TOKEN;
	pthread_mutex_unlock(&set->lock);
	return ok;
}

int
udp_guard(const struct service_conf *svc, const struct sockaddr *peer)
{
	const struct sockaddr_in6 *s6 = NULL;
	const unsigned char *a6 = NULL;
	uint32_t a4 = 0;
	uint64_t key;
	int port, family, i;

	switch (peer->sa_family) {
	case AF_INET:
		a4 = ntohl(((const struct sockaddr_in *)peer)->sin_addr.s_addr);
		port = ntohs(((const struct sockaddr_in *)peer)->sin_port);
		family = AF_INET;
		break;
	case AF_INET6:
		s6 = (const struct sockaddr_in6 *)peer;
		a6 = s6->sin6_addr.s6_addr;
		port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a4 = (uint32_t)a6[12] << 24 | (uint32_t)a6[13] << 16 |
			    (uint32_t)a6[14] << 8 | a6[15];
			family = AF_INET;
		} else
			family = AF_INET6;
		break;
	default:
		return -1;	/* unix datagrams: no amplification */
	}
	if (port < 1024 || responder_port(port))
		return DROP_PORT;
	if (family == AF_INET && bad_ipv4(a4))
		return DROP_BCAST;
	if (family == AF_INET6 && (IN6_IS_ADDR_MULTICAST(&s6->sin6_addr) ||
	    IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr)))
		return DROP_BCAST;
	cache_ports();
	for (i = 0; i < cache.nports; i++)
		if (cache.ports[i] == port)
			return DROP_LOOP;
	if ((family == AF_INET ? udp_local_addr4(a4) : udp_local_addr6(a6)) &&
	    udp_local_server_port((uint16_t)port))
		return DROP_LOOP;
	if (svc->udp_rate == 0 || guard == NULL)
		return -1;
	if (family == AF_INET)
		key = a4;
	else {
		key = 0;
		for (i = 0; i < 8 && a6 != NULL; i++)
			key = key << 8 | a6[i];
	}
	return take_token(svc, family, key) ? -1 : DROP_RATE;
}
