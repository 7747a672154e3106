/* Unit tests for the image store (image/store*.c): blobs are verified
 * before they get a name, layers are unpacked once and shared, image
 * records appear only when complete, names move between images, lookups
 * follow docker's rules, and gc removes exactly what nothing references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct fixture
{
  char root[64];
  struct sv_store *s;
};

static int
setup (void **state)
{
  struct fixture *f = xmalloc0 (sizeof *f);
  strcpy (f->root, "/tmp/servin-test-store-XXXXXX");
  assert_non_null (mkdtemp (f->root));
  struct sv_err *err = NULL;
  assert_int_equal (sv_store_open (f->root, &f->s, &err), 0);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  struct fixture *f = *state;
  sv_store_close (f->s);
  sv_rm_rf_at (AT_FDCWD, f->root, NULL);
  free (f);
  return 0;
}

/* A one-file uncompressed tar: NAME holding CONTENT. */
static char *
make_tar (const char *name, const char *content, size_t *len)
{
  size_t cap = 64 * 1024;
  char *buf = xmalloc (cap);
  struct archive *a = archive_write_new ();
  archive_write_set_format_pax_restricted (a);
  archive_write_open_memory (a, buf, cap, len);
  struct archive_entry *e = archive_entry_new ();
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_size (e, (la_int64_t)strlen (content));
  archive_entry_set_mtime (e, 1500000000, 0);
  archive_write_header (a, e);
  archive_write_data (a, content, strlen (content));
  archive_entry_free (e);
  archive_write_close (a);
  archive_write_free (a);
  return buf;
}

static char *
put (struct sv_store *s, const char *data, size_t len)
{
  struct sv_err *err = NULL;
  char *digest = NULL;
  assert_int_equal (sv_store_put_blob (s, data, len, NULL, &digest, &err), 0);
  return digest;
}

/* Store a one-layer image whose file NAME holds CONTENT; returns the
 * manifest digest. */
static char *
make_image (struct sv_store *s, const char *name, const char *content, const char *created)
{
  size_t len;
  _cleanup_free_ char *tar = make_tar (name, content, &len);
  _cleanup_free_ char *layer = put (s, tar, len);
  _cleanup_free_ char *config_json = xasprintf (
      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"%s\","
      "\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
      created, layer);
  _cleanup_free_ char *config = put (s, config_json, strlen (config_json));
  _cleanup_free_ char *manifest_json = xasprintf (
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
      "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
      "\"size\":%zu},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
      "\"digest\":\"%s\",\"size\":%zu}]}",
      config, strlen (config_json), layer, len);
  struct sv_err *err = NULL;
  assert_int_equal (sv_store_unpack_layer (s, layer, layer, &err), 0);
  return put (s, manifest_json, strlen (manifest_json));
}

