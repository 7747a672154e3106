/* servin system df / system prune / version / info. */
#include "cli/prune.h"
#include "cli/run.h"
#include "engine/disk-usage.h"
#include "engine/prune.h"
#include "engine/volume.h"
#include "image/platform.h"
#include "runtime/cgroup.h"
#include "runtime/default-spec.h"
#include "storage/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

enum
{
  OPT_FORMAT = 256,
  OPT_VOLUMES,
};

/* Print J as --format asks: "json" one line, else a template. */
static int
print_formatted (const char *format, json_t *j, struct sv_err **err)
{
  if (strcmp (format, "json") == 0 || strcmp (format, "{{json .}}") == 0)
    {
      cli_print_json (j, false);
      return 0;
    }
  return cli_template_print (format, j, err);
}

/* ---- df ---- */

/* One row of `system df`. */
struct usage
{
  int64_t total, active, size, reclaimable;
};

/* Layers are shared: each is counted once, and is reclaimable when no
 * image a container uses has it. */
static int
images_usage (struct sv_engine *e, struct usage *u, struct sv_err **err)
{
  struct sv_image **v = NULL;
  size_t n = 0;
  if (sv_store_list_images (e->store, &v, &n, err) < 0)
    return -1;
  _cleanup_strv_ char **all = NULL, **active = NULL;
  int r = 0;
  for (size_t i = 0; i < n && r >= 0; i++)
    {
      _cleanup_image_config_ struct sv_image_config *c = NULL;
      int users = sv_ctr_count_using_image (e->db, v[i]->id, err);
      if (users < 0 || (r = sv_store_image_docs (e->store, v[i], NULL, &c, err)) < 0)
        {
          r = -1;
          break;
        }
      u->total++;
      u->active += users > 0;
      for (size_t l = 0; l < c->n_diff_ids; l++)
        {
          if (!sv_strv_contains (all, c->diff_ids[l]))
            sv_strv_append (&all, c->diff_ids[l]);
          if (users > 0 && !sv_strv_contains (active, c->diff_ids[l]))
            sv_strv_append (&active, c->diff_ids[l]);
        }
    }
  sv_image_list_free (v, n);
  for (char **l = all; r >= 0 && l && *l; l++)
    {
      int64_t size = 0;
      sv_store_has_layer (e->store, *l, &size);
      u->size += size;
      if (!sv_strv_contains (active, *l))
        u->reclaimable += size;
    }
  return r < 0 ? -1 : 0;
}

