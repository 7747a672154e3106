/* nftables for container networks (see network/nft.h for the table's
 * layout).  Each call builds a buffer of nft commands and runs it with one
 * nft_run_cmd_from_buffer, which libnftables sends as one transaction.
 *
 * Idempotence without reading the ruleset: `add` of a table, chain, set,
 * map or element that exists is a no-op, so declarations are re-added
 * freely, and chains are flushed and refilled in the same transaction; a
 * removal adds what it removes first ("add X; delete X"), so removing what
 * is gone is not an error either (only whether the table exists is read,
 * so that a removal does not create it).  Per-network chains are
 * reached through verdict maps keyed by the bridge name, never through
 * rules with handles, so nothing needs to be looked up to be removed. */
#include "network/nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

/* ---- names ---- */

static bool
name_chars_valid (const char *s, const char *extra)
{
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
          || strchr (extra, *s)))
      return false;
  return true;
}

static int
check_table (const char *table, struct sv_err **err)
{
  size_t len = table ? strlen (table) : 0;
  if (len == 0 || len > 64
      || !((table[0] >= 'a' && table[0] <= 'z') || (table[0] >= 'A' && table[0] <= 'Z'))
      || !name_chars_valid (table, "_-"))
    return sv_err_make_plain (err, EINVAL, "nftables: invalid table name `%s`", table ? table : "");
  return 0;
}

static int
check_bridge (const char *bridge, struct sv_err **err)
{
  size_t len = bridge ? strlen (bridge) : 0;
  if (len == 0 || len > 15 || !name_chars_valid (bridge, "_.-"))
    return sv_err_make_plain (err, EINVAL, "nftables: invalid bridge name `%s`",
                              bridge ? bridge : "");
  return 0;
}

/* Parse "A.B.C.D/N" into OUT as the network address, host bits cleared. */
static int
parse_subnet (const char *subnet, char out[32], struct sv_err **err)
{
  char addr[INET_ADDRSTRLEN];
  const char *slash = subnet ? strchr (subnet, '/') : NULL;
  char *end = NULL;
  long prefix = slash ? strtol (slash + 1, &end, 10) : -1;
  struct in_addr a;
  if (slash == NULL || (size_t)(slash - subnet) >= sizeof addr || slash[1] == '\0' || *end
      || prefix < 0 || prefix > 32)
    return sv_err_make_plain (err, EINVAL, "nftables: invalid subnet `%s`", subnet ? subnet : "");
  memcpy (addr, subnet, slash - subnet);
  addr[slash - subnet] = '\0';
  if (inet_pton (AF_INET, addr, &a) != 1)
    return sv_err_make_plain (err, EINVAL, "nftables: invalid subnet `%s`", subnet);
  uint32_t mask = prefix == 0 ? 0 : ~(uint32_t)0 << (32 - prefix);
  a.s_addr = htonl (ntohl (a.s_addr) & mask);
  snprintf (out, 32, "%s/%ld", inet_ntop (AF_INET, &a, addr, sizeof addr), prefix);
  return 0;
}

/* ---- command buffers ---- */

struct cmds
{
  char *s; /* "COMMAND; COMMAND; ...", NUL-terminated */
  size_t len, cap;
};

static void
cmds_free (struct cmds *c)
{
  free (c->s);
}

#define _cleanup_cmds_ _cleanup_ (cmds_free)

/* Append a command.  The buffer stays one line: libnftables 1.0.6 shows
 * the first line of a buffer, whichever line failed, so nft_error finds
 * the failing command by the column of the carets instead. */
static void __attribute__ ((format (printf, 2, 3))) cmd (struct cmds *c, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  _cleanup_free_ char *line = xvasprintf (fmt, ap);
  va_end (ap);
  size_t n = strlen (line);
  if (c->len + n + 3 > c->cap)
    {
      c->cap = 2 * (c->len + n + 3) + 1024;
      c->s = xrealloc (c->s, c->cap);
    }
  if (c->len > 0)
    {
      memcpy (c->s + c->len, "; ", 2);
      c->len += 2;
    }
  memcpy (c->s + c->len, line, n + 1);
  c->len += n;
}

