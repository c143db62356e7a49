/* SPDX-License-Identifier: ISC */
/*
 * A worker's end and its next start: why it died, said once; a restart at
 * once after a healthy life, with a back-off when it keeps dying; a worker
 * stopped (SIGSTOP, a debugger) past -o stopped, killed and replaced.
 */
#include <sys/wait.h>

#include <signal.h>
#include <string.h>

#include "log.h"
#include "master.h"
#include "msg.h"
#include "util.h"

#define HEALTHY_UPTIME_MS	10000	/* lived this long: restart at once */
#define RESTART_DELAY_MAX_MS	30000

/*
 * At once the first time, and after a healthy life; a restarted worker
 * that dies again before it has lived HEALTHY_UPTIME_MS waits
 * restart-delay, then twice that, up to a cap. (The death after a long
 * life is not the first of a quick pair: the second death at once, then
 * 0, 100 ms, was one step later than sinetd(8) says.)
 */
void
restart_schedule(struct mworker *w, uint64_t now)
{
	if (now - w->started_at >= HEALTHY_UPTIME_MS || w->quick_deaths == 0) {
		w->backoff_ms = 0;
		w->quick_deaths = 1;	/* restarted: the next death is quick */
	} else {
		w->backoff_ms = w->backoff_ms == 0 ? opts.restart_delay_ms :
		    w->backoff_ms * 2 > RESTART_DELAY_MAX_MS ?
		    RESTART_DELAY_MAX_MS : w->backoff_ms * 2;
		w->quick_deaths++;
	}
	w->restart_at = now + w->backoff_ms;
}

/*
 * A worker stopped (SIGSTOP, a debugger) or continued. Stopped, it
 * serves no one: said once, and if it stays so past -o stopped, killed
 * (restart_timers) and replaced like any dead worker. False: not a worker.
 */
bool
restart_stopped(pid_t pid, int status)
{
	struct mworker *w = pool_worker_by_pid(pid);
	const char *name;
	uint64_t now = now_ms();

	if (w == NULL)
		return false;
	if (WIFSTOPPED(status)) {
		if (w->stopped_at != 0)
			return true;
		w->stopped_at = now;
		name = sigabbrev_np(WSTOPSIG(status));
		log_warnx("worker stopped %s pid=%ld signal=%s",
		    w->pool->label, (long)pid, name ? name : "?");
	} else if (w->stopped_at != 0) {
		log_info("worker continued %s pid=%ld stopped_for=%llums",
		    w->pool->label, (long)pid,
		    (unsigned long long)(now - w->stopped_at));
		w->stopped_at = 0;
	}
	return true;
}

/*
 * Restarts that are due, stopped workers past their time, and counts of
 * dropped log lines; returns when the next is (or UINT64_MAX).
 */
uint64_t
restart_timers(struct pool *p, uint64_t now)
{
	uint64_t next = UINT64_MAX, t;
	unsigned i;

	for (i = 0; i < p->nworkers; i++) {
		struct mworker *w = &p->workers[i];

		if ((t = monitor_timer(w, now)) < next)
			next = t;
		if (w->stopped_at != 0 && w->pid != WORKER_NOT_RUNNING) {
			if (now - w->stopped_at >= opts.stopped_ms) {
				log_errx("worker stayed stopped, killing it %s "
				    "pid=%ld stopped_for=%llums", p->label,
				    (long)w->pid,
				    (unsigned long long)(now - w->stopped_at));
				kill(w->pid, SIGKILL);
				/* Its death, reaped, says the rest. */
				w->stopped_at = 0;
			} else if (w->stopped_at + opts.stopped_ms < next)
				next = w->stopped_at + opts.stopped_ms;
		}
		if (w->restart_at == 0)
			continue;
		if (w->restart_at <= now)
			spawn_worker(w);
		if (w->restart_at != 0 && w->restart_at < next)
			next = w->restart_at;
	}
	return next;
}

/* One of our children ended: if it was a worker, say why and heal. */
bool
restart_reap(pid_t pid, int status)
{
	struct mworker *w = pool_worker_by_pid(pid);
	struct pool *p;
	struct msvc *lead;
	char how[64];

	if (w == NULL)
		return false;
	p = w->pool;
	/* Its last words may still be in the channel, all of them. */
	w->reaped = true;
	if (w->chan != -1)
		monitor_read(w, 0);
	monitor_log_dropped(w, now_ms(), true);
	monitor_close(w);
	w->pid = WORKER_NOT_RUNNING;
	wait_status_str(status, how, sizeof(how));
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS &&
	    (lead = pool_lead(p)) != NULL)
		violation_worker(lead, pid, w->started_at);
	if (p->failed || p->retired || p->nlive == 0) {
		log_debug("worker exited %s pid=%ld %s", p->label, (long)pid,
		    how);
		return true;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NORESPAWN) {
		pool_worker_failed(w);
		return true;
	}
	restart_schedule(w, now_ms());
	log_warnx("worker died %s pid=%ld %s restart_in=%llums", p->label,
	    (long)pid, how, (unsigned long long)w->backoff_ms);
	/* It will not say READY: the start it was part of is over. */
	if (!w->ready)
		pool_settle(p);
	w->ready = false;
	return true;
}
