// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the volume label and the open of a volume (volume_open, read
 * only): the label, then the end of the volume found from its footer or
 * end mark, or by the walk.  A volume that opens must have a label that
 * keeps the promises of volume.h and an end within the file.
 */
#include "fuzz.h"
#include "fuzz_volume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *img = fuzz_volume_fix(data, size);
	const struct volume_label *l;
	struct volume *v = NULL;
	char path[64];

	fuzz_memfile(img, size, path, sizeof(path));
	if (volume_open(path, 0, &v) == 0) {
		l = volume_label(v);
		if (strlen(l->volser) != 6 ||
		    !memchr(l->pool, '\0', sizeof(l->pool)))
			abort();
		if (volume_bytes(v) > size ||
		    volume_size(v) < VOLUME_LABEL_SIZE)
			abort();
		volume_close(v);
	}
	free(img);
	return 0;
}
