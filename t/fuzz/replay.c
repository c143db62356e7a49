/* SPDX-License-Identifier: ISC */
/*
 * Runs a fuzz target over its corpus without libFuzzer: every file named,
 * and every file in every directory named, once. Built with the project's
 * own compiler and flags (and sanitizers under SANITIZE=1), so make check
 * replays the corpora wherever it runs.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static long replayed;

static void
replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (fp == NULL || fseek(fp, 0, SEEK_END) == -1 ||
	    (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) == -1) {
		perror(path);
		exit(1);
	}
	if ((buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		perror(path);
		exit(1);
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	replayed++;
}

int
main(int argc, char *argv[])
{
	struct dirent *e;
	struct stat sb;
	char path[4096];
	int i;

	for (i = 1; i < argc; i++) {
		DIR *d;

		if (stat(argv[i], &sb) == -1) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(sb.st_mode)) {
			replay_file(argv[i]);
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    e->d_name);
			if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
				replay_file(path);
		}
		closedir(d);
	}
	printf("replayed %ld inputs\n", replayed);
	return 0;
}
