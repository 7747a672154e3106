#include "cli/rt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct option list_opts[] = {
  { "format", required_argument, NULL, 'f' },
  { "quiet", no_argument, NULL, 'q' },
  { 0 },
};

static void
print_table (json_t *arr)
{
  printf ("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  size_t i;
  json_t *s;
  json_array_foreach (arr, i, s)
  {
    printf ("%-20s %-8lld %-10s %-40s %-32s %s\n", json_string_value (json_object_get (s, "id")),
            json_integer_value (json_object_get (s, "pid")),
            json_string_value (json_object_get (s, "status")),
            json_string_value (json_object_get (s, "bundle")),
            json_string_value (json_object_get (s, "created")),
            json_string_value (json_object_get (s, "owner")));
  }
}

int
rt_list (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  const char *format = "table";
  bool quiet = false;
  int c, next;
  while ((c = rt_getopt (argc, argv, "list", list_opts, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return 1;
      case 'f':
        if (strcmp (optarg, "table") && strcmp (optarg, "json"))
          return sv_err_make (err, EINVAL, "list: --format must be table or json"), 1;
        format = optarg;
        break;
      case 'q':
        quiet = true;
        break;
      }
  if (rt_operands (argc, argv, next, 0, "list", "[--format table|json] [-q]", err) < 0)
    return 1;
  struct sv_runtime rt;
  json_t *arr = NULL;
  if (rt_open (g, &rt, err) < 0)
    return 1;
  int ret = sv_container_list (&rt, &arr, err);
  sv_runtime_close (&rt);
  if (ret < 0)
    return 1;
  size_t i;
  json_t *s;
  if (quiet)
    json_array_foreach (arr, i, s) puts (json_string_value (json_object_get (s, "id")));
  else if (strcmp (format, "json") == 0)
    rt_print_json (arr, false);
  else
    print_table (arr);
  json_decref (arr);
  return 0;
}
