/* Process titles shown by ps(1), through libbsd's setproctitle(3). */
#ifndef NETD_TITLE_H
#define NETD_TITLE_H

void	title_init(int argc, char *argv[], char *envp[]);
void	title_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* From now on every title says the process is shutting down. */
void	title_shutting_down(void);
/* The kernel's name of the process (comm, 15 bytes): "netd-worker". */
void	title_name(const char *name);

#endif
