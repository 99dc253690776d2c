/* The calls native/fast serves. Each returns an exit status, or FALLBACK when the call is not the
 * simple case it handles: then nothing has been changed and Node runs the call from the start
 * (so every error message is the TypeScript one). Once a command has acted, it finishes or
 * reports its own error. */
#ifndef TSRC_FAST_COMMANDS_H
#define TSRC_FAST_COMMANDS_H

#include "cli.h"

#define FALLBACK (-1)

int cmd_state(const char *root, const struct parsed *p);
int cmd_start(const char *root, const struct parsed *p);
int cmd_kill(const char *root, const struct parsed *p);
int cmd_delete(const char *root, const struct parsed *p);
int cmd_pause(const char *root, const struct parsed *p);
int cmd_resume(const char *root, const struct parsed *p);
int cmd_list(const char *root, const struct parsed *p);
int cmd_features(const char *root, const struct parsed *p);

#endif
