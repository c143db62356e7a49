/* libFuzzer target: the inetd.conf parser, on any bytes as a file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	char *copy;
	FILE *fp;

	/* fmemopen refuses an empty buffer; an empty file is a case too. */
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	fp = size > 0 ? fmemopen(copy, size, "r") : fopen("/dev/null", "r");
	if (fp != NULL) {
		memset(&c, 0, sizeof(c));
		(void)conf_parse(fp, "fuzz.conf", &c);
		fclose(fp);
		conf_free(&c);
	}
	free(copy);
	return 0;
}
