/* The runtime binary as the container can see it (CVE-2019-5736). */
#ifndef TSRC_SEALED_H
#define TSRC_SEALED_H

/* Re-executes tsrc-init from a sealed memfd copy of itself unless it already runs from one, then
 * makes the process non-dumpable. Called first by every mode that enters a container's
 * namespaces. Returns only when running sealed. */
void sealed_self(char **argv);
/* Makes the process dumpable again: inside a user namespace the process must own its own /proc
 * files (they belong to host root while it is non-dumpable) to use /proc/self/fd. */
void dumpable_for_userns(void);

#endif
