#include "cli/rt.h"
#include "runtime/default-spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static const struct option spec_opts[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "rootless", no_argument, NULL, 'r' },
  { 0 },
};

int
rt_spec (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  const char *bundle = ".";
  bool rootless = false;
  int c, next;
  while ((c = rt_getopt (argc, argv, "spec", spec_opts, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return 1;
      case 'b':
        bundle = optarg;
        break;
      case 'r':
        rootless = true;
        break;
      }
  if (rt_operands (argc, argv, next, 0, "spec", "[--bundle DIR] [--rootless]", err) < 0)
    return 1;
  _cleanup_close_ int dfd = open (bundle, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dfd < 0)
    return sv_err_errno (err, "spec: bundle `%s`", bundle), 1;
  if (faccessat (dfd, "config.json", F_OK, 0) == 0)
    return sv_err_make (err, EEXIST, "spec: File %s/config.json exists. Remove it first", bundle),
           1;
  _cleanup_json_ json_t *j = sv_default_spec (rootless);
  _cleanup_free_ char *s = json_dumps (j, JSON_INDENT (2));
  size_t len = strlen (s);
  s[len] = '\n';
  int ret = sv_write_file_at (dfd, "config.json", s, len + 1, 0644, err);
  s[len] = '\0';
  return ret < 0 ? 1 : 0;
}
