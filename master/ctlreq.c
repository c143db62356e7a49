/* SPDX-License-Identifier: ISC */
/*
 * One control request, "sinetctl/1 text|json|human COMMAND [ARGUMENT]\n",
 * from the bytes a client sent so far. "text" is the key=value form that
 * scripts parse, "human" the header and table sinetctl shows an operator.
 * Pure: no state, no allocation, so the fuzzer (t/fuzz/fuzz_ctl.c)
 * reaches every branch the daemon has.
 */
#include <string.h>

#include "ctlreq.h"

static const struct {
	const char	*name;
	enum ctl_cmd	 cmd;
	int		 args;		/* 0 none, 1 one, -1 either */
} commands[] = {
	{ "status",	CTL_STATUS,	-1 },
	{ "metrics",	CTL_METRICS,	0 },
	{ "disable",	CTL_DISABLE,	1 },
	{ "enable",	CTL_ENABLE,	1 },
	{ "reload",	CTL_RELOAD,	0 },
	{ "stop",	CTL_STOP,	0 },
};

/*
 * buf holds len bytes and has room for one more (a NUL is written there
 * and at the newline). Returns 1 with *req filled, 0 while the line is
 * not complete and may still fit, -1 with *err (req->word names an
 * unknown command).
 */
int
ctl_request_decode(char *buf, size_t len, struct ctl_request *req,
    const char **err)
{
	char *w[5], *save = NULL, *nl, *p;
	size_t i;
	int n = 0;

	memset(req, 0, sizeof(*req));
	buf[len] = '\0';
	if ((nl = memchr(buf, '\n', len)) == NULL) {
		if (len >= CTL_REQUEST_MAX - 1) {
			*err = "request longer than 1023 bytes";
			return -1;
		}
		return 0;
	}
	*nl = '\0';
	/* A NUL inside the line is a control character too. */
	for (p = buf; p < nl; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f) {
			*err = "request with control characters";
			return -1;
		}
	for (char *t = strtok_r(buf, " ", &save); t != NULL && n < 5;
	    t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	if (n < 3 || n > 4 || strcmp(w[0], CTL_VERSION) != 0 ||
	    (strcmp(w[1], "text") != 0 && strcmp(w[1], "json") != 0 &&
	    strcmp(w[1], "human") != 0)) {
		*err = "malformed request (expected \"" CTL_VERSION
		    " text|json|human COMMAND [ARGUMENT]\")";
		return -1;
	}
	req->json = strcmp(w[1], "json") == 0;
	req->human = strcmp(w[1], "human") == 0;
	req->word = w[2];
	req->arg = n == 4 ? w[3] : NULL;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(w[2], commands[i].name) != 0)
			continue;
		if ((commands[i].args == 0 && req->arg != NULL) ||
		    (commands[i].args == 1 && req->arg == NULL))
			break;
		req->cmd = commands[i].cmd;
		return 1;
	}
	*err = "unknown command or wrong arguments";
	return -1;
}
