/*
 * max_per_source: how many connections a client address has open to a
 * service, across all workers.  IPv4 counts by address, IPv6 by /64 (a
 * host's usual share); an IPv4-mapped IPv6 peer counts as its IPv4
 * address.  The counts live in a shared table made by the master before
 * the first fork: sets of a few entries, the set chosen by a hash keyed
 * with a secret drawn at start (a client cannot aim at a set), the sets
 * striped over a few robust process-shared mutexes (only the pages in use
 * are touched: an untouched table costs no memory).  An entry belongs to
 * one worker (its slot and the slot's epoch), and a source's count is the
 * sum of its entries in the set.  When a worker dies the master bumps its
 * slot's epoch, and the entries of the old epoch count no more: the
 * master never takes a lock, nor reads an entry, that a worker can write.
 * A set with no free entry counts nothing (the connection is let in): the
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
#include "scoreboard.h"

#define LIMIT_SETS	4096
#define LIMIT_WAYS	16
#define LIMIT_LOCKS	64	/* set s is behind lock s % LIMIT_LOCKS */

struct limit_entry {
	uint64_t	 key;		/* address, or /64 */
	uint16_t	 family;
	uint16_t	 service;	/* counter row */
	uint16_t	 slot;
	uint32_t	 epoch;		/* the slot's, when taken */
	uint32_t	 count;		/* 0: free */
};

struct limit_table {
	uint32_t		 epoch[SB_SLOTS];	/* master writes */
	pthread_mutex_t		 lock[LIMIT_LOCKS];
	struct limit_entry	 set[LIMIT_SETS][LIMIT_WAYS];
};

static struct limit_table *tab;
static uint64_t secret[2];
static int my_slot;
static uint32_t my_epoch;

int
conn_limit_init(void)
{
	pthread_mutexattr_t attr;
	size_t i;
	void *p;
	int rc;

	/* Anonymous memory comes zeroed: free entries, epochs 0. */
	p = mmap(NULL, sizeof(*tab), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("max_per_source: mmap");
		return -1;
	}
	tab = p;
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
	for (i = 0; i < LIMIT_LOCKS; i++)
		if ((rc = pthread_mutex_init(&tab->lock[i], &attr)) != 0) {
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
	if (tab != NULL && slot >= 0 && slot < SB_SLOTS)
		my_epoch = __atomic_load_n(&tab->epoch[slot], __ATOMIC_ACQUIRE);
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

static pthread_mutex_t *
lock(size_t s)
{
	pthread_mutex_t *m = &tab->lock[s % LIMIT_LOCKS];
	int rc = pthread_mutex_lock(m);

	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(m);
	return rc == 0 ? m : NULL;
}

/* Does e count: in use, by a worker of its slot's current epoch? */
static int
live(const struct limit_entry *e)
{
	return e->count > 0 && e->slot < SB_SLOTS && e->epoch ==
	    __atomic_load_n(&tab->epoch[e->slot], __ATOMIC_ACQUIRE);
}

int
conn_limit_take(const struct listener *l, const struct sockaddr *sa)
{
	struct limit_entry *set, *e, *mine = NULL, *free_e = NULL;
	pthread_mutex_t *m;
	uint64_t key, total = 0;
	size_t s;
	int family, i, rc;

	if (l->svc->max_per_source <= 0 || tab == NULL ||
	    (family = source_of(sa, &key)) == 0)
		return -1;
	s = mix(key ^ (uint64_t)l->svc_sb << 48 ^ (uint64_t)family << 60) %
	    LIMIT_SETS;
	set = tab->set[s];
	if ((m = lock(s)) == NULL)
		return -1;	/* cannot count: let it in */
	for (i = 0; i < LIMIT_WAYS; i++) {
		e = &set[i];
		if (!live(e)) {
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
		if (e != mine) {
			e->key = key;
			e->family = (uint16_t)family;
			e->service = (uint16_t)l->svc_sb;
			e->slot = (uint16_t)my_slot;
			e->epoch = my_epoch;
			e->count = 0;
		}
		e->count++;
		rc = (int)(s * LIMIT_WAYS + (size_t)(e - set));
	}
	pthread_mutex_unlock(m);
	return rc;
}

void
conn_limit_give(int entry)
{
	struct limit_entry *e;
	pthread_mutex_t *m;
	size_t s;

	if (entry < 0 || entry >= LIMIT_SETS * LIMIT_WAYS || tab == NULL)
		return;
	s = (size_t)entry / LIMIT_WAYS;
	e = &tab->set[s][entry % LIMIT_WAYS];
	if ((m = lock(s)) == NULL)
		return;
	if (e->count > 0 && e->slot == (uint16_t)my_slot &&
	    e->epoch == my_epoch)
		e->count--;
	pthread_mutex_unlock(m);
}

/*
 * The master, when the worker of slot has died: whatever it counted is
 * gone.  Only the slot's epoch is written; the worker started next in
 * that slot takes the new one.
 */
void
conn_limit_forget(int slot)
{
	if (tab != NULL && slot >= 0 && slot < SB_SLOTS)
		__atomic_add_fetch(&tab->epoch[slot], 1, __ATOMIC_RELEASE);
}
