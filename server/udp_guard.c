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
 *
 * A spoofer who could tell which sources share a set could evict a
 * victim's bucket at will and have it start over full, every time: the
 * set is chosen by SipHash keyed with a secret drawn at each start, and a
 * set remembers the lowest level it evicted (refilling as a bucket does),
 * which is where a new source starts.  A bucket evicted moments ago thus
 * comes back no fuller than it would have been, and a flood of new
 * sources shares what the buckets it evicted had left.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <sodium.h>

#include "io.h"
#include "log.h"
#include "scoreboard.h"
#include "udp_guard.h"
#include "udp_local.h"

#define GUARD_SETS	1024
#define GUARD_WAYS	8
#define TOKEN		1000		/* milli-tokens per reply */
#define FULL		1000000		/* a level: parts per million */

struct guard_bucket {
	uint64_t	 key;		/* IPv4 address or IPv6 /64 */
	uint32_t	 svc;		/* hash of the service name */
	uint16_t	 family;	/* 0: unused */
	int64_t		 tokens;	/* milli-tokens */
	int64_t		 cap;		/* milli-tokens when full */
	uint64_t	 last_ms;	/* monotonic */
};

struct guard_set {
	pthread_mutex_t		 lock;
	int64_t			 evicted;	/* lowest level evicted, */
	uint64_t		 evicted_ms;	/* as of then (0: none) */
	struct guard_bucket	 b[GUARD_WAYS];
};

static struct guard_set *guard;
static unsigned char guard_key[crypto_shorthash_KEYBYTES];

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
	if (sodium_init() == -1) {
		log_warnx("udp guard: libsodium cannot start");
		return -1;
	}
	randombytes_buf(guard_key, sizeof(guard_key));
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

/* The set of (svc, family, key): keyed, so no one outside can tell. */
static struct guard_set *
set_of(const char *svc, int family, uint64_t key)
{
	unsigned char in[8 + 2 + NETD_NAME_MAX], out[crypto_shorthash_BYTES];
	size_t n = strnlen(svc, NETD_NAME_MAX), i;
	uint64_t h = 0;

	for (i = 0; i < 8; i++)
		in[i] = (unsigned char)(key >> (8 * i));
	in[8] = (unsigned char)family;
	in[9] = (unsigned char)(family >> 8);
	memcpy(in + 10, svc, n);
	crypto_shorthash(out, in, 10 + n, guard_key);
	for (i = 0; i < sizeof(out); i++)
		h = h << 8 | out[i];
	return &guard[h % GUARD_SETS];
}

/* A level (parts per million of full), refilled to now: full in 1 s. */
static int64_t
level_now(int64_t level, uint64_t since, uint64_t now)
{
	uint64_t elapsed = now > since ? now - since : 0;

	if (elapsed >= 1000 || level >= FULL)
		return FULL;
	level += (int64_t)elapsed * (FULL / 1000);
	return level > FULL ? FULL : level;
}

/* Refill a bucket to now: it holds one second, cap / TOKEN a second. */
static void
refill(struct guard_bucket *b, uint64_t now)
{
	uint64_t elapsed = now > b->last_ms ? now - b->last_ms : 0;

	if (elapsed >= 1000)
		b->tokens = b->cap;
	else
		b->tokens += (int64_t)elapsed * (b->cap / TOKEN);
	if (b->tokens > b->cap)
		b->tokens = b->cap;
	b->last_ms = now;
}

/*
 * Give bucket b, the least recently used of a full set, to a new source:
 * the set remembers the lowest level it evicted (refilled since), and
 * the new source starts there.
 */
static void
evict(struct guard_set *set, struct guard_bucket *b, int64_t cap,
    uint64_t now)
{
	int64_t low, level;

	low = set->evicted_ms == 0 ? FULL :
	    level_now(set->evicted, set->evicted_ms, now);
	refill(b, now);
	level = b->cap > 0 ? b->tokens * FULL / b->cap : FULL;
	if (level < low)
		low = level;
	set->evicted = low;
	set->evicted_ms = now;
	b->tokens = low * cap / FULL;
}

/* Take one reply from the bucket of (svc, source); 0 if there was none. */
static int
take_token(const struct service_conf *svc, int family, uint64_t key)
{
	struct guard_set *set;
	struct guard_bucket *b = NULL, *victim = NULL;
	uint32_t sh = name_hash(svc->name);
	int64_t cap = (int64_t)svc->udp_rate * TOKEN;
	uint64_t now = monotonic_ms();
	int i, rc, ok;

	set = set_of(svc->name, family, key);
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
		if (b->family == 0)
			b->tokens = cap;	/* a free way: nobody evicted */
		else
			evict(set, b, cap, now);
		b->family = (uint16_t)family;
		b->key = key;
		b->svc = sh;
	} else if (b->cap != cap) {
		/* udp_rate changed by a reload: keep the level. */
		refill(b, now);
		b->tokens = b->cap > 0 ? b->tokens * FULL / b->cap * cap /
		    FULL : cap;
	} else
		refill(b, now);
	b->cap = cap;
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
