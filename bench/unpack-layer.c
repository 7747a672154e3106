/* bench/unpack-layer.c: unpack one layer blob with sv_layer_unpack, for
 * timing it against `tar -xzf` (bench/pull.sh builds and runs it).
 *
 *   unpack-layer [-c] [-n] [-q] BLOB DEST
 *
 * DEST is created when missing.  Prints the diff_id and the entry counts
 * unless -q; -c unpacks in copy mode instead of overlay mode; -n does not
 * compute the diff_id.  Built outside
 * meson, against a build directory's static libraries:
 *
 *   cc -O2 -D_GNU_SOURCE -Isrc bench/unpack-layer.c build-release/libservin-image.a \
 *      build-release/libservin-util.a $(pkg-config --libs libarchive libcrypto libisal jansson)
 */
#include "image/layer.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
fail (struct sv_err *err, const char *what)
{
  char *msg = err ? sv_err_string (err) : strdup (strerror (errno));
  fprintf (stderr, "unpack-layer: %s: %s\n", what, msg);
  free (msg);
  sv_err_free (&err);
  return 1;
}

int
main (int argc, char **argv)
{
  struct sv_layer_opts o = { .mode = SV_LAYER_MODE_OVERLAY };
  bool quiet = false, hash = true;
  int c;
  while ((c = getopt (argc, argv, "cnq")) != -1)
    if (c == 'c')
      o.mode = SV_LAYER_MODE_COPY;
    else if (c == 'n')
      hash = false;
    else if (c == 'q')
      quiet = true;
    else
      return 2;
  if (argc - optind != 2)
    {
      fprintf (stderr, "usage: unpack-layer [-c] [-n] [-q] BLOB DEST\n");
      return 2;
    }
  int src = open (argv[optind], O_RDONLY | O_CLOEXEC);
  if (src < 0)
    return fail (NULL, argv[optind]);
  if (mkdir (argv[optind + 1], 0755) < 0 && errno != EEXIST)
    return fail (NULL, argv[optind + 1]);
  int dest = open (argv[optind + 1], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dest < 0)
    return fail (NULL, argv[optind + 1]);
  char diff_id[SV_LAYER_DIFF_ID_LEN] = "(no diff_id)";
  o.diff_id_out = hash ? diff_id : NULL;
  struct sv_layer_stats st;
  struct sv_err *err = NULL;
  if (sv_layer_unpack (src, dest, &o, &st, &err) < 0)
    return fail (err, "unpack");
  if (!quiet)
    printf ("%s\nentries %" PRIu64 " files %" PRIu64 " dirs %" PRIu64 " symlinks %" PRIu64
            " hardlinks %" PRIu64 " bytes %" PRIu64 "\n",
            diff_id, st.entries, st.files, st.dirs, st.symlinks, st.hardlinks, st.bytes);
  return 0;
}