static int
containers_usage (struct sv_engine *e, struct usage *u, struct sv_err **err)
{
  struct sv_ctr **v = NULL;
  size_t n = 0;
  if (sv_ctr_list (e->db, &v, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      int64_t size = sv_ctr_rw_size (e, v[i]->id);
      bool running = sv_engine_refresh (e, v[i]);
      u->total++;
      u->active += running;
      u->size += size;
      u->reclaimable += running ? 0 : size;
    }
  sv_ctr_list_free (v, n);
  return 0;
}

static int
volumes_usage (struct sv_engine *e, struct usage *u, struct sv_err **err)
{
  struct sv_volume **v = NULL;
  size_t n = 0;
  _cleanup_strv_ char **used = NULL;
  if (sv_volumes_in_use (e, &used, err) < 0 || sv_volume_list (e, &v, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *path = sv_volume_path (e, v[i]->name);
      int64_t size = sv_disk_usage (path);
      bool active = sv_strv_contains (used, v[i]->name);
      u->total++;
      u->active += active;
      u->size += size;
      u->reclaimable += active ? 0 : size;
    }
  sv_volume_list_free (v, n);
  return 0;
}

/* docker's row: sizes in SI units, the reclaimable share in percent. */
static json_t *
df_row (const char *type, const struct usage *u, bool percent)
{
  _cleanup_free_ char *size = cli_human_size (u->size);
  _cleanup_free_ char *rec = cli_human_size (u->reclaimable);
  _cleanup_free_ char *reclaimable
      = percent && u->size > 0
            ? xasprintf ("%s (%" PRId64 "%%)", rec, u->reclaimable * 100 / u->size)
            : xstrdup (rec);
  return json_pack ("{s:s, s:o, s:o, s:s, s:s}", "Type", type, "TotalCount",
                    json_sprintf ("%" PRId64, u->total), "Active",
                    json_sprintf ("%" PRId64, u->active), "Size", size, "Reclaimable", reclaimable);
}

static const char *
field (json_t *row, const char *key)
{
  return json_string_value (json_object_get (row, key));
}

static void
df_print_table_row (json_t *row)
{
  printf ("%-16s%-10s%-10s%-10s%s\n", field (row, "Type"), field (row, "TotalCount"),
          field (row, "Active"), field (row, "Size"), field (row, "Reclaimable"));
}

static const struct option df_opts[] = {
  { "format", required_argument, NULL, OPT_FORMAT },
  { 0 },
};

int
cmd_system_df (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  const char *format = NULL;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "system df", df_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == OPT_FORMAT)
      format = strcmp (optarg, "table") == 0 ? NULL : optarg;
  struct sv_engine *e;
  struct usage img = { 0 }, ctr = { 0 }, vol = { 0 }, cache = { 0 };
  if (cli_operands (argc, next, 0, 0, "system df", "[--format FORMAT]", err) < 0
      || cli_engine (cli, &e, err) < 0 || images_usage (e, &img, err) < 0
      || containers_usage (e, &ctr, err) < 0 || volumes_usage (e, &vol, err) < 0)
    return SERVIN_EXIT_ERROR;
  json_t *rows[] = { df_row ("Images", &img, true), df_row ("Containers", &ctr, true),
                     df_row ("Local Volumes", &vol, true), df_row ("Build Cache", &cache, false) };
  int r = 0;
  if (format == NULL)
    printf ("%-16s%-10s%-10s%-10s%s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    {
      if (format == NULL)
        df_print_table_row (rows[i]);
      else if (r == 0)
        r = print_formatted (format, rows[i], err);
      json_decref (rows[i]);
    }
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

/* ---- prune ---- */

struct prune_opts
{
  bool all, force, volumes;
};

static bool
prune_confirm (const struct prune_opts *o)
{
  _cleanup_free_ char *warning = xasprintf (
      "This will remove:\n  - all stopped containers\n  - all networks not used by at least "
      "one container\n%s  - %s\n  - unused build cache\n",
      o->volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
      o->all ? "all images without at least one container associated to them"
             : "all dangling images");
  return cli_confirm (warning);
}

static void
print_section (const char *title, char **names)
{
  if (names == NULL)
    return;
  printf ("%s:\n", title);
  for (char **p = names; *p; p++)
    printf ("%s\n", *p);
  printf ("\n");
}

/* Stopped containers, then unused volumes (--volumes), then images; the
 * store's garbage last, once nothing references it. */
static int
system_prune (struct sv_engine *e, const struct prune_opts *o, struct sv_err **err)
{
  _cleanup_strv_ char **ctrs = NULL, **vols = NULL, **nets = NULL;
  int64_t ctr_bytes = 0, vol_bytes = 0, img_bytes = 0;
  struct sv_image **imgs = NULL;
  size_t n = 0;
  if (sv_prune_containers (e, &ctrs, &ctr_bytes, err) < 0 || sv_prune_networks (e, &nets, err) < 0
      || (o->volumes && sv_volume_prune (e, false, &vols, &vol_bytes, err) < 0)
      || sv_prune_images (e, o->all, &imgs, &n, err) < 0)
    return -1;
  print_section ("Deleted Containers", ctrs);
  print_section ("Deleted Networks", nets);
  print_section ("Deleted Volumes", vols);
  cli_print_deleted_images (imgs, n);
  if (n)
    printf ("\n");
  sv_image_list_free (imgs, n);
  if (sv_store_gc (e->store, &img_bytes, err) < 0)
    return -1;
  _cleanup_free_ char *h = cli_human_size (ctr_bytes + vol_bytes + img_bytes);
  printf ("Total reclaimed space: %s\n", h);
  return 0;
}

static const struct option prune_opts[] = {
  { "all", no_argument, NULL, 'a' },
  { "force", no_argument, NULL, 'f' },
  { "volumes", no_argument, NULL, OPT_VOLUMES },
  { "filter", required_argument, NULL, 'F' },
  { 0 },
};

int
cmd_system_prune (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct prune_opts o = { 0 };
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "system prune", prune_opts, true, &next, err)) != -1)
    switch (ch)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case 'a':
        o.all = true;
        break;
      case 'f':
        o.force = true;
        break;
      case OPT_VOLUMES:
        o.volumes = true;
        break;
      case 'F':
        return sv_err_make_plain (err, EINVAL, "system prune: --filter is not supported"),
               SERVIN_EXIT_ERROR;
      }
  struct sv_engine *e;
  if (cli_operands (argc, next, 0, 0, "system prune", "[-a] [-f] [--volumes]", err) < 0
      || cli_engine (cli, &e, err) < 0)
    return SERVIN_EXIT_ERROR;
  if (!o.force && !prune_confirm (&o))
    return 0;
  return system_prune (e, &o, err) < 0 ? SERVIN_EXIT_ERROR : 0;
}

