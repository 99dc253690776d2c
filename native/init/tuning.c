#include "tuning.h"

#include "common.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

/* <linux/sched/types.h>, SCHED_ATTR_SIZE_VER1 (the utilization clamps, left 0). */
struct sched_attr_v1 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

#define IOPRIO_WHO_PROCESS 1

static void affinity(const uint64_t *words, uint32_t n, const char *which)
{
	if (n && sched_setaffinity(0, n * sizeof(uint64_t), (const cpu_set_t *)(const void *)words) < 0)
		die("cpuAffinity", errno, "set the %s CPU affinity", which);
}

void cpu_affinity_initial_apply(const struct process_plan *pp)
{
	affinity(pp->cpus_initial, pp->n_cpus_initial, "initial");
}

void tuning_apply(const struct process_plan *pp)
{
	/* personality(2) returns the previous persona; -1 only on error. */
	if (pp->has_personality && personality(pp->personality) == -1)
		die("personality", errno, "set personality 0x%x", pp->personality);
	if (pp->has_scheduler) {
		const struct sched_plan *s = &pp->scheduler;
		struct sched_attr_v1 a = {
			.size = sizeof(a),
			.sched_policy = s->policy,
			.sched_flags = s->flags,
			.sched_nice = s->nice,
			.sched_priority = s->priority,
			.sched_runtime = s->runtime,
			.sched_deadline = s->deadline,
			.sched_period = s->period,
		};
		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			die("scheduler", errno, "set scheduling policy %u (priority %u, nice %d)", s->policy, s->priority, s->nice);
	}
	if (pp->has_io_priority && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, (int)pp->io_priority) < 0)
		die("ioPriority", errno, "set I/O priority class %u level %u", pp->io_priority >> 13, pp->io_priority & 0x1fff);
	if (pp->has_memory_policy) {
		/* maxnode counts bits and the kernel reads one fewer than it is given. */
		unsigned long maxnode = pp->n_mempolicy_nodes ? pp->n_mempolicy_nodes * 64ul + 1 : 0;
		if (syscall(SYS_set_mempolicy, (int)pp->mempolicy_mode, pp->n_mempolicy_nodes ? pp->mempolicy_nodes : NULL, maxnode) < 0)
			die("memoryPolicy", errno, "set memory policy 0x%x", pp->mempolicy_mode);
	}
	affinity(pp->cpus_final, pp->n_cpus_final, "final");
}
