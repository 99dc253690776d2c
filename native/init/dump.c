/* `tsrc-init dump`: a debugging aid and the round-trip check of the unit tests. Reads one frame
 * from stdin, decodes it with the same decoder `init` uses, and prints the Plan as JSON shaped
 * like lib/plan/types.ts (u64 values as decimal strings, since JSON numbers cannot hold them). */
#include "dump.h"
#include "protocol.h"

#include <stdio.h>
#include <stdlib.h>

static void jstr(const char *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void jstrs(const struct str_list *l)
{
	putchar('[');
	for (uint32_t i = 0; i < l->n; i++) {
		if (i)
			putchar(',');
		jstr(l->v[i]);
	}
	putchar(']');
}

static void jbool(const char *key, bool v) { printf("\"%s\":%s", key, v ? "true" : "false"); }
static void ju64(const char *key, uint64_t v) { printf("\"%s\":\"%llu\"", key, (unsigned long long)v); }

static void jwords(const char *key, const uint64_t *v, uint32_t n)
{
	printf("\"%s\":[", key);
	for (uint32_t i = 0; i < n; i++)
		printf("%s\"%llu\"", i ? "," : "", (unsigned long long)v[i]);
	putchar(']');
}

static void jmaps(const char *key, const struct id_map *m, uint32_t n)
{
	printf("\"%s\":[", key);
	for (uint32_t i = 0; i < n; i++)
		printf("%s{\"containerID\":%u,\"hostID\":%u,\"size\":%u}", i ? "," : "", m[i].container_id,
		       m[i].host_id, m[i].size);
	putchar(']');
}

static void dump_process(const struct process_plan *pp)
{
	printf("{\"args\":");
	jstrs(&pp->args);
	printf(",\"env\":");
	jstrs(&pp->env);
	printf(",\"cwd\":");
	jstr(pp->cwd);
	printf(",\"uid\":%u,\"gid\":%u,\"additionalGids\":[", pp->uid, pp->gid);
	for (uint32_t i = 0; i < pp->n_gids; i++)
		printf("%s%u", i ? "," : "", pp->gids[i]);
	printf("],\"umask\":%d,\"rlimits\":[", pp->umask);
	for (uint32_t i = 0; i < pp->n_rlimits; i++) {
		printf("%s{\"resource\":%u,", i ? "," : "", pp->rlimits[i].resource);
		ju64("soft", pp->rlimits[i].soft);
		putchar(',');
		ju64("hard", pp->rlimits[i].hard);
		putchar('}');
	}
	printf("],\"capabilities\":");
	if (pp->has_caps) {
		putchar('{');
		ju64("bounding", pp->caps.bounding);
		putchar(',');
		ju64("effective", pp->caps.effective);
		putchar(',');
		ju64("inheritable", pp->caps.inheritable);
		putchar(',');
		ju64("permitted", pp->caps.permitted);
		putchar(',');
		ju64("ambient", pp->caps.ambient);
		putchar('}');
	} else {
		fputs("null", stdout);
	}
	putchar(',');
	jbool("noNewPrivileges", pp->no_new_privileges);
	if (pp->has_oom_score_adj)
		printf(",\"oomScoreAdj\":%d,", pp->oom_score_adj);
	else
		printf(",\"oomScoreAdj\":null,");
	jbool("terminal", pp->terminal);
	putchar(',');
	jbool("homeFromPasswd", pp->home_from_passwd);
	if (pp->apparmor_profile) {
		printf(",\"apparmorProfile\":");
		jstr(pp->apparmor_profile);
	}
	if (pp->selinux_label) {
		printf(",\"selinuxLabel\":");
		jstr(pp->selinux_label);
	}
	if (pp->has_personality)
		printf(",\"personality\":%u", pp->personality);
	if (pp->has_scheduler) {
		const struct sched_plan *sp = &pp->scheduler;
		printf(",\"scheduler\":{\"policy\":%u,", sp->policy);
		ju64("flags", sp->flags);
		printf(",\"nice\":%d,\"priority\":%u,", sp->nice, sp->priority);
		ju64("runtime", sp->runtime);
		putchar(',');
		ju64("deadline", sp->deadline);
		putchar(',');
		ju64("period", sp->period);
		putchar('}');
	}
	if (pp->has_io_priority)
		printf(",\"ioPriority\":%u", pp->io_priority);
	if (pp->has_memory_policy) {
		printf(",\"memoryPolicy\":{\"mode\":%u,", pp->mempolicy_mode);
		jwords("nodes", pp->mempolicy_nodes, pp->n_mempolicy_nodes);
		putchar('}');
	}
	if (pp->n_cpus_initial || pp->n_cpus_final) {
		printf(",\"cpuAffinity\":{");
		jwords("initial", pp->cpus_initial, pp->n_cpus_initial);
		putchar(',');
		jwords("final", pp->cpus_final, pp->n_cpus_final);
		putchar('}');
	}
	if (pp->has_console_size)
		printf(",\"consoleSize\":{\"height\":%u,\"width\":%u}}", pp->console_height, pp->console_width);
	else
		printf(",\"consoleSize\":null}");
}

static void dump_seccomp(const struct seccomp_plan *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	printf("{\"defaultAction\":%u,\"architectures\":[", s->default_action);
	for (uint32_t i = 0; i < s->n_arches; i++)
		printf("%s%u", i ? "," : "", s->arches[i]);
	printf("],\"flags\":%u,\"rules\":[", s->flags);
	for (uint32_t i = 0; i < s->n_rules; i++) {
		const struct seccomp_rule *r = &s->rules[i];
		printf("%s{\"name\":", i ? "," : "");
		jstr(r->name);
		printf(",\"action\":%u,\"args\":[", r->action);
		for (uint32_t j = 0; j < r->n_args; j++) {
			printf("%s{\"index\":%u,\"op\":%u,", j ? "," : "", r->args[j].index, r->args[j].op);
			ju64("value", r->args[j].value);
			putchar(',');
			ju64("valueTwo", r->args[j].value_two);
			putchar('}');
		}
		printf("]}");
	}
	printf("]}");
}

/* CGROUP_TASKS and CGROUP_INTO, of a PLAN or an EXEC. Absent records stay absent, as in the
 * TypeScript Plan and ExecPlan (both fields are optional there). */
static void dump_cgroup_join(const struct plan *p)
{
	if (p->cgroup_tasks.n) {
		printf(",\"cgroupTasks\":");
		jstrs(&p->cgroup_tasks);
	}
	if (p->cgroup_into) {
		printf(",\"cgroupInto\":");
		jstr(p->cgroup_into);
	}
}

static void dump_plan(const struct plan *p)
{
	printf("{\"cloneFlags\":%u,\"joins\":[", p->clone_flags);
	for (uint32_t i = 0; i < p->n_joins; i++) {
		printf("%s{\"flag\":%u,\"path\":", i ? "," : "", p->joins[i].flag);
		jstr(p->joins[i].path);
		putchar('}');
	}
	printf("],");
	jmaps("uidMappings", p->uid_maps, p->n_uid_maps);
	putchar(',');
	jmaps("gidMappings", p->gid_maps, p->n_gid_maps);
	printf(",\"rootfs\":");
	jstr(p->rootfs);
	printf(",\"setupPropagation\":%u,\"rootfsPropagation\":%u,", p->setup_propagation, p->rootfs_propagation);
	jbool("rootReadonly", p->root_readonly);
	putchar(',');
	jbool("noPivot", p->no_pivot);
	putchar(',');
	jbool("chrootOnly", p->chroot_only);
	printf(",\"mounts\":[");
	for (uint32_t i = 0; i < p->n_mounts; i++) {
		const struct mount_step *m = &p->mounts[i];
		printf("%s{\"source\":", i ? "," : "");
		jstr(m->source);
		printf(",\"destination\":");
		jstr(m->destination);
		printf(",\"fstype\":");
		jstr(m->fstype);
		printf(",\"flags\":%u,\"data\":", m->flags);
		jstr(m->data);
		printf(",\"remountFlags\":%u,\"propagation\":%u,", m->remount_flags, m->propagation);
		jbool("destIsFile", m->dest_is_file);
		putchar(',');
		jbool("destNoSymlinks", m->dest_no_symlinks);
		printf(",\"label\":");
		jstr(m->label);
		putchar('}');
	}
	printf("],\"devices\":[");
	for (uint32_t i = 0; i < p->n_devices; i++) {
		const struct device_step *d = &p->devices[i];
		printf("%s{\"path\":", i ? "," : "");
		jstr(d->path);
		printf(",\"type\":%u,\"major\":%u,\"minor\":%u,\"mode\":%u,\"uid\":%u,\"gid\":%u,", d->type, d->major,
		       d->minor, d->mode, d->uid, d->gid);
		jbool("bind", d->bind);
		putchar('}');
	}
	printf("],\"symlinks\":[");
	for (uint32_t i = 0; i < p->n_symlinks; i++) {
		printf("%s{\"target\":", i ? "," : "");
		jstr(p->symlinks[i].target);
		printf(",\"linkpath\":");
		jstr(p->symlinks[i].linkpath);
		putchar('}');
	}
	printf("],\"maskedPaths\":");
	jstrs(&p->masked);
	printf(",\"maskedTmpfsData\":");
	jstr(p->masked_tmpfs_data ? p->masked_tmpfs_data : "");
	printf(",\"readonlyPaths\":");
	jstrs(&p->readonly);
	printf(",\"hostname\":");
	jstr(p->hostname);
	printf(",\"domainname\":");
	jstr(p->domainname);
	printf(",\"sysctls\":[");
	for (uint32_t i = 0; i < p->n_sysctls; i++) {
		printf("%s[", i ? "," : "");
		jstr(p->sysctls[i].key);
		putchar(',');
		jstr(p->sysctls[i].value);
		putchar(']');
	}
	printf("],\"process\":");
	dump_process(&p->process);
	printf(",\"execFifo\":");
	jstr(p->exec_fifo);
	printf(",\"preserveFds\":%u,", p->preserve_fds);
	jbool("noNewKeyring", p->no_new_keyring);
	putchar(',');
	jbool("hooksBeforePivot", p->hooks_before_pivot);
	printf(",\"startContainerHooks\":[");
	for (uint32_t i = 0; i < p->n_start_hooks; i++) {
		const struct hook *h = &p->start_hooks[i];
		printf("%s{\"path\":", i ? "," : "");
		jstr(h->path);
		printf(",\"args\":");
		jstrs(&h->args);
		printf(",\"env\":");
		jstrs(&h->env);
		printf(",\"timeout\":%u}", h->timeout);
	}
	printf("],");
	jbool("waitForExit", p->wait_for_exit);
	printf(",\"seccomp\":");
	dump_seccomp(p->seccomp);
	printf(",\"consoleSocket\":");
	jstr(p->console_socket ? p->console_socket : "");
	printf(",\"seccompSocket\":");
	jstr(p->seccomp_socket ? p->seccomp_socket : "");
	dump_cgroup_join(p);
	printf("}\n");
}

static void dump_exec(const struct plan *p)
{
	printf("{\"pid\":%u,", p->exec_pid);
	ju64("startTime", p->exec_start_time);
	printf(",\"plan\":{\"process\":");
	dump_process(&p->process);
	printf(",\"consoleSocket\":");
	jstr(p->console_socket ? p->console_socket : "");
	if (p->seccomp_socket) {
		printf(",\"seccompSocket\":");
		jstr(p->seccomp_socket);
	}
	printf(",\"seccomp\":");
	dump_seccomp(p->seccomp);
	printf(",\"preserveFds\":%u,", p->preserve_fds);
	jbool("noNewKeyring", p->no_new_keyring);
	putchar(',');
	jbool("detach", !p->wait_for_exit);
	dump_cgroup_join(p);
	printf("}}\n");
}

static void dump_enter(const struct enter_req *r)
{
	printf("{\"pid\":%u,\"nsFlags\":%u,\"path\":", r->pid, r->ns_flags);
	jstr(r->path);
	printf(",\"args\":");
	jstrs(&r->args);
	printf(",\"env\":");
	jstrs(&r->env);
	printf(",\"cwd\":");
	jstr(r->cwd);
	printf("}\n");
}

int dump_main(void)
{
	struct frame f;
	const char *err = NULL;
	int r = frame_recv(0, &f, &err);

	if (r == 1)
		die("dump", 0, "no frame on stdin");
	if (r < 0)
		die("protocol", 0, "%s", err);
	if (f.type == MSG_PLAN) {
		struct plan p;
		if ((err = plan_decode(f.data, f.len, &p)))
			die("plan", 0, "%s", err);
		dump_plan(&p);
	} else if (f.type == MSG_EXEC) {
		struct plan p;
		if ((err = exec_decode(f.data, f.len, &p)))
			die("exec", 0, "%s", err);
		dump_exec(&p);
	} else if (f.type == MSG_ENTER) {
		struct enter_req e;
		if ((err = enter_decode(f.data, f.len, &e)))
			die("enter", 0, "%s", err);
		dump_enter(&e);
	} else {
		die("dump", 0, "message 0x%02x is not a PLAN, EXEC or ENTER", f.type);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
