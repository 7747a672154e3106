/* One CSV record, as Go's encoding/csv reads the value of --mount. */
#include "engine/parse-internal.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <string.h>

/* A quoted field starting at *P (just after the opening quote) into
 * FIELD; *P is left after the closing quote.  COL is for errors. */
static int
quoted_field (const char **p, char *field, size_t *len, const char *start, struct sv_err **err)
{
  const char *q = *p;
  for (;;)
    {
      if (*q == '\0')
        return sv_err_make (err, EINVAL,
                            "parse error on line 1, column %d: extraneous or missing \" in "
                            "quoted-field",
                            (int)(q - start) + 1);
      if (*q == '"' && q[1] == '"')
        {
          field[(*len)++] = '"';
          q += 2;
          continue;
        }
      if (*q == '"')
        break;
      field[(*len)++] = *q++;
    }
  q++;
  if (*q != ',' && *q != '\0')
    return sv_err_make (err, EINVAL,
                        "parse error on line 1, column %d: extraneous or missing \" in "
                        "quoted-field",
                        (int)(q - start) + 1);
  *p = q;
  return 0;
}

int
sv_parse_csv (const char *s, char ***out, struct sv_err **err)
{
  _cleanup_strv_ char **fields = xmalloc0 (sizeof (char *));
  _cleanup_free_ char *field = xmalloc (strlen (s) + 1);
  const char *p = s;
  for (;;)
    {
      size_t len = 0;
      if (*p == '"')
        {
          p++;
          if (quoted_field (&p, field, &len, s, err) < 0)
            return -1;
        }
      else
        for (; *p != ',' && *p != '\0'; p++)
          {
            if (*p == '"')
              return sv_err_make (err, EINVAL,
                                  "parse error on line 1, column %d: bare \" in non-quoted-field",
                                  (int)(p - s) + 1);
            field[len++] = *p;
          }
      field[len] = '\0';
      sv_strv_append (&fields, field);
      if (*p == '\0')
        break;
      p++;
    }
  *out = steal_pointer (&fields);
  return 0;
}
