#include "engine/ctr-etc.h"
#include "network/dns-proc.h"
#include "network/net-db.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *
hc (json_t *config)
{
  return json_object_get (config, "HostConfig");
}

static bool
host_mode (json_t *config)
{
  const char *m = json_string_value (json_object_get (hc (config), "NetworkMode"));
  return m && strcmp (m, "host") == 0;
}

static int
copy_host_file (int dirfd, const char *src, const char *name, struct sv_err **err)
{
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (sv_read_file_at (AT_FDCWD, src, &text, &len, NULL) < 0)
    return sv_write_file_at (dirfd, name, "", 0, 0644, err);
  return sv_write_file_at (dirfd, name, text, len, 0644, err);
}

/* Append to a growing text (FILE* over a memory buffer). */
static int
write_hosts (int dirfd, json_t *config, const struct sv_etc_net *net, struct sv_err **err)
{
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  fputs ("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
         "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
         "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
         f);
  size_t i;
  json_t *v;
  char buf[16];
  json_array_foreach (json_object_get (hc (config), "ExtraHosts"), i, v)
  {
    const char *s = json_string_value (v);
    const char *colon = s ? strchr (s, ':') : NULL;
    if (colon == NULL)
      continue;
    const char *addr = colon + 1;
    if (strcmp (addr, "host-gateway") == 0)
      addr = net && net->gateway ? sv_ip_str (net->gateway, buf) : "127.0.0.1";
    fprintf (f, "%s\t%.*s\n", addr, (int)(colon - s), s);
  }
  const char *hostname
      = json_string_value (json_object_get (json_object_get (config, "Config"), "Hostname"));
  if (net && net->ip && hostname)
    fprintf (f, "%s\t%s\n", sv_ip_str (net->ip, buf), hostname);
  fclose (f);
  return sv_write_file_at (dirfd, "hosts", text, len, 0644, err);
}

static bool
loopback_nameserver (const char *line)
{
  const char *a = line + strlen ("nameserver");
  a += strspn (a, " \t");
  return strncmp (a, "127.", 4) == 0 || strncmp (a, "::1", 3) == 0;
}

/* The host's resolv.conf with the given changes: nameservers replaced by
 * NAMESERVERS when non-empty (else loopback ones dropped), search
 * replaced by SEARCH when non-empty, FIRST_SEARCH put in front. */
static void
host_resolv (FILE *f, json_t *nameservers, json_t *search, const char *first_search)
{
  _cleanup_free_ char *host = NULL;
  (void)sv_read_file_at (AT_FDCWD, "/etc/resolv.conf", &host, NULL, NULL);
  _cleanup_free_ char *host_search = NULL;
  size_t i;
  json_t *v;
  json_array_foreach (nameservers, i, v) fprintf (f, "nameserver %s\n", json_string_value (v));
  for (char *line = host, *next; line && *line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      if (strncmp (line, "nameserver", 10) == 0)
        {
          if (json_array_size (nameservers) == 0 && !loopback_nameserver (line))
            fprintf (f, "%s\n", line);
        }
      else if (strncmp (line, "search", 6) == 0 || strncmp (line, "domain", 6) == 0)
        {
          free (host_search);
          host_search = xstrdup (line + 6 + strspn (line + 6, " \t"));
        }
      else if (*line && *line != '#' && *line != ';')
        fprintf (f, "%s\n", line);
    }
  if (first_search == NULL && json_array_size (search) == 0 && host_search == NULL)
    return;
  fputs ("search", f);
  if (first_search)
    fprintf (f, " %s", first_search);
  json_array_foreach (search, i, v) fprintf (f, " %s", json_string_value (v));
  if (json_array_size (search) == 0 && host_search)
    fprintf (f, " %s", host_search);
  fputs ("\n", f);
}

static int
write_resolv (int dirfd, json_t *config, const struct sv_etc_net *net, struct sv_err **err)
{
  json_t *dns = json_object_get (hc (config), "Dns");
  json_t *search = json_object_get (hc (config), "DnsSearch");
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  if (net && net->dns)
    {
      char gw[16];
      _cleanup_json_ json_t *ns = json_pack ("[s]", sv_ip_str (net->gateway, gw));
      size_t i;
      json_t *v;
      json_array_foreach (dns, i, v) json_array_append (ns, v);
      host_resolv (f, ns, search, SV_DNS_DOMAIN);
    }
  else
    host_resolv (f, dns, search, NULL);
  fclose (f);
  return sv_write_file_at (dirfd, "resolv.conf", text, len, 0644, err);
}

int
sv_ctr_write_etc (int dirfd, json_t *config, const struct sv_etc_net *net, struct sv_err **err)
{
  if (host_mode (config))
    return copy_host_file (dirfd, "/etc/hosts", "hosts", err) < 0
                   || copy_host_file (dirfd, "/etc/resolv.conf", "resolv.conf", err) < 0
               ? -1
               : 0;
  if (write_hosts (dirfd, config, net, err) < 0 || write_resolv (dirfd, config, net, err) < 0)
    return -1;
  return 0;
}
