/*
 * max_per_source: how many connections a client address has open to a
 * service, across all workers.  IPv4 counts by address, IPv6 by /64 (a
 * host's usual share); an IPv4-mapped IPv6 peer counts as its IPv4
 * address.  The counts live in a shared table made by the master before
 * the first fork: sets of a few entries, each set behind a robust
 * process-shared mutex, the set chosen by a hash keyed with a secret
 * drawn at start (a client cannot aim at a set).  An entry belongs to one
 * worker (its slot), so that when a worker dies the master forgets what
 * it held; a source's count is the sum of its entries in the set.  A set
 * with no free entry counts nothing (the connection is let in): the
 * table is sized for far more sources than a pool holds connections.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "conn_limit.h"
#include "listener.h"
#include "log.h"

#define LIMIT_SETS	4096
#define LIMIT_WAYS	16

struct limit_entry {
	uint64_t	 key;		/* address, or /64 */
	uint16_t	 family;
	uint16_t	 service;	/* counter row */
	uint16_t	 slot;
	uint32_t	 count;		/* 0: free */
};

struct limit_set {
	pthread_mutex_t		 lock;
	struct limit_entry	 e[LIMIT_WAYS];
};

static struct limit_set *sets;
static uint64_t secret[2];
static int my_slot;

int
conn_limit_init(void)
{
	pthread_mutexattr_t attr;
	size_t i;
	void *p;
	int rc;

	p = mmap(NULL, LIMIT_SETS * sizeof(*sets), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("max_per_source: mmap");
		return -1;
	}
	sets = p;
	memset(sets, 0, LIMIT_SETS * sizeof(*sets));
	arc4random_buf(secret, sizeof(secret));
	if ((rc = pthread_mutexattr_init(&attr)) != 0 ||
	    (rc = pthread_mutexattr_setpshared(&attr,
	    PTHREAD_PROCESS_SHARED)) != 0 ||
	    (rc = pthread_mutexattr_setrobust(&attr,
	    PTHREAD_MUTEX_ROBUST)) != 0) {
		log_warnx("max_per_source: mutex attributes: %s",
		    strerror(rc));
		return -1;
	}
	for (i = 0; i < LIMIT_SETS; i++)
		if ((rc = pthread_mutex_init(&sets[i].lock, &attr)) != 0) {
			log_warnx("max_per_source: mutex: %s", strerror(rc));
			return -1;
		}
	pthread_mutexattr_destroy(&attr);
	return 0;
}

void
conn_limit_slot(int slot)
{
	my_slot = slot;
}

static uint64_t
mix(uint64_t x)
{
	x ^= secret[0];
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= secret[1];
	x ^= x >> 31;
	return x;
}

/* The source of sa as counted: family and key; 0 if not counted. */
static int
source_of(const struct sockaddr *sa, uint64_t *key)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const unsigned char *a;
	int i;

	if (sa->sa_family == AF_INET) {
		*key = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
		return AF_INET;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	a = s6->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		*key = (uint64_t)a[12] << 24 | (uint64_t)a[13] << 16 |
		    (uint64_t)a[14] << 8 | a[15];
		return AF_INET;
	}
	*key = 0;
	for (i = 0; i < 8; i++)
		*key = *key << 8 | a[i];
	return AF_INET6;
}

static int
lock(struct limit_set *set)
{
	int rc = pthread_mutex_lock(&set->lock);

	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(&set->lock);
	return rc == 0 ? 0 : -1;
}

int
conn_limit_take(const struct listener *l, const struct sockaddr *sa)
{
	struct limit_set *set;
	struct limit_entry *e, *mine = NULL, *free_e = NULL;
	uint64_t key, total = 0;
	size_t s;
	int family, i, rc;

	if (l->svc->max_per_source <= 0 || sets == NULL ||
	    (family = source_of(sa, &key)) == 0)
		return -1;
	s = mix(key ^ (uint64_t)l->svc_sb << 48 ^ (uint64_t)family << 60) %
	    LIMIT_SETS;
	set = &sets[s];
	if (lock(set) == -1)
		return -1;	/* cannot count: let it in */
	for (i = 0; i < LIMIT_WAYS; i++) {
		e = &set->e[i];
		if (e->count == 0) {
			if (free_e == NULL)
				free_e = e;
			continue;
		}
		if (e->key != key || e->family != family ||
		    e->service != (uint16_t)l->svc_sb)
			continue;
		total += e->count;
		if (e->slot == (uint16_t)my_slot)
			mine = e;
	}
	if (total >= (uint64_t)l->svc->max_per_source)
		rc = -2;
	else if ((e = mine != NULL ? mine : free_e) == NULL)
		rc = -1;	/* no room to count */
	else {
		if (e->count == 0) {
			e->key = key;
			e->family = (uint16_t)family;
			e->service = (uint16_t)l->svc_sb;
			e->slot = (uint16_t)my_slot;
		}
		e->count++;
		rc = (int)(s * LIMIT_WAYS + (size_t)(e - set->e));
	}
	pthread_mutex_unlock(&set->lock);
	return rc;
}

void
conn_limit_give(int entry)
{
	struct limit_set *set;
	struct limit_entry *e;

	if (entry < 0 || entry >= LIMIT_SETS * LIMIT_WAYS || sets == NULL)
		return;
	set = &sets[entry / LIMIT_WAYS];
	e = &set->e[entry % LIMIT_WAYS];
	if (lock(set) == -1)
		return;
	if (e->count > 0 && e->slot == (uint16_t)my_slot)
		e->count--;
	pthread_mutex_unlock(&set->lock);
}

void
conn_limit_forget(int slot)
{
	size_t s;
	int i;

	for (s = 0; sets != NULL && s < LIMIT_SETS; s++) {
		if (lock(&sets[s]) == -1)
			continue;
		for (i = 0; i < LIMIT_WAYS; i++)
			if (sets[s].e[i].slot == (uint16_t)slot)
				sets[s].e[i].count = 0;
		pthread_mutex_unlock(&sets[s].lock);
	}
}
