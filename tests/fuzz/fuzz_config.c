/*
 * The config loader (lib/config.c through inih, with the key table) on
 * any bytes as a file: it returns a config or errors, never both, never
 * neither; each error names the file; a config loaded prints as a JSON
 * document that parses back, and differs from itself in no key.  Leaks
 * on any path are caught by the leak checker.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "utf8.h"

#define PATH	"/fuzz/netd.ini"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char empty[1];
	struct config_errors errs;
	struct netd_config *cfg;
	json_t *doc, *back, *j;
	char *s;
	size_t i;
	FILE *fp;

	fp = size > 0 ? fmemopen((void *)data, size, "r") :
	    fmemopen((void *)empty, 1, "r");
	FUZZ_ASSERT(fp != NULL);
	if (size == 0)
		(void)fgetc(fp);	/* an empty file */
	cfg = config_load_file(fp, PATH, &errs);
	fclose(fp);
	if (cfg == NULL) {
		FUZZ_ASSERT(errs.n > 0 || errs.lost > 0);
		for (i = 0; i < errs.n; i++) {
			FUZZ_ASSERT(strncmp(errs.msg[i], PATH,
			    strlen(PATH)) == 0);
			FUZZ_ASSERT((j = utf8_json(errs.msg[i])) != NULL);
			json_decref(j);
		}
		config_errors_free(&errs);
		return 0;
	}
	FUZZ_ASSERT(errs.n == 0);
	FUZZ_ASSERT(cfg->nservices > 0);
	FUZZ_ASSERT(config_global_diff(cfg, cfg, NULL, 0) == 0);
	for (i = 0; i < cfg->nservices; i++)
		FUZZ_ASSERT(config_service_diff(&cfg->services[i],
		    &cfg->services[i], NULL, 0) == 0);
	FUZZ_ASSERT((doc = config_json(cfg)) != NULL);
	FUZZ_ASSERT(json_object_get(doc, "file") != NULL);
	FUZZ_ASSERT(json_array_size(json_object_get(doc, "services")) ==
	    cfg->nservices);
	FUZZ_ASSERT((s = json_dumps(doc, JSON_COMPACT)) != NULL);
	FUZZ_ASSERT((back = json_loads(s, 0, NULL)) != NULL);
	FUZZ_ASSERT(json_equal(doc, back));
	free(s);
	json_decref(back);
	json_decref(doc);
	config_free(cfg);
	config_errors_free(&errs);
	return 0;
}