/* ---- version ---- */

static const struct option format_opts[] = {
  { "format", required_argument, NULL, OPT_FORMAT },
  { 0 },
};

/* --format of a command with no other flag and no operand. */
static int
format_only (int argc, char **argv, const char *cmd, const char **format, struct sv_err **err)
{
  int ch, next;
  while ((ch = cli_getopt (argc, argv, cmd, format_opts, true, &next, err)) != -1)
    if (ch == -2)
      return -1;
    else if (ch == OPT_FORMAT)
      *format = optarg;
  return cli_operands (argc, next, 0, 0, cmd, "[--format FORMAT]", err);
}

static char *
host_arch (void)
{
  struct sv_platform *p = NULL;
  if (sv_platform_host (&p, NULL) < 0)
    return xstrdup ("unknown");
  char *arch = xstrdup (p->arch);
  sv_platform_free (p);
  return arch;
}

static json_t *
version_json (void)
{
  _cleanup_json_ json_t *spec = sv_default_spec (false);
  _cleanup_free_ char *arch = host_arch ();
  struct utsname u;
  uname (&u);
  json_t *j = json_pack ("{s:s, s:s, s:s, s:s, s:s}", "Version", SERVIN_VERSION, "OciVersion",
                         json_string_value (json_object_get (spec, "ociVersion")), "Os", "linux",
                         "Arch", arch, "KernelVersion", u.release);
  /* docker's shape too, for scripts asking {{.Server.Version}}. */
  json_object_set_new (j, "Client", json_deep_copy (j));
  json_object_set_new (j, "Server", json_deep_copy (json_object_get (j, "Client")));
  return j;
}

