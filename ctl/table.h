/* Aligned text tables for netctl's human output. */
#ifndef NETCTL_TABLE_H
#define NETCTL_TABLE_H

#include <stdio.h>

#define TABLE_MAX_COLS	16

struct table {
	int	  ncols;
	int	  right[TABLE_MAX_COLS];	/* right-align numbers */
	char	**cells;			/* rows * ncols */
	size_t	  nrows;
};

void	table_init(struct table *t, int ncols, const char *const *heads,
	    const int *right);
void	table_add(struct table *t, ...);	/* ncols strings */
void	table_print(struct table *t, FILE *fp);
void	table_free(struct table *t);

#endif
