/* Images to and from tar archives: `load`, `save` and `import`.
 *
 * Two archive formats, as docker, podman and skopeo write them:
 *   - docker-archive: manifest.json ([{"Config","RepoTags","Layers"}]), the
 *     config as a member, each layer an uncompressed (or gzip/zstd) tar
 *     member named by manifest.json; an optional legacy `repositories`.
 *   - oci-archive: a tar of an OCI image layout (oci-layout, index.json,
 *     blobs/ALGO/HEX).
 * Loading tells them apart from the content and reads the archive in one
 * streaming pass (a pipe is fine): every member goes into the store as a
 * blob as it is read, verified against its digest when its name carries
 * one (blobs/sha256/HEX).  Nothing is recorded until every image of the
 * archive has been checked and its layers unpacked; the blobs of a failed
 * load are unreferenced and go at the next gc.
 *
 * Load, import and save take the store's shared lock (sv_store_lock), as
 * pull does.  Every function returns < 0 with *err set on failure. */
#ifndef SV_IMAGE_ARCHIVE_H
#define SV_IMAGE_ARCHIVE_H

#include <jansson.h>
#include <stddef.h>

#include "image/store.h"
#include "util/err.h"

enum sv_archive_format
{
  SV_ARCHIVE_DOCKER,
  SV_ARCHIVE_OCI,
};

/* "docker-archive" / "oci-archive" to the enum; < 0 with *err otherwise. */
int sv_archive_format_parse (const char *s, enum sv_archive_format *out, struct sv_err **err);

/* One image a load recorded. */
struct sv_loaded_image
{
  char *id;    /* the config digest */
  char **tags; /* normalised tags ("docker.io/library/busybox:latest"); NULL when untagged */
};

struct sv_load_result
{
  struct sv_loaded_image *images;
  size_t n_images;
};

void sv_load_result_free (struct sv_load_result *r);

/* Load every image of the archive read from FD to its end (the archive may
 * itself be gzip/zstd/xz/bzip2 compressed).  Tags come from manifest.json's
 * RepoTags, or from index.json's io.containerd.image.name annotation, else
 * its org.opencontainers.image.ref.name when that is a full reference (a
 * bare tag such as "latest" names no repository: the image is recorded
 * untagged).  An index.json entry naming an index is resolved to the
 * host's platform.  *OUT is owned by the caller (sv_load_result_free). */
int sv_archive_load (struct sv_store *s, int fd, struct sv_load_result **out, struct sv_err **err);

/* Write the images NAMES (names or ids, as sv_store_lookup_image takes them)
 * to FD as one archive of FORMAT.  An image named by one of its tags is
 * saved with that tag; one named by id is saved untagged.  Names are
 * written in full ("docker.io/library/busybox:latest", as podman and
 * skopeo do; docker reads them too).  Layers of a
 * docker-archive are written uncompressed (their sha256 is the diff_id),
 * decompressing gzip/zstd blobs through a temporary file; an oci-archive
 * copies the blobs verbatim.  On failure FD holds a partial archive: the
 * caller writes to a temporary file and renames it (see servin save). */
int sv_archive_save (struct sv_store *s, char *const *names, enum sv_archive_format format, int fd,
                     struct sv_err **err);

/* ---- import ---- */

struct sv_import_opts
{
  char *const *changes; /* Dockerfile-like instructions (--change), may be NULL */
  const char *message;  /* history comment; NULL: "Imported from SOURCE" */
  const char *source;   /* what the comment names ("-" for stdin) */
  const char *platform; /* "os/arch[/variant]"; NULL: the host's */
  const char *tag;      /* normalised tag to record; NULL: untagged */
};

/* Make a one-layer image from the root filesystem tarball read from FD
 * (plain, gzip, zstd, xz or bzip2): the layer is stored uncompressed, with
 * an OCI config and manifest written here.  *ID (may be NULL) gets the
 * image id ("sha256:..."), owned by the caller. */
int sv_image_import (struct sv_store *s, int fd, const struct sv_import_opts *o, char **id,
                     struct sv_err **err);

/* Apply one --change instruction to CONFIG, the "config" object of an image
 * config (Cmd, Entrypoint, Env, ExposedPorts, Labels, StopSignal, User,
 * Volumes, WorkingDir): CMD, ENTRYPOINT (JSON array, or shell form run by
 * ["/bin/sh","-c",...]), ENV k=v... or ENV k v, EXPOSE port[/proto]...,
 * LABEL k=v..., STOPSIGNAL, USER, VOLUME, WORKDIR (relative to the last
 * one).  Instruction names are case-insensitive; values may be quoted as
 * in a Dockerfile.  On error CONFIG is unchanged. */
int sv_import_apply_change (json_t *config, const char *change, struct sv_err **err);

#endif
