// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the volume scan (volume_scan): a whole volume image, listed with
 * no repository.  Every data set it reports must lie inside the file, in
 * order, with its strings terminated; the count it returns must be the
 * complete ones it reported; and each complete one must open for reading
 * where the scan says it is.
 */
#include "fuzz.h"
#include "fuzz_volume.h"

struct seen {
	size_t size;
	uint64_t next; /* where the next data set may start */
	int complete;
	uint64_t off[4], len[4];
	int n;
};

static int heard(const struct volume_dataset_info *di, void *arg)
{
	struct seen *s = arg;

	if (di->offset < s->next || di->offset > s->size ||
	    di->length > s->size - di->offset)
		abort();
	if (!memchr(di->name, '\0', sizeof(di->name)) ||
	    !memchr(di->source, '\0', sizeof(di->source)) ||
	    di->meta_len > VOLUME_META_MAX)
		abort();
	s->next = di->offset + di->length;
	if (di->state == VOLUME_DS_COMPLETE) {
		s->complete++;
		if (s->n < 4) {
			s->off[s->n] = di->offset;
			s->len[s->n++] = di->length;
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *img = fuzz_volume_fix(data, size);
	struct seen s = { .size = size, .next = VOLUME_LABEL_SIZE };
	struct volume_reader *vr = NULL;
	struct volume_label l;
	char path[64];
	int rc, i;

	fuzz_memfile(img, size, path, sizeof(path));
	rc = volume_scan(path, heard, &s, &l);
	if (rc >= 0) {
		if (rc != s.complete)
			abort();
		for (i = 0; i < s.n; i++) {
			if (volume_reader_open(path, s.off[i], s.len[i], &vr))
				abort();
			volume_reader_close(vr);
		}
	}
	free(img);
	return 0;
}