int
cmd_version (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  const char *format = NULL;
  if (format_only (argc, argv, "version", &format, err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_json_ json_t *j = version_json ();
  if (format)
    return print_formatted (format, j, err) < 0 ? SERVIN_EXIT_ERROR : 0;
  printf ("servin version %s\n", SERVIN_VERSION);
  printf (" OCI runtime spec: %s\n", field (j, "OciVersion"));
  printf (" OS/Arch:          %s/%s\n", field (j, "Os"), field (j, "Arch"));
  printf (" Kernel:           %s\n", field (j, "KernelVersion"));
  return 0;
}

/* ---- info ---- */

static char *
os_pretty_name (void)
{
  _cleanup_free_ char *text = NULL;
  if (sv_read_file_at (AT_FDCWD, "/etc/os-release", &text, NULL, NULL) < 0)
    return xstrdup ("Linux");
  for (char *line = strtok (text, "\n"); line; line = strtok (NULL, "\n"))
    if (strncmp (line, "PRETTY_NAME=", 12) == 0)
      {
        char *v = line + 12;
        size_t len = strlen (v);
        if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
          return xstrndup (v + 1, len - 2);
        return xstrdup (v);
      }
  return xstrdup ("Linux");
}

/* Bytes in binary units, as docker's info prints memory ("15.54GiB"). */
static char *
binary_size (int64_t bytes)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  double v = (double)bytes;
  size_t u = 0;
  while (v >= 1024 && u < 4)
    v /= 1024, u++;
  return xasprintf ("%.4g%s", v, units[u]);
}

static int
count_containers (struct sv_engine *e, json_t *j, struct sv_err **err)
{
  struct sv_ctr **v = NULL;
  size_t n = 0;
  if (sv_ctr_list (e->db, &v, &n, err) < 0)
    return -1;
  json_int_t running = 0, paused = 0;
  for (size_t i = 0; i < n; i++)
    if (sv_engine_refresh (e, v[i]))
      {
        if (strcmp (v[i]->state, "paused") == 0)
          paused++;
        else
          running++;
      }
  json_object_set_new (j, "Containers", json_integer ((json_int_t)n));
  json_object_set_new (j, "ContainersRunning", json_integer (running));
  json_object_set_new (j, "ContainersPaused", json_integer (paused));
  json_object_set_new (j, "ContainersStopped", json_integer ((json_int_t)n - running - paused));
  sv_ctr_list_free (v, n);
  return 0;
}

static void
host_facts (json_t *j)
{
  struct utsname u;
  uname (&u);
  struct sysinfo si;
  int64_t mem = sysinfo (&si) == 0 ? (int64_t)si.totalram * si.mem_unit : 0;
  enum sv_cgroup_mode mode = SV_CGROUP_V1;
  sv_cgroup_detect_mode (&mode, NULL);
  char host[256] = "";
  gethostname (host, sizeof host - 1);
  _cleanup_free_ char *os = os_pretty_name ();
  json_object_set_new (
      j, "Driver", json_string (sv_rootfs_mode_from_env () == SV_ROOTFS_COPY ? "copy" : "overlay"));
  json_object_set_new (j, "CgroupDriver", json_string ("cgroupfs"));
  json_object_set_new (j, "CgroupVersion", json_string (mode == SV_CGROUP_V2 ? "2" : "1"));
  json_object_set_new (j, "KernelVersion", json_string (u.release));
  json_object_set_new (j, "OperatingSystem", json_string (os));
  json_object_set_new (j, "OSType", json_string ("linux"));
  json_object_set_new (j, "Architecture", json_string (u.machine));
  json_object_set_new (j, "NCPU", json_integer (sysconf (_SC_NPROCESSORS_ONLN)));
  json_object_set_new (j, "MemTotal", json_integer (mem));
  json_object_set_new (j, "Name", json_string (host));
}

static int
info_json (struct sv_engine *e, json_t **out, struct sv_err **err)
{
  struct sv_image **v = NULL;
  size_t n = 0;
  if (sv_store_list_images (e->store, &v, &n, err) < 0)
    return -1;
  sv_image_list_free (v, n);
  json_t *j
      = json_pack ("{s:I, s:s, s:s, s:s}", "Images", (json_int_t)n, "ServerVersion", SERVIN_VERSION,
                   "ServinRootDir", e->paths.data_root, "ServinRunDir", e->paths.run_root);
  if (count_containers (e, j, err) < 0)
    {
      json_decref (j);
      return -1;
    }
  host_facts (j);
  *out = j;
  return 0;
}

static void
info_print (json_t *j)
{
#define I(k) (long long)json_integer_value (json_object_get (j, k))
  printf ("Containers: %lld\n Running: %lld\n Paused: %lld\n Stopped: %lld\n", I ("Containers"),
          I ("ContainersRunning"), I ("ContainersPaused"), I ("ContainersStopped"));
  printf ("Images: %lld\n", I ("Images"));
  printf ("Server Version: %s\n", field (j, "ServerVersion"));
  printf ("Storage Driver: %s\n", field (j, "Driver"));
  printf ("Cgroup Driver: %s\n", field (j, "CgroupDriver"));
  printf ("Cgroup Version: %s\n", field (j, "CgroupVersion"));
  printf ("Kernel Version: %s\n", field (j, "KernelVersion"));
  printf ("Operating System: %s\n", field (j, "OperatingSystem"));
  printf ("OSType: %s\n", field (j, "OSType"));
  printf ("Architecture: %s\n", field (j, "Architecture"));
  printf ("CPUs: %lld\n", I ("NCPU"));
  _cleanup_free_ char *mem = binary_size (I ("MemTotal"));
  printf ("Total Memory: %s\n", mem);
  printf ("Name: %s\n", field (j, "Name"));
  printf ("Servin Root Dir: %s\n", field (j, "ServinRootDir"));
  printf ("Servin Run Dir: %s\n", field (j, "ServinRunDir"));
#undef I
}

int
cmd_info (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  const char *format = NULL;
  struct sv_engine *e;
  _cleanup_json_ json_t *j = NULL;
  if (format_only (argc, argv, "info", &format, err) < 0 || cli_engine (cli, &e, err) < 0
      || info_json (e, &j, err) < 0)
    return SERVIN_EXIT_ERROR;
  if (format)
    return print_formatted (format, j, err) < 0 ? SERVIN_EXIT_ERROR : 0;
  info_print (j);
  return 0;
}
