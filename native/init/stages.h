/* The two processes of `tsrc-init init`: the first stage (stays outside, clones, writes id maps,
 * supervises) and the container init (sets everything up and becomes the container process). */
#ifndef TSRC_STAGES_H
#define TSRC_STAGES_H

_Noreturn void init_main(int sync_fd);

#endif
