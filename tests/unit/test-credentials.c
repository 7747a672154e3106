/* Unit tests for image/credentials.c: docker's config.json auths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/credentials.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

static char dir[] = "/tmp/servin-test-creds.XXXXXX";

static int
setup (void **state)
{
  strcpy (dir, "/tmp/servin-test-creds.XXXXXX");
  if (mkdtemp (dir) == NULL)
    return -1;
  setenv ("DOCKER_CONFIG", dir, 1);
  return 0;
}

static int
teardown (void **state)
{
  _cleanup_free_ char *cmd = xasprintf ("rm -rf '%s'", dir);
  return system (cmd) == 0 ? 0 : -1;
}

static char *
config_path (void)
{
  return xasprintf ("%s/config.json", dir);
}

static json_t *
load_config (void)
{
  _cleanup_free_ char *path = config_path ();
  _cleanup_err_ struct sv_err *err = NULL;
  json_t *j = NULL;
  assert_int_equal (sv_json_load_file_at (AT_FDCWD, path, &j, &err), 0);
  return j;
}

static void
test_keys (void **state)
{
  static const struct
  {
    const char *in, *key;
  } cases[] = {
    { NULL, SV_DOCKER_HUB_AUTH_KEY },
    { "docker.io", SV_DOCKER_HUB_AUTH_KEY },
    { "index.docker.io", SV_DOCKER_HUB_AUTH_KEY },
    { "https://index.docker.io/v1/", SV_DOCKER_HUB_AUTH_KEY },
    { "registry-1.docker.io", SV_DOCKER_HUB_AUTH_KEY },
    { "127.0.0.1:5000", "127.0.0.1:5000" },
    { "http://127.0.0.1:5000/v2/", "127.0.0.1:5000" },
    { "https://quay.io", "quay.io" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      _cleanup_free_ char *k = sv_credentials_key (cases[i].in);
      assert_string_equal (k, cases[i].key);
    }
}

static void
test_path (void **state)
{
  _cleanup_free_ char *p = NULL, *want = config_path ();
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_credentials_path (&p, &err), 0);
  assert_string_equal (p, want);
}

/* No file: nothing found, not an error; set creates it 0600. */
static void
test_set_get_mode (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  char *u = NULL, *p = NULL;
  assert_int_equal (sv_credentials_get ("127.0.0.1:5000", &u, &p, &err), 0);
  assert_null (u);

  assert_int_equal (sv_credentials_set ("127.0.0.1:5000", "alice", "s3cret:x", &err), 0);
  _cleanup_free_ char *path = config_path ();
  struct stat st;
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0600);

  _cleanup_json_ json_t *j = load_config ();
  const char *auth = json_string_value (
      json_object_get (json_object_get (json_object_get (j, "auths"), "127.0.0.1:5000"), "auth"));
  assert_non_null (auth);
  assert_string_equal (auth, "YWxpY2U6czNjcmV0Ong="); /* base64("alice:s3cret:x") */

  _cleanup_free_ char *u2 = NULL, *p2 = NULL;
  assert_int_equal (sv_credentials_get ("http://127.0.0.1:5000", &u2, &p2, &err), 1);
  assert_string_equal (u2, "alice");
  assert_string_equal (p2, "s3cret:x");

  /* Another registry has nothing. */
  assert_int_equal (sv_credentials_get ("127.0.0.1:5001", &u, &p, &err), 0);
}

