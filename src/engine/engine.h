/* The container engine: containers of one data root, run daemonless.
 *
 * Each started container has a monitor process (monitor.c) that owns its
 * stdio, writes its log, records its exit and applies its restart policy;
 * every CLI command reads and writes the shared database and talks to
 * monitors over their attach sockets, so the CLI can exit and come back. */
#ifndef SV_ENGINE_H
#define SV_ENGINE_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/ctr-db.h"
#include "engine/paths.h"
#include "image/store.h"
#include "network/network.h"
#include "runtime/container.h"
#include "util/err.h"

struct sv_engine
{
  struct sv_paths paths;
  struct sv_store *store; /* borrowed */
  sqlite3 *db;            /* the store's */
  struct sv_runtime rt;   /* RUN/runtime */
  bool rt_open;
  struct sv_netctx net; /* networks of this data root */
};

int sv_engine_open (struct sv_engine *e, struct sv_store *store, const char *data_root,
                    const char *run_root, struct sv_err **err);
void sv_engine_close (struct sv_engine *e);
int sv_engine_runtime (struct sv_engine *e, struct sv_runtime **rt, struct sv_err **err);

/* DATA/containers/ID and RUN/containers/ID; owned by the caller. */
char *sv_engine_ctr_dir (struct sv_engine *e, const char *id);
char *sv_engine_run_dir (struct sv_engine *e, const char *id);

struct sv_create_request
{
  json_t *config;    /* {"Config":..., "HostConfig":...}; borrowed */
  const char *name;  /* NULL: a generated one */
  const char *image; /* as the user named it */
  const struct sv_image *img;
};

/* Record a new container and prepare its directories (hostname, hosts,
 * resolv.conf, named volumes).  Nothing is left behind on failure. */
int sv_engine_create (struct sv_engine *e, const struct sv_create_request *req, struct sv_ctr **out,
                      struct sv_err **err);

/* Frames on an attach connection: [type u8][length u32 big-endian][data]. */
enum sv_frame
{
  SV_FRAME_STDIN = 0,
  SV_FRAME_STDOUT = 1,
  SV_FRAME_STDERR = 2,
  SV_FRAME_EXIT = 3,   /* data: the exit status in decimal */
  SV_FRAME_RESIZE = 4, /* data: "ROWS COLS" */
  SV_FRAME_CLOSE_STDIN = 5,
};

/* Attach flags. */
#define SV_ATTACH_STDIN 1
#define SV_ATTACH_STDOUT 2
#define SV_ATTACH_STDERR 4

/* Start C: mount its root, write its spec, start its monitor and wait
 * until the container runs.  ATTACH_FD (-1: none) is a socket that becomes
 * the monitor's first attached client with ATTACH_FLAGS, so not a byte of
 * output is missed.  On failure *STATUS is 125, or 126/127 when the
 * command cannot be invoked / is not found. */
int sv_engine_start (struct sv_engine *e, struct sv_ctr *c, int attach_fd, int attach_flags,
                     int *status, struct sv_err **err);

/* Bring the record of C up to date with what is true now: a running
 * container whose monitor and process are gone (killed, rebooted) is
 * exited.  Returns whether the container is running (or paused). */
bool sv_engine_refresh (struct sv_engine *e, struct sv_ctr *c);

/* Send SIG to C's process. */
int sv_engine_kill (struct sv_engine *e, struct sv_ctr *c, int sig, struct sv_err **err);
/* The stop signal, then SIGKILL after TIMEOUT seconds (-1: the
 * container's StopTimeout, else 10); waits until it has exited. */
int sv_engine_stop (struct sv_engine *e, struct sv_ctr *c, int timeout, struct sv_err **err);
/* Wait until C is not running; *EXIT_CODE its exit code. */
int sv_engine_wait (struct sv_engine *e, struct sv_ctr *c, int *exit_code, struct sv_err **err);
/* Remove C: refused while it runs unless FORCE (then killed); VOLUMES
 * also removes its anonymous volumes. */
int sv_engine_remove (struct sv_engine *e, struct sv_ctr *c, bool force, bool volumes,
                      struct sv_err **err);

/* Connect to C's monitor (attach.sock); -1 with *err when it is gone. */
int sv_engine_connect (struct sv_engine *e, const char *id, struct sv_err **err);

/* The current time as RFC 3339 with nanoseconds (UTC); owned by the caller. */
char *sv_engine_now (void);

#endif
