/* How the process is scheduled: personality, scheduler, I/O priority, NUMA memory policy and CPU
 * affinity, each exactly as the plan says (lib/plan/process-tuning.ts decides the numbers). */
#ifndef TSRC_TUNING_H
#define TSRC_TUNING_H

#include "plan.h"

/* exec only, first thing in the stage: the affinity it runs with until it joins the cgroup. */
void cpu_affinity_initial_apply(const struct process_plan *pp);
/* Just before execve (still with the runtime's capabilities: RT policies and the RT I/O class
 * need them): personality, scheduler, I/O priority, memory policy, the final CPU affinity. */
void tuning_apply(const struct process_plan *pp);

#endif
