/* Unit tests for image/import-change.c: the --change instructions of
 * `servin import`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "image/archive.h"
#include "util/cleanup.h"
#include "util/json.h"

struct change_case
{
  const char *changes[4]; /* applied in order to an empty config */
  const char *want;       /* the config as compact JSON with sorted keys; NULL: error */
  const char *error;      /* a substring of the error */
};

static const struct change_case cases[] = {
  { { "CMD [\"/bin/sh\"]" }, "{\"Cmd\":[\"/bin/sh\"]}", NULL },
  { { "cmd   echo hi there  " }, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi there\"]}", NULL },
  { { "CMD [\"a\", 1]" }, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"[\\\"a\\\", 1]\"]}", NULL },
  { { "CMD [not json" }, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"[not json\"]}", NULL },
  { { "ENTRYPOINT [\"/bin/busybox\",\"sh\"]", "CMD []" },
    "{\"Cmd\":[],\"Entrypoint\":[\"/bin/busybox\",\"sh\"]}",
    NULL },
  { { "ENV A=b" }, "{\"Env\":[\"A=b\"]}", NULL },
  { { "ENV A=b", "ENV A=c B=\"x y\"" }, "{\"Env\":[\"A=c\",\"B=x y\"]}", NULL },
  { { "ENV PATH /usr/bin:/bin" }, "{\"Env\":[\"PATH=/usr/bin:/bin\"]}", NULL },
  { { "ENV K two words" }, "{\"Env\":[\"K=two words\"]}", NULL },
  { { "ENV A=1 \\\"q\\\"=2" }, "{\"Env\":[\"A=1\",\"\\\"q\\\"=2\"]}", NULL },
  { { "ENV E=" }, "{\"Env\":[\"E=\"]}", NULL },
  { { "LABEL a=b 'c d'=e" }, "{\"Labels\":{\"a\":\"b\",\"c d\":\"e\"}}", NULL },
  { { "EXPOSE 80 53/UDP 8000-8010/tcp" },
    "{\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{},\"8000-8010/tcp\":{}}}",
    NULL },
  { { "WORKDIR /app", "WORKDIR sub" }, "{\"WorkingDir\":\"/app/sub\"}", NULL },
  { { "WORKDIR rel" }, "{\"WorkingDir\":\"/rel\"}", NULL },
  { { "USER 1000:1000" }, "{\"User\":\"1000:1000\"}", NULL },
  { { "STOPSIGNAL SIGTERM" }, "{\"StopSignal\":\"SIGTERM\"}", NULL },
  { { "VOLUME [\"/data\", \"/logs\"]" }, "{\"Volumes\":{\"/data\":{},\"/logs\":{}}}", NULL },
  { { "VOLUME /a /b" }, "{\"Volumes\":{\"/a\":{},\"/b\":{}}}", NULL },
  { { "RUN make" }, NULL, "unsupported instruction `RUN`" },
  { { "" }, NULL, "unsupported instruction ``" },
  { { "CMD" }, NULL, "--change `CMD`: missing argument" },
  { { "ENV" }, NULL, "missing argument" },
  { { "ENV A" }, NULL, "expected NAME=VALUE or NAME VALUE" },
  { { "ENV A=b =c" }, NULL, "expected NAME=VALUE, got `=c`" },
  { { "ENV A=\"b" }, NULL, "unterminated \" quote" },
  { { "EXPOSE 80/http" }, NULL, "invalid port `80/http`" },
  { { "EXPOSE abc" }, NULL, "invalid port `abc`" },
  { { "EXPOSE 123456" }, NULL, "invalid port" },
  { { "STOPSIGNAL TERM KILL" }, NULL, "expected one signal" },
};

static char *
apply_all (const struct change_case *c, struct sv_err **err)
{
  _cleanup_json_ json_t *cfg = json_object ();
  for (size_t i = 0; i < 4 && c->changes[i]; i++)
    if (sv_import_apply_change (cfg, c->changes[i], err) < 0)
      return NULL;
  return json_dumps (cfg, JSON_COMPACT | JSON_SORT_KEYS);
}

static void
test_cases (void **state)
{
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      const struct change_case *c = &cases[i];
      struct sv_err *err = NULL;
      _cleanup_free_ char *got = apply_all (c, &err);
      if (c->want)
        {
          if (got == NULL)
            fail_msg ("case %zu (%s): unexpected error: %s", i, c->changes[0], err->msg);
          if (strcmp (got, c->want) != 0)
            fail_msg ("case %zu (%s): got %s, want %s", i, c->changes[0], got, c->want);
        }
      else
        {
          if (got != NULL)
            fail_msg ("case %zu (%s): expected an error, got %s", i, c->changes[0], got);
          assert_non_null (err);
          if (strstr (err->msg, c->error) == NULL)
            fail_msg ("case %zu: error `%s` lacks `%s`", i, err->msg, c->error);
        }
      sv_err_free (&err);
    }
}

/* A failing instruction leaves what earlier ones set alone. */
static void
test_error_keeps_config (void **state)
{
  _cleanup_json_ json_t *cfg = json_object ();
  struct sv_err *err = NULL;
  assert_int_equal (sv_import_apply_change (cfg, "ENV A=1", &err), 0);
  assert_true (sv_import_apply_change (cfg, "ENV B=2 bad", &err) < 0);
  sv_err_free (&err);
  assert_true (sv_import_apply_change (cfg, "EXPOSE 80 nope", &err) < 0);
  sv_err_free (&err);
  _cleanup_free_ char *got = json_dumps (cfg, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal (got, "{\"Env\":[\"A=1\"]}");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_cases),
    cmocka_unit_test (test_error_keeps_config),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
