/* servin inspect: containers (docker's JSON), falling back to images as
 * docker does; `container inspect` is containers only. */
#include "engine/ctr-net.h"
#include "cli/run.h"
#include "engine/ctr-spec.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static json_t *
state_json (const struct sv_ctr *c)
{
  bool running = strcmp (c->state, "running") == 0;
  bool paused = strcmp (c->state, "paused") == 0;
  return json_pack ("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "Status", c->state,
                    "Running", running || paused, "Paused", paused, "Restarting",
                    strcmp (c->state, "restarting") == 0, "OOMKilled", c->oom_killed, "Dead",
                    strcmp (c->state, "dead") == 0, "Pid", running || paused ? c->pid : 0,
                    "ExitCode", c->exit_code, "Error", c->error ? c->error : "", "StartedAt",
                    c->started_at ? c->started_at : "0001-01-01T00:00:00Z", "FinishedAt",
                    c->finished_at ? c->finished_at : "0001-01-01T00:00:00Z");
}

static json_t *
mounts_json (struct sv_engine *e, const struct sv_ctr *c)
{
  json_t *out = json_array ();
  size_t i;
  json_t *m;
  json_array_foreach (json_object_get (json_object_get (c->config, "HostConfig"), "Mounts"), i, m)
  {
    const char *type = json_string_value (json_object_get (m, "Type"));
    const char *src = json_string_value (json_object_get (m, "Source"));
    json_t *j
        = json_pack ("{s:s, s:O, s:b}", "Type", type, "Destination", json_object_get (m, "Target"),
                     "RW", !json_is_true (json_object_get (m, "ReadOnly")));
    if (type && strcmp (type, "volume") == 0 && src)
      {
        json_object_set_new (j, "Name", json_string (src));
        json_object_set_new (j, "Source",
                             json_sprintf ("%s/volumes/%s/_data", e->paths.data_root, src));
      }
    else
      json_object_set_new (j, "Source", json_string (src ? src : ""));
    json_array_append_new (out, j);
  }
  return out;
}

static json_t *
container_json (struct sv_engine *e, const struct sv_ctr *c)
{
  _cleanup_json_ json_t *args = sv_ctr_command (c->config, NULL);
  _cleanup_free_ char *dir = sv_engine_ctr_dir (e, c->id);
  json_t *path = json_array_get (args, 0);
  json_t *rest = json_array ();
  for (size_t i = 1; i < json_array_size (args); i++)
    json_array_append (rest, json_array_get (args, i));
  json_t *j = json_pack (
      "{s:s, s:s, s:O, s:o, s:o, s:s, s:s, s:s, s:i, s:O, s:O, s:o, s:s, s:s, s:s, s:s, s:s, s:s}",
      "Id", c->id, "Created", c->created, "Path", path ? path : json_string (""), "Args", rest,
      "State", state_json (c), "Image", c->image_id, "Name", "", "Driver", "overlay",
      "RestartCount", c->restart_count, "Config", json_object_get (c->config, "Config"),
      "HostConfig", json_object_get (c->config, "HostConfig"), "Mounts", mounts_json (e, c),
      "Platform", "linux", "LogPath", "", "HostnamePath", "", "HostsPath", "", "ResolvConfPath", "",
      "ImageName", c->image);
  json_object_set_new (j, "Name", json_sprintf ("/%s", c->name));
  json_object_set_new (j, "LogPath", json_sprintf ("%s/%s-json.log", dir, c->id));
  json_object_set_new (j, "HostnamePath", json_sprintf ("%s/hostname", dir));
  json_object_set_new (j, "HostsPath", json_sprintf ("%s/hosts", dir));
  json_object_set_new (j, "ResolvConfPath", json_sprintf ("%s/resolv.conf", dir));
  json_object_set_new (j, "NetworkSettings", sv_ctr_net_settings (e, c));
  return j;
}

static const struct option opts[] = {
  { "format", required_argument, NULL, 'f' },
  { "type", required_argument, NULL, 't' },
  { "size", no_argument, NULL, 's' },
  { 0 },
};

static int
inspect (struct sv_cli *cli, int argc, char **argv, bool images_too, struct sv_err **err)
{
  const char *format = NULL, *type = NULL;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "inspect", opts, true, &next, err)) != -1)
    switch (ch)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case 'f':
        format = optarg;
        break;
      case 't':
        type = optarg;
        break;
      }
  if (type && strcmp (type, "image") == 0)
    return cmd_image_inspect (cli, argc, argv, err);
  if (cli_operands (argc, next, 1, -1, "inspect", "NAME|ID [NAME|ID...]", err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_json_ json_t *all = json_array ();
  int status = 0;
  for (int i = next; i < argc; i++)
    {
      struct sv_engine *e;
      struct sv_ctr *c = NULL;
      struct sv_err *e2 = NULL;
      if (cli_container (cli, argv[i], &e, &c, &e2) < 0)
        {
          if (images_too && e2->code == ENOENT && (type == NULL || strcmp (type, "container")))
            {
              sv_err_free (&e2);
              char *sub[] = { argv[0], (char *)"--type", (char *)"image", argv[i], NULL };
              char *subf[] = { argv[0], (char *)"-f", (char *)format, argv[i], NULL };
              optind = 0;
              int r = cmd_image_inspect (cli, 4, format ? subf : sub, err);
              if (r)
                return r;
              continue;
            }
          cli_report_operand (&e2);
          status = 1;
          continue;
        }
      sv_engine_refresh (e, c);
      json_t *j = container_json (e, c);
      sv_ctr_free (c);
      if (format && cli_template_print (format, j, err) < 0)
        {
          json_decref (j);
          return SERVIN_EXIT_ERROR;
        }
      json_array_append_new (all, j);
    }
  if (format == NULL && json_array_size (all))
    cli_print_json (all, true);
  return status;
}

int
cmd_inspect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  return inspect (cli, argc, argv, true, err);
}

int
cmd_container_inspect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  return inspect (cli, argc, argv, false, err);
}
