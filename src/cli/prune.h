/* What `image prune` and `system prune` print the same way. */
#ifndef SV_CLI_PRUNE_H
#define SV_CLI_PRUNE_H

#include <stddef.h>

#include "image/store.h"

/* docker's "Deleted Images:" section for V (nothing when N is 0). */
void cli_print_deleted_images (struct sv_image **v, size_t n);

#endif
