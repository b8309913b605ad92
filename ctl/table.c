/* Column tables: rows of strings, widths measured, printed aligned. */
#include <err.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

void
table_init(struct table *t, int ncols, const char *const *heads,
    const int *right)
{
	int i;

	if (ncols < 1 || ncols > TABLE_MAX_COLS)
		errx(1, "table: %d columns", ncols);
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	for (i = 0; i < ncols; i++)
		t->right[i] = right != NULL ? right[i] : 0;
	t->cells = NULL;
	t->nrows = 0;
	/* the header is row 0 */
	t->cells = calloc((size_t)ncols, sizeof(char *));
	if (t->cells == NULL)
		err(1, NULL);
	for (i = 0; i < ncols; i++)
		if ((t->cells[i] = strdup(heads[i])) == NULL)
			err(1, NULL);
	t->nrows = 1;
}

void
table_add(struct table *t, ...)
{
	va_list ap;
	char **n;
	const char *s;
	int i;

	n = reallocarray(t->cells, (t->nrows + 1) * (size_t)t->ncols,
	    sizeof(char *));
	if (n == NULL)
		err(1, NULL);
	t->cells = n;
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		n[t->nrows * (size_t)t->ncols + (size_t)i] =
		    strdup(s != NULL ? s : "-");
		if (n[t->nrows * (size_t)t->ncols + (size_t)i] == NULL)
			err(1, NULL);
	}
	va_end(ap);
	t->nrows++;
}

/* Display width of UTF-8 text: count the bytes that start a character. */
static int
text_width(const char *s)
{
	int w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* One row, each cell padded to its column's width. */
static void
table_row(struct table *t, size_t r, const int *width, FILE *fp)
{
	const char *c;
	int i, w;

	for (i = 0; i < t->ncols; i++) {
		c = t->cells[r * (size_t)t->ncols + (size_t)i];
		w = width[i] - text_width(c);
		if (t->right[i])
			fprintf(fp, "%*s%s", w, "", c);
		else
			fprintf(fp, "%s%*s", c, w, "");
		if (i < t->ncols - 1)
			fputs("  ", fp);
	}
}

/* Rows end where their text ends: never in spaces. */
void
table_print(struct table *t, FILE *out)
{
	int width[TABLE_MAX_COLS] = { 0 }, i, w;
	char *line = NULL;
	size_t r, len = 0;
	FILE *fp;

	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			w = text_width(t->cells[r * (size_t)t->ncols +
			    (size_t)i]);
			if (w > width[i])
				width[i] = w;
		}
	for (r = 0; r < t->nrows; r++) {
		if ((fp = open_memstream(&line, &len)) == NULL)
			err(1, NULL);
		table_row(t, r, width, fp);
		if (fclose(fp) != 0)
			err(1, NULL);
		while (len > 0 && line[len - 1] == ' ')
			line[--len] = '\0';
		fprintf(out, "%s\n", line);
		free(line);
		line = NULL;
	}
}

void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}
