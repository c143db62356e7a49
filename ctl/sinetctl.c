/* sinetctl: the control tool. Its commands arrive with the control socket. */
#include <stdio.h>
#include <string.h>

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: sinetctl [-j] [-S socket] command [argument]\n"
	    "commands: status [SERVICE], reload, stop, enable SERVICE,\n"
	    "          disable SERVICE, metrics\n"
	    "(the control socket is not built yet: no command works)\n");
}

int
main(int argc, char *argv[])
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