/* ---- running ---- */

static void
nft_ctx_freep (struct nft_ctx **ctx)
{
  if (*ctx)
    nft_ctx_free (*ctx);
}

/* The errno whose description ends MSG, or a sentence of it ("...: File
 * exists", "Error: No such file or directory; did you mean ..."), or
 * EINVAL for failures that have none (syntax, evaluation). */
static int
errno_of (const char *msg, size_t len)
{
  for (int e = 1; e <= EHWPOISON; e++)
    {
      const char *d = strerrordesc_np (e);
      size_t n = d ? strlen (d) : 0;
      for (const char *p = msg; n > 0 && (p = memmem (p, len - (p - msg), d, n)) != NULL; p++)
        if (p - msg >= 2 && memcmp (p - 2, ": ", 2) == 0
            && ((size_t)(p - msg) + n == len || p[n] == ';'))
          return e;
    }
  return EINVAL;
}

/* The command of the one-line buffer CMDS that covers column COL, in
 * *START and *LEN: the ';'-separated piece around it (';' inside braces
 * belongs to the command). */
static void
command_at (const char *cmds, size_t col, const char **start, size_t *len)
{
  size_t begin = 0, depth = 0, i;
  for (i = 0; cmds[i]; i++)
    {
      if (cmds[i] == '{')
        depth++;
      else if (cmds[i] == '}' && depth > 0)
        depth--;
      else if (cmds[i] == ';' && depth == 0)
        {
          if (i >= col)
            break;
          begin = i + 1;
        }
    }
  while (cmds[begin] == ' ')
    begin++;
  *start = cmds + begin;
  *len = i - begin;
}

/* Turn libnftables' error buffer for CMDS into one line in *ERR.  Per
 * error, the buffer holds "Error: MESSAGE", the input line, and carets
 * under the offending part (after tildes under its context); the first
 * error is kept. */
static int
nft_error (const char *buf, const char *cmds, struct sv_err **err)
{
  const char *e = buf ? strstr (buf, "Error: ") : NULL;
  if (e == NULL)
    return sv_err_make_plain (err, EINVAL, "nftables: %s",
                              buf && *buf ? buf : "command failed (no error message)");
  size_t elen = strcspn (e, "\n");
  int code = errno_of (e, elen);
  const char *input = e[elen] ? e + elen + 1 : "";
  const char *carets = input + strcspn (input, "\n");
  carets += *carets == '\n';
  size_t col = strcspn (carets, "^\n"); /* '~' may underline context first */
  if (carets[col] != '^' || col >= strlen (cmds))
    return sv_err_make_plain (err, code, "nftables: %.*s", (int)elen, e);
  const char *command;
  size_t clen;
  command_at (cmds, col, &command, &clen);
  return sv_err_make_plain (err, code, "nftables: %.*s: %.*s", (int)clen, command, (int)elen, e);
}

/* Run CMDS as one transaction.  When OUT is not NULL, *OUT gets what the
 * commands printed (owned by the caller). */
static int
run (const char *cmds, char **out, struct sv_err **err)
{
  _cleanup_ (nft_ctx_freep) struct nft_ctx *ctx = nft_ctx_new (NFT_CTX_DEFAULT);
  if (ctx == NULL)
    return sv_err_make_plain (err, ENOMEM, "nftables: cannot create a context");
  if (nft_ctx_buffer_output (ctx) != 0 || nft_ctx_buffer_error (ctx) != 0)
    return sv_err_make_plain (err, ENOMEM, "nftables: cannot buffer output");
  if (nft_run_cmd_from_buffer (ctx, cmds) != 0)
    return nft_error (nft_ctx_get_error_buffer (ctx), cmds, err);
  if (out)
    {
      const char *o = nft_ctx_get_output_buffer (ctx);
      *out = xstrdup (o ? o : "");
    }
  return 0;
}

/* 1 when `ip TABLE` exists, 0 when not, < 0 on error.  Removals ask first
 * so that removing from a missing table does not create it. */
