/* -p / --publish and --expose as docker's go-connections/nat reads them. */
#include "engine/parse-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct port_range
{
  unsigned start, end;
};

/* strconv.ParseUint(s, 10, 16) over LEN bytes; NULL or the Go error text. */
static const char *
parse_port (const char *s, size_t len, unsigned *out)
{
  unsigned long v = 0;
  if (len == 0)
    return "invalid syntax";
  for (size_t i = 0; i < len; i++)
    {
      if (!isdigit ((unsigned char)s[i]))
        return "invalid syntax";
      if (v <= 65535)
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
  if (v > 65535)
    return "value out of range";
  *out = (unsigned)v;
  return NULL;
}

/* nat.ParsePortRange: "80" or "8000-8010"; NULL or why it failed. */
static const char *
parse_range (const char *s, struct port_range *r)
{
  if (*s == '\0')
    return "empty string specified for ports";
  const char *dash = strchr (s, '-');
  if (dash == NULL)
    {
      const char *why = parse_port (s, strlen (s), &r->start);
      r->end = r->start;
      return why;
    }
  const char *why = parse_port (s, (size_t)(dash - s), &r->start);
  if (why == NULL)
    why = parse_port (dash + 1, strlen (dash + 1), &r->end);
  if (why == NULL && r->end < r->start)
    why = "invalid range specified for port";
  return why;
}

/* nat.SplitProtoPort: "80/udp" -> "udp", "80"; the port part is cut in S. */
static const char *
split_proto (char *s)
{
  char *slash = strchr (s, '/');
  if (slash == NULL)
    return "tcp";
  *slash = '\0';
  char *proto = slash + 1;
  proto[strcspn (proto, "/")] = '\0';
  for (char *p = proto; *p; p++)
    *p = (char)tolower ((unsigned char)*p);
  return *proto ? proto : "tcp";
}

static bool
valid_proto (const char *p)
{
  return strcmp (p, "tcp") == 0 || strcmp (p, "udp") == 0 || strcmp (p, "sctp") == 0;
}

/* The IP part: brackets removed, must be an address. */
static int
check_ip (char *ip, struct sv_err **err)
{
  unsigned char buf[16];
  size_t len = strlen (ip);
  if (ip[0] == '[')
    {
      if (ip[len - 1] != ']')
        return sv_err_make (err, EINVAL, "invalid IP address %s: missing ']' in address", ip);
      memmove (ip, ip + 1, len - 2);
      ip[len - 2] = '\0';
    }
  if (inet_pton (AF_INET, ip, buf) != 1 && inet_pton (AF_INET6, ip, buf) != 1)
    return sv_err_make (err, EINVAL, "invalid IP address: %s", ip);
  return 0;
}

/* splitParts: "[ip:][host:]container" (IPv6 IPs may hold ':'). */
static void
split_parts (const char *s, char **ip, char **host, char **ctr)
{
  const char *last = strrchr (s, ':');
  *ip = *host = NULL;
  *ctr = xstrdup (last ? last + 1 : s);
  if (last == NULL)
    return;
  const char *prev = last;
  while (prev > s && prev[-1] != ':')
    prev--;
  *host = xstrndup (prev, (size_t)(last - prev));
  if (prev > s)
    *ip = xstrndup (s, (size_t)(prev - 1 - s));
}

static void
append_mappings (const char *ip, bool has_host, struct port_range h, struct port_range c,
                 const char *proto, struct sv_port_mapping **v, size_t *n)
{
  unsigned count = c.end - c.start + 1;
  *v = xreallocarray (*v, *n + count, sizeof **v);
  for (unsigned i = 0; i < count; i++)
    {
      struct sv_port_mapping *m = &(*v)[(*n)++];
      memset (m, 0, sizeof *m);
      m->host_ip = ip && *ip ? xstrdup (ip) : NULL;
      m->container_port = (uint16_t)(c.start + i);
      snprintf (m->proto, sizeof m->proto, "%s", proto);
      if (!has_host)
        continue;
      m->host_port = (uint16_t)(h.start + i);
      m->host_port_end = count == 1 ? (uint16_t)h.end : m->host_port;
    }
}

int
sv_parse_publish (const char *s, struct sv_port_mapping **v, size_t *n, struct sv_err **err)
{
  _cleanup_free_ char *ip = NULL, *host = NULL, *ctr = NULL;
  split_parts (s, &ip, &host, &ctr);
  const char *proto = split_proto (ctr);
  struct port_range c, h = { 0, 0 };
  if (ip && *ip && check_ip (ip, err) < 0)
    return -1;
  if (ctr[0] == '\0')
    return sv_err_make (err, EINVAL, "no port specified: %s<empty>", s);
  if (parse_range (ctr, &c))
    return sv_err_make (err, EINVAL, "invalid containerPort: %s", ctr);
  bool has_host = host && *host;
  if (has_host && parse_range (host, &h))
    return sv_err_make (err, EINVAL, "invalid hostPort: %s", host);
  if (has_host && c.end - c.start != h.end - h.start && c.end != c.start)
    return sv_err_make (
        err, EINVAL, "invalid ranges specified for container and host Ports: %s and %s", ctr, host);
  if (!valid_proto (proto))
    return sv_err_make (err, EINVAL, "invalid proto: %s", proto);
  append_mappings (ip, has_host, h, c, proto, v, n);
  return 0;
}

void
sv_port_mappings_free (struct sv_port_mapping *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (v[i].host_ip);
  free (v);
}

int
sv_parse_expose (const char *s, struct sv_port **v, size_t *n, struct sv_err **err)
{
  if (strchr (s, ':'))
    return sv_err_make (err, EINVAL, "invalid port format for --expose: %s", s);
  _cleanup_free_ char *port = xstrdup (s);
  const char *proto = split_proto (port);
  struct port_range r;
  const char *why = parse_range (port, &r);
  if (why)
    return sv_err_make (err, EINVAL, "invalid range format for --expose: %s, error: %s", s, why);
  if (!valid_proto (proto))
    return sv_err_make (err, EINVAL, "invalid proto: %s", proto);
  *v = xreallocarray (*v, *n + (r.end - r.start + 1), sizeof **v);
  for (unsigned p = r.start; p <= r.end; p++)
    {
      struct sv_port *e = &(*v)[(*n)++];
      e->port = (uint16_t)p;
      snprintf (e->proto, sizeof e->proto, "%s", proto);
    }
  return 0;
}
