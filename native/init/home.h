/* HOME from the container's /etc/passwd, as runc sets it when process.env has none. */
#ifndef TSRC_HOME_H
#define TSRC_HOME_H

#include "plan.h"

/* pp->env, plus HOME=<the home directory of pp->uid in /etc/passwd, or "/"> when the plan asks
 * for it (pp->home_from_passwd). Reads the passwd of the root the caller now stands in, so it
 * runs after the root switch (or, for exec, after entering the container). */
char *const *home_env(const struct process_plan *pp);

#endif
