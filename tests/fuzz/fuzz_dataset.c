// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the data set header, chunk headers, trailer and footer
 * (volume_reader_open, _verify, _pread): the input is one data set's
 * bytes, put after a sound label made by volume_create() (so the target
 * follows the label format as it changes).  The reader opens it twice,
 * once walking the chunk headers and once from the footer, checks every
 * chunk and reads the content; what it hands out must keep the promises
 * of volume.h.
 */
#include "fuzz.h"
#include "fuzz_volume.h"

static unsigned char label[VOLUME_LABEL_SIZE];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/ruv-fuzz-XXXXXX", path[64];
	struct volume *v = NULL;
	int fd;

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/FZ0001", dir);
	if (volume_create(path, "FZ0001", "fuzz", 1 << 30, &v) != 0)
		abort();
	volume_close(v);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, label, sizeof(label), 0) != sizeof(label))
		abort();
	close(fd);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void read_all(const char *path, uint64_t length, size_t size)
{
	static char buf[1 << 16];
	const struct volume_dataset_info *di;
	struct volume_reader *vr = NULL;
	uint64_t off = 0;
	ssize_t n;

	if (volume_reader_open(path, VOLUME_LABEL_SIZE, length, &vr) != 0)
		return;
	di = volume_reader_info(vr);
	if (di->offset != VOLUME_LABEL_SIZE || di->length > size ||
	    strlen(di->name) == 0 || strlen(di->name) > VOLUME_NAME_MAX ||
	    strlen(di->source) > VOLUME_SOURCE_MAX ||
	    di->meta_len > VOLUME_META_MAX)
		abort();
	if (di->meta_len)
		memcpy(buf, di->meta, di->meta_len);
	volume_reader_verify(vr);
	/* The content, up to a bound: a trailer may claim terabytes. */
	while (off < (1U << 20)) {
		n = volume_reader_pread(vr, buf, sizeof(buf), off);
		if (n <= 0)
			break;
		if ((size_t)n > sizeof(buf))
			abort();
		off += (uint64_t)n;
	}
	volume_reader_close(vr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *img = malloc(VOLUME_LABEL_SIZE + size + 1);
	char path[64];

	if (!img)
		abort();
	memcpy(img, label, VOLUME_LABEL_SIZE);
	memcpy(img + VOLUME_LABEL_SIZE, data, size);
	if (size % 7)
		fuzz_volume_fix_datasets(img, VOLUME_LABEL_SIZE + size,
					 VOLUME_LABEL_SIZE);
	fuzz_memfile(img, VOLUME_LABEL_SIZE + size, path, sizeof(path));
	read_all(path, 0, size);
	read_all(path, size, size);
	free(img);
	return 0;
}
