/*
 * hello_inetd: the greeting protocol as a classic inetd server, for the
 * benchmark's xinetd peer.  xinetd accepts, forks and execs this program
 * with the connection on stdin and stdout, once per connection.  It speaks
 * what netd's hello service speaks on the path the benchmark takes: send
 * "Welcome!\n", answer each line with "Hello, LINE!\n" (the line ending
 * kept), close on "exit".  Unbuffered read/write, no stdio: as lean as a
 * per-connection server gets, so the comparison is of process models.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINE	1024

static int
write_all(const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Answer one line (without its ending); 0 to go on, 1 on exit, -1. */
static int
answer(const char *msg, size_t len, const char *eol)
{
	char out[MAX_LINE + 16];
	size_t o = 0, el = strlen(eol);

	if (len == 4 && memcmp(msg, "exit", 4) == 0)
		return 1;
	memcpy(out + o, "Hello, ", 7);
	o += 7;
	memcpy(out + o, msg, len);
	o += len;
	out[o++] = '!';
	memcpy(out + o, eol, el);
	o += el;
	return write_all(out, o);
}

int
main(void)
{
	char buf[MAX_LINE + 2];
	size_t len = 0, start, i, end;
	const char *eol;
	ssize_t n;
	int r;

	if (write_all("Welcome!\n", 9) == -1)
		return 1;
	for (;;) {
		n = read(STDIN_FILENO, buf + len, sizeof(buf) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		len += (size_t)n;
		start = 0;
		for (i = 0; i < len; i++) {
			if (buf[i] != '\n')
				continue;
			end = i;
			eol = "\n";
			if (end > start && buf[end - 1] == '\r') {
				end--;
				eol = "\r\n";
			}
			if (end - start > MAX_LINE)
				return 1;
			if ((r = answer(buf + start, end - start, eol)) != 0)
				return r == 1 ? 0 : 1;
			start = i + 1;
		}
		memmove(buf, buf + start, len - start);
		len -= start;
		if (len == sizeof(buf)) {
			(void)write_all("ERR line too long\r\n", 19);
			return 1;
		}
	}
}
