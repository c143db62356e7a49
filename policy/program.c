/* SPDX-License-Identifier: ISC */
/*
 * What a service's line executes: its program, on a tcpd line the one
 * tcpd runs, and the interpreter each needs (a script's #! line, an ELF
 * program's dynamic loader). A policy's fs-exec is made to cover them,
 * so a server runs wherever it is installed; and what would still keep
 * one from running is said before start-up finds it out.
 */
#include <sys/stat.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "util.h"

/*
 * Where tcpd looks for a server named without a slash: its
 * REAL_DAEMON_DIR, which Debian's build sets to /usr/sbin.
 */
#define TCPD_DAEMON_DIR		"/usr/sbin"
#define INTERPRETER_DEPTH	4	/* the kernel's own bound on #! */

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* A tcpd line: tcpd is the program, argv[0] the server it runs. */
static bool
tcpd_target(const struct service *s, char *buf, size_t len)
{
	const char *a0;

	if (s->builtin != BUILTIN_NONE || s->argc < 1 ||
	    strcmp(base_name(s->program), "tcpd") != 0)
		return false;
	a0 = s->argv[0];
	if (*a0 == '\0' || strcmp(base_name(a0), "tcpd") == 0)
		return false;
	if (*a0 == '/')
		return str_copy(buf, a0, len);
	return (size_t)snprintf(buf, len, "%s/%s", TCPD_DAEMON_DIR, a0) < len;
}

/* The program that serves a line: the one tcpd runs, or its own. */
bool
program_served(const struct service *s, char *buf, size_t len)
{
	if (s->builtin != BUILTIN_NONE)
		return false;
	return tcpd_target(s, buf, len) || str_copy(buf, s->program, len);
}

static void
add(struct policy_trace *t, const char *path, const char *fmt,
    const char *arg)
{
	int i;

	for (i = 0; i < t->nexec; i++)
		if (strcmp(t->exec[i].path, path) == 0)
			return;
	if (t->nexec == POLICY_TRACE_EXEC || *path != '/')
		return;
	str_copy(t->exec[t->nexec].path, path, sizeof(t->exec[0].path));
	snprintf(t->exec[t->nexec].what, sizeof(t->exec[0].what), fmt, arg);
	t->exec[t->nexec].added = false;
	t->nexec++;
}

/* The ELF program's PT_INTERP, if it has one. */
static bool
elf_interpreter(int fd, const unsigned char *head, size_t n, char *out,
    size_t len)
{
	uint64_t off = 0, size = 0, phoff;
	unsigned phnum, phentsize, i;
	unsigned char ph[64];
	ssize_t r;

	if (n < EI_NIDENT || memcmp(head, ELFMAG, SELFMAG) != 0)
		return false;
	if (head[EI_CLASS] == ELFCLASS64 && n >= sizeof(Elf64_Ehdr)) {
		const Elf64_Ehdr *e = (const void *)head;

		phoff = e->e_phoff;
		phnum = e->e_phnum;
		phentsize = e->e_phentsize;
	} else if (head[EI_CLASS] == ELFCLASS32 && n >= sizeof(Elf32_Ehdr)) {
		const Elf32_Ehdr *e = (const void *)head;

		phoff = e->e_phoff;
		phnum = e->e_phnum;
		phentsize = e->e_phentsize;
	} else
		return false;
	if (phentsize == 0 || phentsize > sizeof(ph) || phnum > 256)
		return false;
	for (i = 0; i < phnum; i++) {
		r = pread(fd, ph, phentsize, (off_t)(phoff + (uint64_t)i *
		    phentsize));
		if (r != (ssize_t)phentsize)
			return false;
		if (head[EI_CLASS] == ELFCLASS64) {
			const Elf64_Phdr *p = (const void *)ph;

			if (p->p_type != PT_INTERP)
				continue;
			off = p->p_offset;
			size = p->p_filesz;
		} else {
			const Elf32_Phdr *p = (const void *)ph;

			if (p->p_type != PT_INTERP)
				continue;
			off = p->p_offset;
			size = p->p_filesz;
		}
		if (size < 2 || size > len)
			return false;
		if (pread(fd, out, size, (off_t)off) != (ssize_t)size ||
		    out[size - 1] != '\0')
			return false;
		return true;
	}
	return false;
}

