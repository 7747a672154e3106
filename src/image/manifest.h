/* OCI / Docker schema2 manifests, indexes and image configs.
 *
 * One parser takes a registry or layout document and says what it is: an
 * image manifest (OCI or Docker schema2) or an index (OCI index or Docker
 * manifest list).  Docker schema1 is refused.  Every descriptor is checked
 * (mediaType present, digest valid, size >= 0); layers must have a media
 * type Servin can unpack.  Strings and vectors in the structs below are
 * owned by the struct; "annotations" and "labels" are NULL-terminated
 * vectors of "key=value". */
#ifndef SV_IMAGE_MANIFEST_H
#define SV_IMAGE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/platform.h"
#include "util/err.h"

#define SV_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define SV_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define SV_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define SV_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define SV_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define SV_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define SV_MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define SV_MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

enum sv_manifest_kind
{
  SV_MANIFEST_IMAGE,
  SV_MANIFEST_INDEX,
};

enum sv_compression
{
  SV_COMPRESSION_NONE,
  SV_COMPRESSION_GZIP,
  SV_COMPRESSION_ZSTD,
};

struct sv_descriptor
{
  char *media_type;
  char *digest;
  int64_t size;
  char **urls;
  char **annotations;
  struct sv_platform *platform; /* as written in the document, not normalised; may be NULL */
  /* Layers only: how the blob is compressed, and whether it is a
   * foreign/non-distributable layer (fetched from urls, not the registry). */
  enum sv_compression compression;
  bool foreign;
};

struct sv_manifest
{
  enum sv_manifest_kind kind;
  char *media_type; /* the effective type (document, else hint, else OCI by shape) */
  char **annotations;
  /* SV_MANIFEST_IMAGE */
  struct sv_descriptor config;
  struct sv_descriptor *layers;
  size_t n_layers;
  /* SV_MANIFEST_INDEX */
  struct sv_descriptor *manifests;
  size_t n_manifests;
};

/* Parse BUF.  MEDIA_TYPE_HINT (may be NULL) is what the transport said, e.g.
 * an HTTP Content-Type; it is used when the document has no mediaType (umoci
 * writes none) and must agree with the document on manifest vs index.
 * Without either, the kind is told from the fields (manifests vs layers). */
int sv_manifest_parse (const char *buf, size_t len, const char *media_type_hint,
                       struct sv_manifest **out, struct sv_err **err);
void sv_manifest_free (struct sv_manifest *m);

/* Whether MEDIA_TYPE names an image manifest / an index (OCI or Docker). */
bool sv_media_type_is_manifest (const char *media_type);
bool sv_media_type_is_index (const char *media_type);

/* The value of annotation KEY, or NULL. */
const char *sv_descriptor_annotation (const struct sv_descriptor *d, const char *key);

/* Pick the entry of INDEX that best serves WANTED (see sv_platform_match);
 * ties go to the first.  An entry without a platform is taken only when no
 * entry matches, and the caller must then check the config's os/arch.
 * *out points into INDEX.  When nothing fits, the error lists the platforms
 * the index has (code ENOENT). */
int sv_index_select (const struct sv_manifest *index, const struct sv_platform *wanted,
                     const struct sv_descriptor **out, struct sv_err **err);

struct sv_history
{
  char *created;
  char *created_by;
  char *author;
  char *comment;
  bool empty_layer;
};

struct sv_image_config
{
  char *architecture;
  char *os;
  char *variant;
  char *created;
  char *author;
  /* "config": the defaults for a container of this image. */
  char *user;
  char **env;
  char **entrypoint; /* NULL when absent or null; an empty vector when [] */
  char **cmd;
  char *working_dir;
  char **exposed_ports; /* "80/tcp" */
  char **volumes;       /* "/data" */
  char **labels;
  char *stop_signal;
  /* "rootfs" */
  char **diff_ids;
  size_t n_diff_ids;
  struct sv_history *history;
  size_t n_history;
};

/* Parse an image config (OCI image config or Docker container image v1). */
int sv_image_config_parse (const char *buf, size_t len, struct sv_image_config **out,
                           struct sv_err **err);
void sv_image_config_free (struct sv_image_config *c);

/* Check that CONFIG belongs to MANIFEST: one diff_id per layer.  Returns 0
 * or < 0 with *err set. */
int sv_manifest_check_config (const struct sv_manifest *manifest,
                              const struct sv_image_config *config, struct sv_err **err);

static inline void
sv_manifest_freep (struct sv_manifest **m)
{
  sv_manifest_free (*m);
}
static inline void
sv_image_config_freep (struct sv_image_config **c)
{
  sv_image_config_free (*c);
}
#define _cleanup_manifest_ __attribute__ ((cleanup (sv_manifest_freep)))
#define _cleanup_image_config_ __attribute__ ((cleanup (sv_image_config_freep)))

#endif
