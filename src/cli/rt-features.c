#include "cli/rt.h"
#include "runtime/features.h"

int
rt_features (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  int c, next;
  static const struct option none[] = { { 0 } };
  while ((c = rt_getopt (argc, argv, "features", none, &next, err)) != -1)
    if (c == -2)
      return 1;
  if (rt_operands (argc, argv, next, 0, "features", "", err) < 0)
    return 1;
  json_t *j = sv_features ();
  rt_print_json (j, true);
  json_decref (j);
  return 0;
}
