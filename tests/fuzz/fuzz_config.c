// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the ini reader (catalog/config.c over inih).  A file it accepts
 * must give a configuration that keeps the promises of config.h: the
 * counts within their arrays, every string terminated, a chunk size
 * that is a power of two.  A file it refuses leaves the configuration
 * as it was.
 */
#include "config.h"
#include "fuzz.h"

static void terminated(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg, before;
	char *s = fuzz_cstr(data, size);
	unsigned i;

	config_defaults(&cfg);
	before = cfg;
	if (config_load_string(s, "fuzz.ini", &cfg) != 0) {
		if (memcmp(&cfg, &before, sizeof(cfg)) != 0)
			abort();
		free(s);
		return 0;
	}
	if (cfg.npools > CONFIG_MAX_POOLS || cfg.copies > CONFIG_MAX_COPIES)
		abort();
	if (cfg.chunk_size == 0 || (cfg.chunk_size & (cfg.chunk_size - 1)))
		abort();
	terminated(cfg.home, sizeof(cfg.home));
	terminated(cfg.volume_path, sizeof(cfg.volume_path));
	for (i = 0; i < cfg.copies; i++) {
		terminated(cfg.copy_pool[i], sizeof(cfg.copy_pool[i]));
		if (!config_pool(&cfg, cfg.copy_pool[i]))
			abort(); /* a copy goes to a pool that is not there */
	}
	for (i = 0; i < cfg.npools; i++) {
		terminated(cfg.pools[i].name, sizeof(cfg.pools[i].name));
		terminated(cfg.pools[i].directory,
			   sizeof(cfg.pools[i].directory));
		terminated(cfg.pools[i].prefix, sizeof(cfg.pools[i].prefix));
		terminated(cfg.pools[i].location,
			   sizeof(cfg.pools[i].location));
	}
	free(s);
	return 0;
}
