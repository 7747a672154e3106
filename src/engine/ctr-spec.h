/* The OCI config.json of an engine container: docker's defaults (its
 * capability set, seccomp profile, masked paths, device rules, /dev/shm),
 * the image's config (command, environment, user, working directory), and
 * what the user asked for in docker's {"Config","HostConfig"} shape. */
#ifndef SV_ENGINE_CTR_SPEC_H
#define SV_ENGINE_CTR_SPEC_H

#include <jansson.h>

#include "image/manifest.h"
#include "util/err.h"

struct sv_spec_input
{
  const char *id;
  json_t *config;                      /* {"Config":..., "HostConfig":...} */
  const struct sv_image_config *image; /* may be NULL (no image config) */
  const char *rootfs;                  /* the mounted root, absolute */
  int rootfd;                          /* fd of ROOTFS (to resolve users) */
  const char *ctr_dir;                 /* DATA/containers/ID: hostname, hosts, resolv.conf */
  const char *volumes_dir;             /* DATA/volumes */
  const char *cgroup_parent;           /* "servin" or "servin-KEY" */
  const char *init_path;               /* servin-init for --init, or NULL */
  const char *netns_path;              /* a network namespace to join, or NULL */
};

/* Build the spec; *out owned by the caller.  Errors name the field (an
 * unknown user, an empty command, a bad mount). */
int sv_ctr_spec (const struct sv_spec_input *in, json_t **out, struct sv_err **err);

/* The effective command (entrypoint + cmd) of CONFIG over IMAGE, as a JSON
 * array (new reference); empty when there is none. */
json_t *sv_ctr_command (json_t *config, const struct sv_image_config *image);

#endif