static int
table_exists (const char *table, struct sv_err **err)
{
  _cleanup_free_ char *out = NULL;
  if (run ("list tables ip", &out, err) < 0)
    return -1;
  _cleanup_free_ char *line = xasprintf ("table ip %s", table);
  size_t n = strlen (line);
  for (const char *p = out; *p;)
    {
      size_t len = strcspn (p, "\n");
      if (len == n && memcmp (p, line, n) == 0)
        return 1;
      p += len + (p[len] == '\n');
    }
  return 0;
}

/* ---- the table's skeleton ---- */

struct line
{
  const char *verb;
  const char *rest; /* after "VERB ip TABLE " */
};

#define MAP_PORT "type inet_service : ipv4_addr . inet_service; "
#define MAP_ADDR_PORT "type ipv4_addr . inet_service : ipv4_addr . inet_service; "

/* The table's sets and maps: adding them is a no-op when they exist. */
static const struct line declarations[] = {
  { "add table", "" },
  { "add set", "bridges { type ifname; }" },
  { "add map", "nat-br { type ifname : verdict; }" },
  { "add map", "filter-br { type ifname : verdict; }" },
  { "add map", "tcp-dnat { " MAP_PORT "}" },
  { "add map", "tcp-dnat-ip { " MAP_ADDR_PORT "}" },
  { "add map", "udp-dnat { " MAP_PORT "}" },
  { "add map", "udp-dnat-ip { " MAP_ADDR_PORT "}" },
};

/* The base chains and `ports`, flushed and refilled, so that a damaged
 * table or one from an older servin converges to this layout. */
static const struct line base_chains[] = {
  /* Published ports; an address-specific mapping wins over a wildcard one. */
  { "add chain", "ports" },
  { "flush chain", "ports" },
  { "add rule", "ports dnat ip to ip daddr . tcp dport map @tcp-dnat-ip" },
  { "add rule", "ports dnat ip to tcp dport map @tcp-dnat" },
  { "add rule", "ports dnat ip to ip daddr . udp dport map @udp-dnat-ip" },
  { "add rule", "ports dnat ip to udp dport map @udp-dnat" },
  /* 127.0.0.0/8 from outside is a martian unless DNATed: never DNAT it. */
  { "add chain", "prerouting { type nat hook prerouting priority dstnat; policy accept; }" },
  { "flush chain", "prerouting" },
  { "add rule", "prerouting ip daddr != 127.0.0.0/8 fib daddr type local jump ports" },
  { "add chain", "output { type nat hook output priority -100; policy accept; }" },
  { "flush chain", "output" },
  { "add rule", "output fib daddr type local jump ports" },
  { "add chain", "postrouting { type nat hook postrouting priority srcnat; policy accept; }" },
  { "flush chain", "postrouting" },
  { "add rule", "postrouting iifname vmap @nat-br" },
  { "add rule", "postrouting oifname vmap @nat-br" },
  { "add chain", "forward { type filter hook forward priority filter; policy accept; }" },
  { "flush chain", "forward" },
  { "add rule", "forward iifname vmap @filter-br" },
  { "add rule", "forward oifname vmap @filter-br" },
  /* Before conntrack: replies to DNATed 127.0.0.1 connections still carry
   * the bridge's address here, only new packets for 127/8 are dropped. */
  { "add chain", "guard { type filter hook prerouting priority raw; policy accept; }" },
  { "flush chain", "guard" },
  { "add rule", "guard iifname @bridges ip daddr 127.0.0.0/8 drop" },
};

static void
lines (struct cmds *c, const char *table, const struct line *l, size_t n)
{
  for (size_t i = 0; i < n; i++)
    cmd (c, "%s ip %s %s", l[i].verb, table, l[i].rest);
}

static void
declare (struct cmds *c, const char *table)
{
  lines (c, table, declarations, sizeof declarations / sizeof declarations[0]);
}

/* The whole skeleton: declarations and base chains. */
static void
skeleton (struct cmds *c, const char *table)
{
  declare (c, table);
  lines (c, table, base_chains, sizeof base_chains / sizeof base_chains[0]);
}

/* ---- networks ---- */

