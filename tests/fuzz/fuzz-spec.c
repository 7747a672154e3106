/* libFuzzer harness: config.json bytes -> sv_spec_parse.  Any input must
 * give a spec or an error, never a crash, leak or undefined behaviour.
 * Build: meson setup build-fuzz -Dfuzz=true (with CC=clang), then run
 * build-fuzz/tests/fuzz/fuzz-spec tests/fuzz/corpus-spec. */
#include <stddef.h>
#include <stdint.h>

#include "runtime/spec.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  json_t *j = NULL;
  struct sv_err *err = NULL;
  if (sv_json_load_buffer ((const char *)data, size, "fuzz", &j, &err) < 0)
    {
      sv_err_free (&err);
      return 0;
    }
  struct sv_spec *spec = NULL;
  if (sv_spec_parse (j, &spec, &err) == 0)
    sv_spec_free (spec);
  sv_err_free (&err);
  json_decref (j);
  return 0;
}
