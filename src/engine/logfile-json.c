/* json-file entries: encoding as docker's jsonlog.MarshalJSONBuf does
 * (its escaping, field order and time format) and decoding. */
#include "engine/logfile-internal.h"

#include <jansson.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at S (N bytes available), or 0 when
 * it is invalid (overlong, surrogate, > U+10FFFF, truncated), as Go's
 * utf8.DecodeRune judges it. */
static size_t
utf8_seq_len (const unsigned char *s, size_t n)
{
  unsigned char c = s[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xbf; /* bounds of the second byte */
  if (c >= 0xc2 && c <= 0xdf)
    len = 2;
  else if (c >= 0xe0 && c <= 0xef)
    {
      len = 3;
      if (c == 0xe0)
        lo = 0xa0;
      else if (c == 0xed)
        hi = 0x9f;
    }
  else if (c >= 0xf0 && c <= 0xf4)
    {
      len = 4;
      if (c == 0xf0)
        lo = 0x90;
      else if (c == 0xf4)
        hi = 0x8f;
    }
  else
    return 0;
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return len;
}

static void
escape_ascii (struct sv_log_buf *out, unsigned char b)
{
  static const char hex[] = "0123456789abcdef";
  switch (b)
    {
    case '\\':
    case '"':
      sv_log_buf_putc (out, '\\');
      sv_log_buf_putc (out, (char)b);
      break;
    case '\n':
      sv_log_buf_append (out, "\\n", 2);
      break;
    case '\r':
      sv_log_buf_append (out, "\\r", 2);
      break;
    default:
      {
        char u[6] = { '\\', 'u', '0', '0', hex[b >> 4], hex[b & 0xf] };
        sv_log_buf_append (out, u, sizeof u);
      }
    }
}

static bool
ascii_needs_escape (unsigned char b)
{
  return b < 0x20 || b == '\\' || b == '"' || b == '<' || b == '>' || b == '&';
}

/* docker's ffjsonWriteJSONBytesAsString: control characters as \u00XX
 * (but \n and \r), HTML-sensitive <>& escaped, invalid UTF-8 as \ufffd,
 * U+2028/U+2029 escaped. */
static void
escape_string (struct sv_log_buf *out, const unsigned char *s, size_t n)
{
  size_t start = 0, i = 0;
  sv_log_buf_reserve (out, n + 2);
  while (i < n)
    {
      if (s[i] < 0x80 && !ascii_needs_escape (s[i]))
        {
          i++;
          continue;
        }
      size_t seq = s[i] < 0x80 ? 1 : utf8_seq_len (s + i, n - i);
      bool sep = seq == 3 && s[i] == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] | 1) == 0xa9;
      if (seq > 1 && !sep)
        {
          i += seq;
          continue;
        }
      sv_log_buf_append (out, s + start, i - start);
      if (seq == 1)
        escape_ascii (out, s[i]);
      else if (sep)
        sv_log_buf_append (out, s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
      else
        sv_log_buf_append (out, "\\ufffd", 6);
      i += seq ? seq : 1;
      start = i;
    }
  sv_log_buf_append (out, s + start, n - start);
}

void
sv_log_encode_entry (struct sv_log_buf *out, enum sv_log_stream stream, const char *data,
                     size_t len, bool newline, int64_t time_ns)
{
  char ts[64];
  const char *name = stream == SV_LOG_STDERR ? "stderr" : "stdout";
  sv_log_format_time (time_ns, false, ts, sizeof ts);
  sv_log_buf_append (out, "{\"log\":\"", 8);
  escape_string (out, (const unsigned char *)data, len);
  if (newline)
    sv_log_buf_append (out, "\\n", 2);
  sv_log_buf_append (out, "\",\"stream\":\"", 12);
  sv_log_buf_append (out, name, 6);
  sv_log_buf_append (out, "\",\"time\":\"", 10);
  sv_log_buf_append (out, ts, strlen (ts));
  sv_log_buf_append (out, "\"}\n", 3);
}

int
sv_log_decode_entry (const char *line, size_t len, struct sv_log_entry *e, json_t **holder)
{
  json_error_t jerr;
  json_t *root = json_loadb (line, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)
    return -1;
  json_t *log = json_object_get (root, "log");
  json_t *stream = json_object_get (root, "stream");
  json_t *time = json_object_get (root, "time");
  const char *sname = json_string_value (stream);
  int64_t ns;
  if (!json_is_object (root) || !json_is_string (time) || sname == NULL
      || (log != NULL && !json_is_string (log))
      || (strcmp (sname, "stdout") != 0 && strcmp (sname, "stderr") != 0)
      || sv_log_parse_rfc3339 (json_string_value (time), json_string_length (time), false, &ns) < 0)
    {
      json_decref (root);
      return -1;
    }
  e->stream = strcmp (sname, "stderr") == 0 ? SV_LOG_STDERR : SV_LOG_STDOUT;
  e->log = log ? json_string_value (log) : "";
  e->len = log ? json_string_length (log) : 0;
  e->time_ns = ns;
  *holder = root;
  return 0;
}