/* Leave chain PREFIX-BRIDGE and BRIDGE's element of MAP gone, present or not. */
static void
drop_chain (struct cmds *c, const char *t, const char *map, const char *prefix, const char *br)
{
  cmd (c, "add chain ip %s %s-%s", t, prefix, br);
  cmd (c, "add element ip %s %s { \"%s\" : jump %s-%s }", t, map, br, prefix, br);
  cmd (c, "delete element ip %s %s { \"%s\" }", t, map, br);
  cmd (c, "flush chain ip %s %s-%s", t, prefix, br);
  cmd (c, "delete chain ip %s %s-%s", t, prefix, br);
}

static void
nat_chain (struct cmds *c, const char *t, const char *br, const char *subnet, bool internal)
{
  cmd (c, "add chain ip %s nat-%s", t, br);
  cmd (c, "flush chain ip %s nat-%s", t, br);
  if (!internal)
    cmd (c, "add rule ip %s nat-%s ip saddr %s oifname != \"%s\" masquerade", t, br, subnet, br);
  cmd (c, "add rule ip %s nat-%s ip saddr 127.0.0.0/8 oifname \"%s\" masquerade", t, br, br);
  cmd (c, "add rule ip %s nat-%s ct status dnat ip saddr %s oifname \"%s\" masquerade", t, br,
       subnet, br);
  cmd (c, "add element ip %s nat-br { \"%s\" : jump nat-%s }", t, br, br);
}

static void
filter_chain (struct cmds *c, const char *t, const char *br)
{
  cmd (c, "add chain ip %s filter-%s", t, br);
  cmd (c, "flush chain ip %s filter-%s", t, br);
  cmd (c, "add rule ip %s filter-%s iifname \"%s\" oifname != \"%s\" drop", t, br, br, br);
  cmd (c, "add rule ip %s filter-%s oifname \"%s\" iifname != \"%s\" drop", t, br, br, br);
  cmd (c, "add element ip %s filter-br { \"%s\" : jump filter-%s }", t, br, br);
}

int
sv_nft_network_add (const char *table, const struct sv_nft_net *n, struct sv_err **err)
{
  char subnet[32];
  if (check_table (table, err) < 0 || check_bridge (n->bridge, err) < 0
      || parse_subnet (n->subnet, subnet, err) < 0)
    return -1;
  _cleanup_cmds_ struct cmds c = { 0 };
  skeleton (&c, table);
  nat_chain (&c, table, n->bridge, subnet, n->internal);
  if (n->internal)
    filter_chain (&c, table, n->bridge);
  else
    drop_chain (&c, table, "filter-br", "filter", n->bridge);
  cmd (&c, "add element ip %s bridges { \"%s\" }", table, n->bridge);
  return run (c.s, NULL, err);
}

int
sv_nft_network_remove (const char *table, const char *bridge, struct sv_err **err)
{
  if (check_table (table, err) < 0 || check_bridge (bridge, err) < 0)
    return -1;
  int r = table_exists (table, err);
  if (r <= 0)
    return r;
  _cleanup_cmds_ struct cmds c = { 0 };
  declare (&c, table);
  drop_chain (&c, table, "nat-br", "nat", bridge);
  drop_chain (&c, table, "filter-br", "filter", bridge);
  cmd (&c, "add element ip %s bridges { \"%s\" }", table, bridge);
  cmd (&c, "delete element ip %s bridges { \"%s\" }", table, bridge);
  return run (c.s, NULL, err);
}

/* ---- published ports ---- */

static int
check_ports (const struct sv_nft_port *p, size_t n, struct sv_err **err)
{
  for (size_t i = 0; i < n; i++)
    if ((p[i].proto != IPPROTO_TCP && p[i].proto != IPPROTO_UDP) || p[i].host_port == 0
        || p[i].ctr_port == 0 || p[i].ctr_ip.s_addr == htonl (INADDR_ANY))
      return sv_err_make_plain (err, EINVAL, "nftables: invalid published port %d/%u->%u",
                                p[i].proto, p[i].host_port, p[i].ctr_port);
  return 0;
}

/* "VERB element ip TABLE MAP { KEY : DATA }" for P; without the data when
 * WITH_DATA is false (a delete). */