static void
test_blob_verified (void **state)
{
  struct fixture *f = *state;
  struct sv_err *err = NULL;
  _cleanup_free_ char *good = NULL;
  assert_int_equal (sv_digest_buffer (SV_DIGEST_SHA256, "hello", 5, &good, &err), 0);
  /* Wrong content for the digest: refused, and nothing gets the name. */
  assert_true (sv_store_put_blob (f->s, "hellO", 5, good, NULL, &err) < 0);
  assert_int_equal (err->code, EBADMSG);
  assert_non_null (strstr (err->msg, "digest mismatch"));
  sv_err_free (&err);
  assert_false (sv_store_has_blob (f->s, good, NULL));
  /* Too long for the announced size: refused at the write. */
  struct sv_blob_writer *w = NULL;
  assert_int_equal (sv_blob_writer_new (f->s, good, 5, &w, &err), 0);
  assert_true (sv_blob_writer_write (w, "hello!", 6, &err) < 0);
  sv_err_free (&err);
  sv_blob_writer_free (w);
  /* Short: refused at commit. */
  assert_int_equal (sv_blob_writer_new (f->s, good, 5, &w, &err), 0);
  assert_int_equal (sv_blob_writer_write (w, "hell", 4, &err), 0);
  assert_true (sv_blob_writer_commit (w, NULL, &err) < 0);
  sv_err_free (&err);
  sv_blob_writer_free (w);
  assert_false (sv_store_has_blob (f->s, good, NULL));
  /* Right: stored; storing it again is fine. */
  int64_t size = 0;
  assert_int_equal (sv_store_put_blob (f->s, "hello", 5, good, NULL, &err), 0);
  assert_int_equal (sv_store_put_blob (f->s, "hello", 5, good, NULL, &err), 0);
  assert_true (sv_store_has_blob (f->s, good, &size));
  assert_int_equal (size, 5);
  /* Nothing else is left in the blob directory (no temporary files). */
  _cleanup_free_ char *dir = xasprintf ("%s/blobs/sha256", f->root);
  char cmd[256];
  snprintf (cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 1", dir);
  assert_int_equal (system (cmd), 0);
}

static void
test_layer_diff_id_checked (void **state)
{
  struct fixture *f = *state;
  struct sv_err *err = NULL;
  size_t len;
  _cleanup_free_ char *tar = make_tar ("a", "x", &len);
  _cleanup_free_ char *blob = put (f->s, tar, len);
  const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  assert_true (sv_store_unpack_layer (f->s, blob, wrong, &err) < 0);
  assert_non_null (strstr (err->msg, "digest mismatch"));
  sv_err_free (&err);
  assert_false (sv_store_has_layer (f->s, wrong, NULL));
  /* No directory is left behind, not even a temporary one. */
  char cmd[256];
  snprintf (cmd, sizeof cmd, "test -z \"$(ls -A %s/layers)\"", f->root);
  assert_int_equal (system (cmd), 0);
  assert_int_equal (sv_store_unpack_layer (f->s, blob, blob, &err), 0);
  int64_t size = -1;
  assert_true (sv_store_has_layer (f->s, blob, &size));
  assert_int_equal (size, 1);
  _cleanup_free_ char *path = sv_store_layer_path (f->s, blob);
  _cleanup_free_ char *file = xasprintf ("%s/a", path);
  assert_int_equal (access (file, F_OK), 0);
}

static void
test_add_lookup_names (void **state)
{
  struct fixture *f = *state;
  struct sv_err *err = NULL;
  _cleanup_free_ char *m1 = make_image (f->s, "one", "1", "2024-01-01T00:00:00Z");
  _cleanup_free_ char *m2 = make_image (f->s, "two", "22", "2025-01-01T00:00:00Z");
  _cleanup_free_ char *id1 = NULL, *id2 = NULL;
  struct sv_image_add a1 = { .manifest_digest = m1, .tag = "docker.io/library/busybox:latest" };
  assert_int_equal (sv_store_add_image (f->s, &a1, &id1, &err), 0);
  struct sv_image_add a2
      = { .manifest_digest = m2,
          .tag = "docker.io/library/busybox:latest",
          .repo_digest = "docker.io/library/busybox@sha256:"
                         "1111111111111111111111111111111111111111111111111111111111111111",
          .repo_digest_blob = m2 };
  assert_int_equal (sv_store_add_image (f->s, &a2, &id2, &err), 0);
  /* The tag moved to the second image; the first is dangling. */
  struct sv_image *img = NULL;
  assert_int_equal (sv_store_lookup_image (f->s, "busybox", &img, &err), 0);
  assert_string_equal (img->id, id2);
  assert_int_equal (img->size, 2);
  assert_string_equal (img->arch, "amd64");
  assert_non_null (img->repo_digests);
  sv_image_free (img);
  assert_int_equal (sv_store_lookup_image (f->s, id1 + 7, &img, &err), 0); /* full hex */
  assert_null (img->repo_tags);
  sv_image_free (img);
  _cleanup_free_ char *prefix = xstrndup (id1 + 7, 6);
  assert_int_equal (sv_store_lookup_image (f->s, prefix, &img, &err), 0);
  assert_string_equal (img->id, id1);
  sv_image_free (img);
  /* By the manifest digest, with a name. */
  _cleanup_free_ char *by_digest = xasprintf ("busybox@%s", m1);
  assert_int_equal (sv_store_lookup_image (f->s, by_digest, &img, &err), 0);
  assert_string_equal (img->id, id1);
  sv_image_free (img);
  assert_true (sv_store_lookup_image (f->s, "nosuch", &img, &err) < 0);
  assert_int_equal (err->code, ENOENT);
  assert_string_equal (err->msg, "no such image: nosuch");
  sv_err_free (&err);
  /* Newest first. */
  struct sv_image **v = NULL;
  size_t n = 0;
  assert_int_equal (sv_store_list_images (f->s, &v, &n, &err), 0);
  assert_int_equal (n, 2);
  assert_string_equal (v[0]->id, id2);
  sv_image_list_free (v, n);
}

static void
test_incomplete_image_refused (void **state)
{
  struct fixture *f = *state;
  struct sv_err *err = NULL;
  _cleanup_free_ char *m = make_image (f->s, "x", "y", "2024-01-01T00:00:00Z");
  /* Remove the unpacked layer: the image is no longer complete. */
  _cleanup_free_ char *layers = xasprintf ("%s/layers", f->root);
  assert_int_equal (sv_rm_rf_at (AT_FDCWD, layers, NULL), 0);
  assert_int_equal (mkdir (layers, 0700), 0);
  sv_store_close (f->s);
  assert_int_equal (sv_store_open (f->root, &f->s, &err), 0);
  struct sv_image_add a = { .manifest_digest = m, .tag = "docker.io/library/x:latest" };
  assert_true (sv_store_add_image (f->s, &a, NULL, &err) < 0);
  assert_non_null (strstr (err->msg, "is not in the store"));
  sv_err_free (&err);
  struct sv_image **v = NULL;
  size_t n = 9;
  assert_int_equal (sv_store_list_images (f->s, &v, &n, &err), 0);
  assert_int_equal (n, 0);
  free (v);
}

static void
test_gc_keeps_shared (void **state)
{
  struct fixture *f = *state;
  struct sv_err *err = NULL;
  _cleanup_free_ char *m1 = make_image (f->s, "shared", "s", "2024-01-01T00:00:00Z");
  _cleanup_free_ char *m2 = make_image (f->s, "other", "o", "2024-01-02T00:00:00Z");
  _cleanup_free_ char *id1 = NULL, *id2 = NULL;
  struct sv_image_add a1 = { .manifest_digest = m1, .tag = "docker.io/library/a:1" };
  struct sv_image_add a2 = { .manifest_digest = m2, .tag = "docker.io/library/b:1" };
  assert_int_equal (sv_store_add_image (f->s, &a1, &id1, &err), 0);
  assert_int_equal (sv_store_add_image (f->s, &a2, &id2, &err), 0);
  /* An orphan blob goes at gc; image blobs stay. */
  _cleanup_free_ char *orphan = put (f->s, "orphan", 6);
  int64_t freed = 0;
  assert_int_equal (sv_store_gc (f->s, &freed, &err), 0);
  assert_false (sv_store_has_blob (f->s, orphan, NULL));
  assert_true (sv_store_has_blob (f->s, m1, NULL));
  assert_int_equal (freed, 6);
  /* Deleting one image frees its content only. */
  assert_int_equal (sv_store_delete_image (f->s, id1, &err), 0);
  assert_int_equal (sv_store_gc (f->s, NULL, &err), 0);
  assert_false (sv_store_has_blob (f->s, m1, NULL));
  assert_false (sv_store_has_blob (f->s, id1, NULL));
  assert_true (sv_store_has_blob (f->s, m2, NULL));
  assert_true (sv_store_has_blob (f->s, id2, NULL));
  struct sv_image *img = NULL;
  assert_int_equal (sv_store_lookup_image (f->s, "b:1", &img, &err), 0);
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  _cleanup_image_config_ struct sv_image_config *c = NULL;
  assert_int_equal (sv_store_image_docs (f->s, img, &m, &c, &err), 0);
  assert_true (sv_store_has_layer (f->s, c->diff_ids[0], NULL));
  sv_image_free (img);
  assert_true (sv_store_lookup_image (f->s, "a:1", &img, &err) < 0);
  sv_err_free (&err);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_blob_verified, setup, teardown),
    cmocka_unit_test_setup_teardown (test_layer_diff_id_checked, setup, teardown),
    cmocka_unit_test_setup_teardown (test_add_lookup_names, setup, teardown),
    cmocka_unit_test_setup_teardown (test_incomplete_image_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (test_gc_keeps_shared, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