/* Other keys of the file, and other entries' fields, survive set and remove. */
static void
test_keeps_other_keys (void **state)
{
  _cleanup_free_ char *path = config_path ();
  const char *orig = "{\"credsStore\":\"\",\"proxies\":{\"default\":{\"httpProxy\":\"x\"}},"
                     "\"auths\":{\"quay.io\":{\"auth\":\"dTpw\",\"email\":\"e@x\"},"
                     "\"127.0.0.1:5000\":{\"auth\":\"b2xkOm9sZA==\",\"identitytoken\":\"t\"}}}";
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_write_file_at (AT_FDCWD, path, orig, strlen (orig), 0644, &err), 0);

  assert_int_equal (sv_credentials_set ("127.0.0.1:5000", "new", "pw", &err), 0);
  {
    _cleanup_json_ json_t *j = load_config ();
    assert_non_null (json_object_get (j, "credsStore"));
    assert_string_equal (
        json_string_value (json_object_get (
            json_object_get (json_object_get (j, "proxies"), "default"), "httpProxy")),
        "x");
    json_t *auths = json_object_get (j, "auths");
    assert_string_equal (
        json_string_value (json_object_get (json_object_get (auths, "quay.io"), "email")), "e@x");
    json_t *mine = json_object_get (auths, "127.0.0.1:5000");
    assert_string_equal (json_string_value (json_object_get (mine, "auth")), "bmV3OnB3");
    assert_string_equal (json_string_value (json_object_get (mine, "identitytoken")), "t");
  }
  struct stat st;
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0600);

  assert_int_equal (sv_credentials_remove ("127.0.0.1:5000", &err), 1);
  assert_int_equal (sv_credentials_remove ("127.0.0.1:5000", &err), 0);
  _cleanup_json_ json_t *j = load_config ();
  json_t *auths = json_object_get (j, "auths");
  assert_null (json_object_get (auths, "127.0.0.1:5000"));
  assert_non_null (json_object_get (auths, "quay.io"));
  assert_non_null (json_object_get (j, "proxies"));

  char *u = NULL, *p = NULL;
  assert_int_equal (sv_credentials_get ("127.0.0.1:5000", &u, &p, &err), 0);
  _cleanup_free_ char *qu = NULL, *qp = NULL;
  assert_int_equal (sv_credentials_get ("quay.io", &qu, &qp, &err), 1);
  assert_string_equal (qu, "u");
  assert_string_equal (qp, "p");
}

/* Docker Hub under its historical key; a scheme-prefixed key is found. */
static void
test_docker_hub_and_spellings (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_credentials_set ("docker.io", "hub", "pw", &err), 0);
  _cleanup_json_ json_t *j = load_config ();
  assert_non_null (json_object_get (json_object_get (j, "auths"), SV_DOCKER_HUB_AUTH_KEY));
  _cleanup_free_ char *u = NULL, *p = NULL;
  assert_int_equal (sv_credentials_get ("index.docker.io", &u, &p, &err), 1);
  assert_string_equal (u, "hub");

  _cleanup_free_ char *path = config_path ();
  const char *doc = "{\"auths\":{\"https://reg.example:444\":{\"auth\":\"YTpi\"}}}";
  assert_int_equal (sv_write_file_at (AT_FDCWD, path, doc, strlen (doc), 0600, &err), 0);
  _cleanup_free_ char *u2 = NULL, *p2 = NULL;
  assert_int_equal (sv_credentials_get ("reg.example:444", &u2, &p2, &err), 1);
  assert_string_equal (u2, "a");
  assert_string_equal (p2, "b");
  assert_int_equal (sv_credentials_remove ("reg.example:444", &err), 1);
}

/* A broken file is an error, not "no credentials". */
static void
test_broken_file (void **state)
{
  _cleanup_free_ char *path = config_path ();
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_write_file_at (AT_FDCWD, path, "{nope", 5, 0600, &err), 0);
  char *u = NULL, *p = NULL;
  assert_true (sv_credentials_get ("127.0.0.1:5000", &u, &p, &err) < 0);
  assert_null (u);
  assert_non_null (err);
  sv_err_free (&err);

  const char *bad_auth = "{\"auths\":{\"h:1\":{\"auth\":\"bm9jb2xvbg==\"}}}"; /* "nocolon" */
  assert_int_equal (sv_write_file_at (AT_FDCWD, path, bad_auth, strlen (bad_auth), 0600, &err), 0);
  assert_true (sv_credentials_get ("h:1", &u, &p, &err) < 0);
  assert_non_null (strstr (err->msg, "h:1"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_keys),
    cmocka_unit_test_setup_teardown (test_path, setup, teardown),
    cmocka_unit_test_setup_teardown (test_set_get_mode, setup, teardown),
    cmocka_unit_test_setup_teardown (test_keeps_other_keys, setup, teardown),
    cmocka_unit_test_setup_teardown (test_docker_hub_and_spellings, setup, teardown),
    cmocka_unit_test_setup_teardown (test_broken_file, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