static void
port_element (struct cmds *c, const char *verb, const char *t, const struct sv_nft_port *p,
              bool with_data)
{
  const char *proto = p->proto == IPPROTO_TCP ? "tcp" : "udp";
  bool any = p->host_ip.s_addr == htonl (INADDR_ANY);
  char host[INET_ADDRSTRLEN], ctr[INET_ADDRSTRLEN];
  inet_ntop (AF_INET, &p->host_ip, host, sizeof host);
  inet_ntop (AF_INET, &p->ctr_ip, ctr, sizeof ctr);
  _cleanup_free_ char *key
      = any ? xasprintf ("%u", p->host_port) : xasprintf ("%s . %u", host, p->host_port);
  _cleanup_free_ char *data = with_data ? xasprintf (" : %s . %u", ctr, p->ctr_port) : NULL;
  cmd (c, "%s element ip %s %s-dnat%s { %s%s }", verb, t, proto, any ? "" : "-ip", key,
       data ? data : "");
}

/* Hand the error E to the caller (ERR may be NULL); returns < 0. */
static int
pass_err (struct sv_err **e, struct sv_err **err)
{
  int r = (*e)->code > 0 ? -(*e)->code : -1;
  if (err)
    {
      sv_err_free (err);
      *err = steal_pointer (e);
    }
  return r;
}

/* Elements only first: a transaction that touches no chain or rule costs
 * ~0.1 ms, one that does ~15 ms (the kernel waits for an RCU grace period
 * when the socket closes), and this runs on every `run -p`.  The skeleton
 * comes along only when the table or a map is missing. */
int
sv_nft_ports_add (const char *table, const struct sv_nft_port *p, size_t n, struct sv_err **err)
{
  if (check_table (table, err) < 0 || check_ports (p, n, err) < 0)
    return -1;
  if (n == 0)
    return 0;
  _cleanup_cmds_ struct cmds fast = { 0 };
  for (size_t i = 0; i < n; i++)
    port_element (&fast, "add", table, &p[i], true);
  _cleanup_err_ struct sv_err *e = NULL;
  if (run (fast.s, NULL, &e) == 0)
    return 0;
  if (e->code != ENOENT)
    return pass_err (&e, err);
  _cleanup_cmds_ struct cmds c = { 0 };
  skeleton (&c, table);
  for (size_t i = 0; i < n; i++)
    port_element (&c, "add", table, &p[i], true);
  return run (c.s, NULL, err);
}

/* One transaction removing the N ports P (the add makes the delete safe
 * when P is gone; it fails with EEXIST when P's key maps elsewhere). */
static int
ports_remove_once (const char *table, const struct sv_nft_port *p, size_t n, struct sv_err **err)
{
  _cleanup_cmds_ struct cmds c = { 0 };
  declare (&c, table);
  for (size_t i = 0; i < n; i++)
    {
      port_element (&c, "add", table, &p[i], true);
      port_element (&c, "delete", table, &p[i], false);
    }
  return run (c.s, NULL, err);
}

int
sv_nft_ports_remove (const char *table, const struct sv_nft_port *p, size_t n, struct sv_err **err)
{
  if (check_table (table, err) < 0 || check_ports (p, n, err) < 0)
    return -1;
  int r = table_exists (table, err);
  if (r <= 0 || n == 0)
    return r;
  _cleanup_err_ struct sv_err *e = NULL;
  if (ports_remove_once (table, p, n, &e) == 0)
    return 0;
  if (e->code != EEXIST)
    return pass_err (&e, err);
  /* Some key is someone else's now: withdraw the others one by one. */
  for (size_t i = 0; i < n; i++)
    {
      sv_err_free (&e);
      if (ports_remove_once (table, &p[i], 1, &e) < 0 && e->code != EEXIST)
        return pass_err (&e, err);
    }
  return 0;
}

int
sv_nft_table_remove (const char *table, struct sv_err **err)
{
  if (check_table (table, err) < 0)
    return -1;
  _cleanup_cmds_ struct cmds c = { 0 };
  cmd (&c, "add table ip %s", table);
  cmd (&c, "delete table ip %s", table);
  return run (c.s, NULL, err);
}
