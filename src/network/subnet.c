#include "network/subnet.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t
mask (int prefix)
{
  return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

int
sv_subnet_parse (const char *s, struct sv_subnet *out, struct sv_err **err)
{
  const char *slash = strchr (s, '/');
  char *end = NULL;
  long prefix = slash ? strtol (slash + 1, &end, 10) : -1;
  _cleanup_free_ char *addr = slash ? xstrndup (s, (size_t)(slash - s)) : NULL;
  struct in_addr a;
  if (slash == NULL || end == slash + 1 || *end != '\0' || prefix < 0 || prefix > 32
      || inet_pton (AF_INET, addr, &a) != 1)
    return sv_err_make_plain (err, EINVAL,
                              "invalid subnet %s: expected an IPv4 CIDR such as "
                              "10.1.0.0/24",
                              s);
  uint32_t ip = ntohl (a.s_addr);
  if (prefix > 30)
    return sv_err_make_plain (err, EINVAL,
                              "invalid subnet %s: a /%ld holds no room for "
                              "containers",
                              s, prefix);
  if ((ip & mask ((int)prefix)) != ip)
    {
      struct in_addr n = { htonl (ip & mask ((int)prefix)) };
      char buf[16];
      return sv_err_make_plain (err, EINVAL, "invalid subnet %s: it should be %s/%ld", s,
                                inet_ntop (AF_INET, &n, buf, sizeof buf), prefix);
    }
  out->addr = ip;
  out->prefix = (int)prefix;
  return 0;
}

bool
sv_subnet_overlaps (struct sv_subnet a, struct sv_subnet b)
{
  int p = a.prefix < b.prefix ? a.prefix : b.prefix;
  return (a.addr & mask (p)) == (b.addr & mask (p));
}

bool
sv_subnet_has_host (struct sv_subnet s, uint32_t ip)
{
  uint32_t m = mask (s.prefix);
  return (ip & m) == s.addr && ip != s.addr && ip != (s.addr | ~m);
}

static bool
is_free (struct sv_subnet c, const struct sv_subnet *routes, size_t n_routes,
         const struct sv_subnet *taken, size_t n_taken)
{
  for (size_t i = 0; i < n_routes; i++)
    if (routes[i].prefix > 0 && sv_subnet_overlaps (c, routes[i]))
      return false;
  for (size_t i = 0; i < n_taken; i++)
    if (sv_subnet_overlaps (c, taken[i]))
      return false;
  return true;
}

int
sv_subnet_pick (bool default_net, const struct sv_subnet *routes, size_t n_routes,
                const struct sv_subnet *taken, size_t n_taken, struct sv_subnet *out,
                struct sv_err **err)
{
  struct sv_subnet c = { (10u << 24) | (88u << 16), 16 };
  if (default_net && is_free (c, routes, n_routes, taken, n_taken))
    {
      *out = c;
      return 0;
    }
  for (uint32_t i = (89u << 8); i <= (255u << 8 | 255u); i++)
    {
      c = (struct sv_subnet){ (10u << 24) | (i << 8), 24 };
      if (is_free (c, routes, n_routes, taken, n_taken))
        {
          *out = c;
          return 0;
        }
    }
  return sv_err_make_plain (err, ENOSPC,
                            "no free subnet left for a new network: give one "
                            "with --subnet");
}