/* The interpreter a file needs executed before it: #! or PT_INTERP. */
static int
interpreter(const char *root, const char *path, char *out, size_t len,
    bool *script)
{
	unsigned char head[256];
	char full[PATH_MAX];
	struct stat sb;
	ssize_t n;
	size_t k;
	int fd;

	/* A device or a fifo is no program: never open one. */
	if ((size_t)snprintf(full, sizeof(full), "%s%s", root, path) >=
	    sizeof(full) || stat(full, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (fd = open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return -1;
	}
	n = read(fd, head, sizeof(head) - 1);
	*script = n > 2 && head[0] == '#' && head[1] == '!';
	if (*script) {
		close(fd);
		head[n] = '\0';
		for (k = 2; head[k] == ' ' || head[k] == '\t'; k++)
			;
		n = (ssize_t)strcspn((char *)head + k, " \t\r\n");
		if (n == 0 || (size_t)n >= len)
			return -1;
		memcpy(out, head + k, (size_t)n);
		out[n] = '\0';
		return 0;
	}
	k = elf_interpreter(fd, head, n > 0 ? (size_t)n : 0, out, len);
	close(fd);
	return k ? 0 : -1;
}

/*
 * The paths the line executes, into t->exec: root is the chroot they are
 * resolved in ("" for none).
 */
void
program_paths(const struct service *s, const char *root,
    struct policy_trace *t)
{
	char path[PATH_MAX], interp[PATH_MAX];
	int i, start, depth;
	bool script;

	t->nexec = 0;
	if (s->builtin != BUILTIN_NONE)
		return;
	add(t, s->program, "%s", "the server program");
	if (tcpd_target(s, path, sizeof(path)))
		add(t, path, "%s", "the program tcpd runs");
	start = t->nexec;
	for (i = 0; i < start; i++) {
		str_copy(path, t->exec[i].path, sizeof(path));
		for (depth = 0; depth < INTERPRETER_DEPTH; depth++) {
			if (interpreter(root, path, interp, sizeof(interp),
			    &script) == -1)
				break;
			add(t, interp, script ? "the #! interpreter of %s" :
			    "the ELF interpreter of %s", path);
			if (!script)
				break;
			str_copy(path, interp, sizeof(path));
		}
	}
}

/* Whether an fs-exec path of p holds path: itself or a directory above. */
static bool
covered(const struct policy *p, const char *path)
{
	size_t len;
	uint32_t i;

	for (i = 0; i < p->npaths; i++) {
		if (!(p->paths[i].access & FS_EXEC))
			continue;
		len = strlen(p->paths[i].path);
		while (len > 1 && p->paths[i].path[len - 1] == '/')
			len--;
		if (strncmp(p->paths[i].path, path, len) == 0 &&
		    (path[len] == '\0' || path[len] == '/' || len == 1))
			return true;
	}
	return false;
}

/*
 * Adds what the line executes to fs-exec, where a policy confines the
 * files at all (one without fs-* rules executes anything). Returns -1,
 * with the path it could not add, when fs-exec is full.
 */
int
program_cover(struct policy *p, struct policy_trace *t, struct errors *err)
{
	struct program_path *e;
	uint32_t k;
	int i;

	if (p->npaths == 0)
		return 0;
	for (i = 0; i < t->nexec; i++) {
		e = &t->exec[i];
		if (covered(p, e->path))
			continue;
		for (k = 0; k < p->npaths; k++)
			if (strcmp(p->paths[k].path, e->path) == 0)
				break;
		if (k == p->npaths && (k == POLICY_PATHS_MAX ||
		    strlen(e->path) >= POLICY_PATH_MAX)) {
			errors_add(err, "%s: fs-exec: cannot cover %s (%s): %s",
			    t->chosen[0] ? t->chosen : "default.policy (built "
			    "in)", e->path, e->what, k == POLICY_PATHS_MAX ?
			    "the policy holds " CONF_STR(POLICY_PATHS_MAX)
			    " paths already" : "the path is too long");
			return -1;
		}
		if (k == p->npaths) {
			str_copy(p->paths[k].path, e->path,
			    sizeof(p->paths[k].path));
			p->npaths++;
		}
		p->paths[k].access |= FS_EXEC;
		e->added = true;
	}
	return 0;
}

/*
 * What would keep the line's programs from running under p, as start-up
 * would find it: each a line of err, "conf:line: server: reason".
 */
void
program_problems(const struct service *s, const struct policy *p,
    const struct policy_trace *t, struct errors *err)
{
	const char *root = geteuid() == 0 ? p->chroot : "";
	const char *policy = t->chosen[0] ? t->chosen :
	    "default.policy (built in)";
	char full[PATH_MAX];
	struct stat sb;
	int i;

	for (i = 0; i < t->nexec; i++) {
		const struct program_path *e = &t->exec[i];

		snprintf(full, sizeof(full), "%s%s", root, e->path);
		if (stat(full, &sb) == -1)
			errors_add(err, "%s:%d: server: %s (%s): %s%s%s",
			    s->file, s->line, e->path, e->what, strerror(errno),
			    *root ? " inside the chroot " : "", root);
		else if (!S_ISREG(sb.st_mode))
			errors_add(err, "%s:%d: server: %s (%s) is not a "
			    "regular file", s->file, s->line, e->path, e->what);
		else if ((sb.st_mode & 0111) == 0 ||
		    access(full, X_OK) == -1)
			errors_add(err, "%s:%d: server: %s (%s) is not "
			    "executable", s->file, s->line, e->path, e->what);
		else if ((p->protect & PRIVATE_TMP) && geteuid() == 0 &&
		    (strncmp(e->path, "/tmp/", 5) == 0 ||
		    strncmp(e->path, "/var/tmp/", 9) == 0))
			errors_add(err, "%s:%d: server: %s (%s) is under a /tmp "
			    "that private-tmp of %s hides from the server",
			    s->file, s->line, e->path, e->what, policy);
	}
}
