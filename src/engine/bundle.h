/* An OCI bundle from an image, for `servin-runtime run`: DIR/rootfs holds
 * the image's layers applied in order on a plain directory (the copy
 * fallback: no overlayfs needed), and DIR/config.json is the default spec
 * with the image's command, environment, working directory and user. */
#ifndef SV_ENGINE_BUNDLE_H
#define SV_ENGINE_BUNDLE_H

#include "image/store.h"
#include "util/err.h"

/* DIR may exist but must not hold rootfs or config.json.  On failure what
 * was created is removed. */
int sv_image_bundle (struct sv_store *s, const struct sv_image *img, const char *dir,
                     struct sv_err **err);

#endif
