/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: the control socket's request decoder, on the bytes a
 * client sends, whole and cut at every point a read could end.
 */
#include <stdint.h>
#include <string.h>

#include "ctlreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[CTL_REQUEST_MAX];
	struct ctl_request req;
	const char *err;
	size_t len, cut;

	/* The daemon reads at most this much before it decides. */
	if (size > CTL_REQUEST_MAX - 1)
		size = CTL_REQUEST_MAX - 1;
	for (cut = size > 64 ? size - 64 : 0; cut <= size; cut++) {
		len = cut;
		memcpy(buf, data, len);
		if (ctl_request_decode(buf, len, &req, &err) == 1 &&
		    req.arg != NULL && strlen(req.arg) >= CTL_REQUEST_MAX)
			__builtin_trap();
	}
	return 0;
}
