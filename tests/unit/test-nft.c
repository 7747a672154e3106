/* The nftables layer (network/nft.c) against the real kernel, in a private
 * network namespace so that nothing touches the machine's ruleset.
 *
 * The first group reads the ruleset back: every call is idempotent, each
 * network's rules are exactly removable, someone else's table survives
 * everything.  The second group proves the rules route: a bridge with a
 * "container" namespace behind a veth and an "external" namespace behind
 * another, servers written here (no external tools but ip(8)), and checks
 * that published ports answer on 127.0.0.1 and on the host's address (TCP
 * and UDP), from outside and from a container (hairpin), that outbound
 * traffic is masqueraded, that internal networks are cut off, and that
 * 127.0.0.1 is not reachable from outside or from containers.
 *
 * Without root, the namespace lives in a user namespace of the test's own;
 * where neither can be created the whole program skips (exit 77) and says
 * so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "network/nft.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define T "servin-unit"

/* ---- nft, directly through libnftables ---- */

/* Run CMDS; 0 and the output in *OUT (when not NULL), or -1. */
static int
nft (const char *cmds, char **out)
{
  struct nft_ctx *ctx = nft_ctx_new (NFT_CTX_DEFAULT);
  assert_non_null (ctx);
  nft_ctx_buffer_output (ctx);
  nft_ctx_buffer_error (ctx);
  int r = nft_run_cmd_from_buffer (ctx, cmds);
  if (r == 0 && out)
    *out = xstrdup (nft_ctx_get_output_buffer (ctx));
  nft_ctx_free (ctx);
  return r == 0 ? 0 : -1;
}

/* `list table ip TABLE`, or NULL when there is no such table. */
static char *
listing (const char *table)
{
  _cleanup_free_ char *c = xasprintf ("list table ip %s", table);
  char *out = NULL;
  return nft (c, &out) == 0 ? out : NULL;
}

static void
assert_has (const char *text, const char *needle)
{
  if (strstr (text, needle) == NULL)
    fail_msg ("missing `%s` in:\n%s", needle, text);
}

static void
assert_lacks (const char *text, const char *needle)
{
  if (strstr (text, needle) != NULL)
    fail_msg ("unexpected `%s` in:\n%s", needle, text);
}

/* R is the result of a call that filled *ERR (read after the call). */
static void
ok (int r, struct sv_err **err)
{
  if (r < 0)
    {
      _cleanup_free_ char *s = sv_err_string (err ? *err : NULL);
      fail_msg ("%s", s);
    }
}

static const char decoy_cmds[] = "add table ip other\n"
                                 "add chain ip other c { type nat hook postrouting priority 50; }\n"
                                 "add rule ip other c ip saddr 10.88.0.0/16 counter\n"
                                 "add table inet " T "\n"
                                 "add chain inet " T " postrouting\n";

static char *decoy_ip, *decoy_inet;

/* Someone else's tables, one of them with our table's name in another
 * family: they must come out of every test exactly as they went in. */
static int
setup_decoys (void **state)
{
  assert_int_equal (nft (decoy_cmds, NULL), 0);
  decoy_ip = listing ("other");
  assert_int_equal (nft ("list table inet " T, &decoy_inet), 0);
  return 0;
}

static int
check_decoys (void **state)
{
  struct sv_err *err = NULL;
  ok (sv_nft_table_remove (T, &err), &err);
  _cleanup_free_ char *ip = listing ("other");
  _cleanup_free_ char *inet = NULL;
  assert_int_equal (nft ("list table inet " T, &inet), 0);
  assert_non_null (ip);
  assert_string_equal (ip, decoy_ip);
  assert_string_equal (inet, decoy_inet);
  return 0;
}

/* ---- the ruleset ---- */

static const struct sv_nft_net net0 = { "servin0", "10.88.0.0/16", false };
static const struct sv_nft_net net1 = { "servin1", "10.89.0.7/24", true };

static void
test_network_add_is_idempotent (void **state)
{
  struct sv_err *err = NULL;
  ok (sv_nft_network_add (T, &net0, &err), &err);
  _cleanup_free_ char *once = listing (T);
  ok (sv_nft_network_add (T, &net0, &err), &err);
  _cleanup_free_ char *twice = listing (T);
  assert_non_null (once);
  assert_string_equal (once, twice);
  assert_has (once, "type nat hook postrouting priority srcnat; policy accept;");
  assert_has (once, "elements = { \"servin0\" : jump nat-servin0 }");
  assert_has (once, "ip saddr 10.88.0.0/16 oifname != \"servin0\" masquerade");
  assert_has (once, "ip saddr 127.0.0.0/8 oifname \"servin0\" masquerade");
  assert_has (once, "ct status dnat ip saddr 10.88.0.0/16 oifname \"servin0\" masquerade");
  assert_has (once, "ip daddr != 127.0.0.0/8 fib daddr type local jump ports");
  assert_has (once, "iifname @bridges ip daddr 127.0.0.0/8 drop");
  assert_lacks (once, "filter-servin0");
}

static void
test_internal_network_and_convergence (void **state)
{
  struct sv_err *err = NULL;
  ok (sv_nft_network_add (T, &net0, &err), &err);
  ok (sv_nft_network_add (T, &net1, &err), &err);
  _cleanup_free_ char *l = listing (T);
  /* Host bits of the subnet are dropped; no outbound NAT when internal. */
  assert_has (l, "ct status dnat ip saddr 10.89.0.0/24 oifname \"servin1\" masquerade");
  assert_lacks (l, "ip saddr 10.89.0.0/24 oifname != \"servin1\" masquerade");
  assert_has (l, "iifname \"servin1\" oifname != \"servin1\" drop");
  assert_has (l, "oifname \"servin1\" iifname != \"servin1\" drop");
  assert_has (l, "\"servin1\" : jump filter-servin1");

  /* The same bridge added as a normal network loses its filter chain. */
  struct sv_nft_net open1 = net1;
  open1.internal = false;
  ok (sv_nft_network_add (T, &open1, &err), &err);
  _cleanup_free_ char *m = listing (T);
  assert_lacks (m, "filter-servin1");
  assert_has (m, "ip saddr 10.89.0.0/24 oifname != \"servin1\" masquerade");
  assert_has (m, "ip saddr 10.88.0.0/16 oifname != \"servin0\" masquerade");

  /* A damaged skeleton is repaired by the next add. */
  assert_int_equal (nft ("flush chain ip " T " postrouting\ndelete chain ip " T " guard", NULL), 0);
  ok (sv_nft_network_add (T, &net0, &err), &err);
  _cleanup_free_ char *n = listing (T);
  assert_has (n, "oifname vmap @nat-br");
  assert_has (n, "iifname @bridges ip daddr 127.0.0.0/8 drop");
}

static void
test_network_remove_is_exact (void **state)
{
  struct sv_err *err = NULL;
  ok (sv_nft_network_add (T, &net0, &err), &err);
  _cleanup_free_ char *before = listing (T);
  ok (sv_nft_network_add (T, &net1, &err), &err);
  ok (sv_nft_network_remove (T, "servin1", &err), &err);
  ok (sv_nft_network_remove (T, "servin1", &err), &err);
  _cleanup_free_ char *after = listing (T);
  assert_string_equal (before, after);

  ok (sv_nft_network_remove (T, "servin0", &err), &err);
  _cleanup_free_ char *empty = listing (T);
  assert_lacks (empty, "servin0");
  assert_has (empty, "chain postrouting");
}

static struct sv_nft_port
mkport (int proto, const char *host, int host_port, const char *ctr, int ctr_port)
{
  struct sv_nft_port p = { proto, { 0 }, host_port, { 0 }, ctr_port };
  assert_int_equal (inet_pton (AF_INET, host, &p.host_ip), 1);
  assert_int_equal (inet_pton (AF_INET, ctr, &p.ctr_ip), 1);
  return p;
}

static struct sv_nft_port ports[2];

static int
setup_ports (void **state)
{
  ports[0] = mkport (IPPROTO_TCP, "0.0.0.0", 8080, "10.88.0.2", 80);
  ports[1] = mkport (IPPROTO_UDP, "127.0.0.1", 5353, "10.88.0.2", 53); /* on 127.0.0.1 only */
  return setup_decoys (state);
}

static void
test_ports_add_remove (void **state)
{
  struct sv_err *err = NULL;
  ok (sv_nft_ports_add (T, ports, 2, &err), &err);
  _cleanup_free_ char *once = listing (T);
  ok (sv_nft_ports_add (T, ports, 2, &err), &err);
  _cleanup_free_ char *twice = listing (T);
  assert_string_equal (once, twice);
  assert_has (once, "elements = { 8080 : 10.88.0.2 . 80 }");
  assert_has (once, "elements = { 127.0.0.1 . 5353 : 10.88.0.2 . 53 }");
  assert_has (once, "dnat ip to tcp dport map @tcp-dnat");
  assert_has (once, "dnat ip to ip daddr . udp dport map @udp-dnat-ip");

  /* The same port to another container: EEXIST, and nothing added. */
  struct sv_nft_port clash[2]
      = { mkport (IPPROTO_TCP, "0.0.0.0", 9090, "10.88.0.3", 90), ports[0] };
  clash[1].ctr_port = 81;
  assert_true (sv_nft_ports_add (T, clash, 2, &err) < 0);
  if (err->code != EEXIST
      || strstr (err->msg, "nftables: add element ip " T " tcp-dnat { 8080 : ") == NULL)
    fail_msg ("%d %s", err->code, err->msg);
  assert_null (strchr (err->msg, '\n'));
  sv_err_free (&err);
  _cleanup_free_ char *unchanged = listing (T);
  assert_string_equal (once, unchanged);

  /* Removing someone else's mapping leaves it, and still removes ours. */
  struct sv_nft_port mine = clash[0];
  ok (sv_nft_ports_add (T, &mine, 1, &err), &err);
  ok (sv_nft_ports_remove (T, clash, 2, &err), &err);
  _cleanup_free_ char *theirs = listing (T);
  assert_string_equal (once, theirs);

  ok (sv_nft_ports_remove (T, ports, 2, &err), &err);
  ok (sv_nft_ports_remove (T, ports, 2, &err), &err);
  _cleanup_free_ char *gone = listing (T);
  assert_lacks (gone, "elements");
}

static void
test_table_remove_and_missing_table (void **state)
{
  struct sv_err *err = NULL;
  ok (sv_nft_network_add (T, &net0, &err), &err);
  ok (sv_nft_table_remove (T, &err), &err);
  assert_null (listing (T));
  ok (sv_nft_table_remove (T, &err), &err);
  /* Removing from a missing table neither fails nor creates it. */
  ok (sv_nft_network_remove (T, "servin0", &err), &err);
  ok (sv_nft_ports_remove (T, ports, 2, NULL), NULL);
  assert_null (listing (T));
}

static void
test_errors (void **state)
{
  struct sv_err *err = NULL;
  const char *bad_tables[] = { "", "9lives", "a b", "x;flush ruleset", "-x" };
  for (size_t i = 0; i < sizeof bad_tables / sizeof *bad_tables; i++)
    {
      assert_true (sv_nft_table_remove (bad_tables[i], &err) < 0);
      assert_int_equal (err->code, EINVAL);
      sv_err_free (&err);
    }
  struct sv_nft_net bad = { "br\"0", "10.0.0.0/8", false };
  assert_true (sv_nft_network_add (T, &bad, &err) < 0);
  assert_int_equal (err->code, EINVAL);
  sv_err_free (&err);
  bad = (struct sv_nft_net){ "br0", "10.0.0.0/33", false };
  assert_true (sv_nft_network_add (T, &bad, &err) < 0);
  assert_int_equal (err->code, EINVAL);
  sv_err_free (&err);
  struct sv_nft_port p = mkport (IPPROTO_ICMP, "0.0.0.0", 1, "10.0.0.1", 1);
  assert_true (sv_nft_ports_add (T, &p, 1, &err) < 0);
  assert_int_equal (err->code, EINVAL);
  sv_err_free (&err);

  /* A table of ours whose set has another type: nftables' error, one line,
   * naming the command that failed (EINVAL: evaluation errors have no errno). */
  assert_int_equal (nft ("add table ip " T "\nadd set ip " T " bridges { type ipv4_addr; }", NULL),
                    0);
  assert_true (sv_nft_network_add (T, &net0, &err) < 0);
  const char *want = "nftables: add rule ip " T " guard iifname @bridges ip daddr 127.0.0.0/8 "
                     "drop: Error: datatype mismatch";
  if (strncmp (err->msg, want, strlen (want)) != 0 || strchr (err->msg, '\n'))
    fail_msg ("%s", err->msg);
  assert_int_equal (err->code, EINVAL);
  sv_err_free (&err);
}

/* ---- a small topology ---- */

#define R "servin-route"

struct ns
{
  pid_t pid; /* holds the namespace and serves */
};

static struct ns ctr, ext;
static bool topology_ok;

static int
listener (int type, int port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port) };
  int one = 1;
  int fd = socket (AF_INET, type, 0);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *)&a, sizeof a) < 0
      || (type == SOCK_STREAM && listen (fd, 16) < 0))
    _exit (1);
  return fd;
}

/* Answers "NAME:PEER" to every TCP connection on PORT and every datagram
 * on UDP PORT, PEER being the source address seen; a TCP connection on
 * PORT + 1 gets "last:PEER" for the last datagram received since the
 * previous such question ("last:" for none), so that the tests can tell
 * whether a datagram arrived even when its answer cannot come back. */
static void __attribute__ ((noreturn)) serve (const char *name, int port)
{
  struct pollfd pf[3] = { { listener (SOCK_STREAM, port), POLLIN, 0 },
                          { listener (SOCK_DGRAM, port), POLLIN, 0 },
                          { listener (SOCK_STREAM, port + 1), POLLIN, 0 } };
  char last[INET_ADDRSTRLEN] = "";
  for (;;)
    {
      if (poll (pf, 3, -1) < 0)
        continue;
      struct sockaddr_in peer;
      socklen_t len = sizeof peer;
      char ip[INET_ADDRSTRLEN], buf[64];
      for (int i = 0; i < 3; i += 2)
        if (pf[i].revents & POLLIN)
          {
            int c = accept (pf[i].fd, (struct sockaddr *)&peer, &len);
            if (c < 0)
              continue;
            if (i == 0)
              dprintf (c, "%s:%s", name, inet_ntop (AF_INET, &peer.sin_addr, ip, sizeof ip));
            else
              dprintf (c, "last:%s", last);
            last[i == 2 ? 0 : sizeof last - 1] = '\0';
            close (c);
          }
      len = sizeof peer;
      if ((pf[1].revents & POLLIN)
          && recvfrom (pf[1].fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len) >= 0)
        {
          inet_ntop (AF_INET, &peer.sin_addr, last, sizeof last);
          int n = snprintf (buf, sizeof buf, "%s:%s", name, last);
          sendto (pf[1].fd, buf, n, 0, (struct sockaddr *)&peer, len);
        }
    }
}

/* A child in a network namespace of its own, serving (see serve). */
static struct ns
spawn_ns (const char *name, int port)
{
  int p[2];
  assert_int_equal (pipe2 (p, O_CLOEXEC), 0);
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (unshare (CLONE_NEWNET) < 0)
        _exit (1);
      (void)!write (p[1], "x", 1);
      close (p[1]);
      serve (name, port);
    }
  close (p[1]);
  char c;
  assert_int_equal (read (p[0], &c, 1), 1);
  close (p[0]);
  return (struct ns){ pid };
}

static void
enter (pid_t pid)
{
  _cleanup_free_ char *path = xasprintf ("/proc/%d/ns/net", (int)pid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, CLONE_NEWNET) < 0)
    _exit (126);
  close (fd);
}

/* Run the shell command CMD in the network namespace of PID (0: ours). */
static bool
sh (pid_t pid, const char *cmd)
{
  pid_t c = fork ();
  if (c == 0)
    {
      if (pid)
        enter (pid);
      _cleanup_free_ char *script = xasprintf ("PATH=$PATH:/usr/sbin:/sbin\n%s", cmd);
      execl ("/bin/sh", "sh", "-ec", script, (char *)NULL);
      _exit (127);
    }
  int status = 0;
  waitpid (c, &status, 0);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "test-nft: failed (%d): %s\n", status, cmd);
      return false;
    }
  return true;
}

static int
client_socket (int type, const char *addr, int port, int timeout_ms)
{
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);
  struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port) };
  inet_pton (AF_INET, addr, &a.sin_addr);
  if (connect (fd, (struct sockaddr *)&a, sizeof a) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* What the server at ADDR:PORT answers over TCP or UDP, or NULL when no
 * answer comes within TIMEOUT_MS. */
static char *
ask_here (int type, const char *addr, int port, int timeout_ms)
{
  _cleanup_close_ int fd = client_socket (type, addr, port, timeout_ms);
  if (fd < 0 || (type == SOCK_DGRAM && send (fd, "?", 1, 0) != 1))
    return NULL;
  char buf[64];
  size_t len = 0;
  ssize_t n;
  while (len < sizeof buf - 1 && (n = read (fd, buf + len, sizeof buf - 1 - len)) > 0)
    {
      len += n;
      if (type == SOCK_DGRAM)
        break;
    }
  buf[len] = '\0';
  return len ? xstrdup (buf) : NULL;
}

/* The same from the network namespace of PID (0: ours). */
static char *
ask (pid_t pid, int type, const char *addr, int port, int timeout_ms)
{
  if (pid == 0)
    return ask_here (type, addr, port, timeout_ms);
  int p[2];
  assert_int_equal (pipe2 (p, O_CLOEXEC), 0);
  pid_t c = fork ();
  if (c == 0)
    {
      enter (pid);
      _cleanup_free_ char *r = ask_here (type, addr, port, timeout_ms);
      if (r)
        (void)!write (p[1], r, strlen (r));
      _exit (0);
    }
  close (p[1]);
  char buf[64];
  ssize_t n = read (p[0], buf, sizeof buf - 1);
  close (p[0]);
  waitpid (c, NULL, 0);
  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  return xstrdup (buf);
}

static void
assert_answer (pid_t from, int type, const char *addr, int port, const char *want)
{
  _cleanup_free_ char *got = ask (from, type, addr, port, want ? 3000 : 800);
  if (want == NULL && got != NULL)
    fail_msg ("%s:%d answered `%s`, expected no answer", addr, port, got);
  if (want && (got == NULL || strcmp (got, want) != 0))
    fail_msg ("%s:%d answered `%s`, expected `%s`", addr, port, got ? got : "(nothing)", want);
}

static const struct sv_nft_net rnet = { "br0", "10.123.0.0/24", false };
static struct sv_nft_port rports[3];

/* Our namespace is the host: br0 10.123.0.1/24 with the container
 * 10.123.0.2 (serving on 80, see serve) behind veth v0, and x0
 * 192.0.2.1/24 towards the external peer 192.0.2.2 (serving on 7000).
 * Both peers route 127.0.0.0/8 to us and accept answers from it, as an
 * attacker would; the external peer routes the containers' subnet to us,
 * so that only the peer address it reports tells masquerading apart. */
static int
setup_topology (void **state)
{
  rports[0] = mkport (IPPROTO_TCP, "0.0.0.0", 8080, "10.123.0.2", 80);   /* -p 8080:80 */
  rports[1] = mkport (IPPROTO_UDP, "0.0.0.0", 5353, "10.123.0.2", 80);   /* -p 5353:80/udp */
  rports[2] = mkport (IPPROTO_TCP, "127.0.0.1", 8081, "10.123.0.2", 80); /* -p 127.0.0.1:8081:80 */
  ctr = spawn_ns ("ctr", 80);
  ext = spawn_ns ("ext", 7000);
  _cleanup_free_ char *host
      = xasprintf ("ip link add br0 type bridge\n"
                   "ip addr add 10.123.0.1/24 dev br0\n"
                   "ip link set br0 up\n"
                   "ip link add v0 type veth peer name v1\n"
                   "ip link set v0 master br0\n"
                   /* with br_netfilter loaded, needed for a container's own port */
                   "ip link set v0 type bridge_slave hairpin on\n"
                   "ip link set v0 up\n"
                   "ip link set v1 netns %d\n"
                   "ip link add x0 type veth peer name x1\n"
                   "ip addr add 192.0.2.1/24 dev x0\n"
                   "ip link set x0 up\n"
                   "ip link set x1 netns %d\n"
                   "echo 1 > /proc/sys/net/ipv4/ip_forward\n"
                   "echo 1 > /proc/sys/net/ipv4/conf/br0/route_localnet\n",
                   (int)ctr.pid, (int)ext.pid);
  const char *attacker = "ip link set lo up\n"
                         "ip route del local 127.0.0.0/8 dev lo table local\n"
                         "ip route del local 127.0.0.1 dev lo table local\n"
                         "echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet\n";
  _cleanup_free_ char *in_ctr = xasprintf ("%s"
                                           "ip addr add 10.123.0.2/24 dev v1\n"
                                           "ip link set v1 up\n"
                                           "ip route add default via 10.123.0.1\n"
                                           "ip route add 127.0.0.0/8 via 10.123.0.1\n",
                                           attacker);
  _cleanup_free_ char *in_ext = xasprintf ("%s"
                                           "ip addr add 192.0.2.2/24 dev x1\n"
                                           "ip link set x1 up\n"
                                           "ip route add 127.0.0.0/8 via 192.0.2.1\n"
                                           "ip route add 10.123.0.0/24 via 192.0.2.1\n",
                                           attacker);
  topology_ok = sh (0, host) && sh (ctr.pid, in_ctr) && sh (ext.pid, in_ext);
  if (!topology_ok)
    fprintf (stderr, "test-nft: SKIPPING the routing tests: cannot build the topology\n");
  struct sv_err *err = NULL;
  ok (sv_nft_network_add (R, &rnet, &err), &err);
  ok (sv_nft_ports_add (R, rports, 3, &err), &err);
  return 0;
}

static int
teardown_topology (void **state)
{
  struct sv_err *err = NULL;
  ok (sv_nft_table_remove (R, &err), &err);
  kill (ctr.pid, SIGKILL);
  kill (ext.pid, SIGKILL);
  waitpid (ctr.pid, NULL, 0);
  waitpid (ext.pid, NULL, 0);
  sh (0, "ip link del br0; ip link del x0 2>/dev/null || true");
  return 0;
}

#define NEED_TOPOLOGY                                                                              \
  do                                                                                               \
    if (!topology_ok)                                                                              \
      skip ();                                                                                     \
  while (0)

/* Send one datagram from FROM to ADDR:PORT and return whether it reached
 * the server whose report port is SERVER:REPORT (asked directly from the
 * host), whether or not its answer could come back. */
static bool
datagram_arrives (pid_t from, const char *addr, int port, const char *server, int report)
{
  _cleanup_free_ char *before = ask (0, SOCK_STREAM, server, report, 3000);
  assert_non_null (before); /* clears the report */
  _cleanup_free_ char *answer = ask (from, SOCK_DGRAM, addr, port, 500);
  _cleanup_free_ char *after = ask (0, SOCK_STREAM, server, report, 3000);
  assert_non_null (after);
  return strcmp (after, "last:") != 0;
}

static void
test_published_on_loopback (void **state)
{
  NEED_TOPOLOGY;
  /* From 127.0.0.1, masqueraded to the bridge's address. */
  assert_answer (0, SOCK_STREAM, "127.0.0.1", 8080, "ctr:10.123.0.1");
  assert_answer (0, SOCK_DGRAM, "127.0.0.1", 5353, "ctr:10.123.0.1");
  assert_answer (0, SOCK_STREAM, "127.0.0.1", 8081, "ctr:10.123.0.1");
  /* From the host's own address: no masquerade needed. */
  assert_answer (0, SOCK_STREAM, "192.0.2.1", 8080, "ctr:192.0.2.1");
  assert_answer (0, SOCK_STREAM, "192.0.2.1", 8081, NULL); /* 127.0.0.1 only */
}

static void
test_published_from_outside_and_hairpin (void **state)
{
  NEED_TOPOLOGY;
  assert_answer (ext.pid, SOCK_STREAM, "192.0.2.1", 8080, "ctr:192.0.2.2");
  assert_answer (ext.pid, SOCK_DGRAM, "192.0.2.1", 5353, "ctr:192.0.2.2");
  assert_answer (ext.pid, SOCK_STREAM, "192.0.2.1", 8081, NULL);
  /* A container reaching its own published port, on the gateway's and on
   * the host's address: masqueraded, or the answer would bypass the host. */
  assert_answer (ctr.pid, SOCK_STREAM, "10.123.0.1", 8080, "ctr:10.123.0.1");
  assert_answer (ctr.pid, SOCK_STREAM, "192.0.2.1", 8080, "ctr:10.123.0.1");
}

static void
test_outbound_masquerade (void **state)
{
  NEED_TOPOLOGY;
  assert_answer (ctr.pid, SOCK_STREAM, "192.0.2.2", 7000, "ext:192.0.2.1");
  assert_answer (ctr.pid, SOCK_DGRAM, "192.0.2.2", 7000, "ext:192.0.2.1");
}

static void
test_loopback_unreachable_from_peers (void **state)
{
  NEED_TOPOLOGY;
  /* Published ports on 127.0.0.1 are not reachable from outside: not even
   * one datagram gets to the container. */
  assert_answer (ext.pid, SOCK_STREAM, "127.0.0.1", 8080, NULL);
  assert_answer (ext.pid, SOCK_STREAM, "127.0.0.1", 8081, NULL);
  assert_false (datagram_arrives (ext.pid, "127.0.0.1", 5353, "10.123.0.2", 81));
  assert_true (datagram_arrives (ext.pid, "10.123.0.2", 80, "10.123.0.2", 81)); /* control */

  /* A host service on 127.0.0.1 is not reachable from a container, though
   * route_localnet=1 on the bridge would let it through without `guard`. */
  _cleanup_close_ int u = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (9999) };
  inet_pton (AF_INET, "127.0.0.1", &a.sin_addr);
  assert_int_equal (bind (u, (struct sockaddr *)&a, sizeof a), 0);
  for (int round = 0; round < 3; round++)
    {
      /* round 1 runs without guard: the control that proves the probe works;
       * round 2 after the next network add has repaired it */
      if (round == 1)
        assert_int_equal (nft ("flush chain ip " R " guard", NULL), 0);
      if (round == 2)
        {
          struct sv_err *err = NULL;
          ok (sv_nft_network_add (R, &rnet, &err), &err);
        }
      _cleanup_free_ char *r = ask (ctr.pid, SOCK_DGRAM, "127.0.0.1", 9999, 300);
      assert_null (r);
      char buf[8];
      ssize_t n = recv (u, buf, sizeof buf, MSG_DONTWAIT);
      assert_int_equal (n, round == 1 ? 1 : -1);
    }
}

static void
test_internal_network_is_cut_off (void **state)
{
  NEED_TOPOLOGY;
  struct sv_err *err = NULL;
  struct sv_nft_net internal = rnet;
  internal.internal = true;
  ok (sv_nft_network_add (R, &internal, &err), &err);
  /* Each direction on its own: one datagram, answer or not. */
  assert_false (datagram_arrives (ctr.pid, "192.0.2.2", 7000, "192.0.2.2", 7001));
  assert_false (datagram_arrives (ext.pid, "192.0.2.1", 5353, "10.123.0.2", 81));
  assert_false (datagram_arrives (ext.pid, "10.123.0.2", 80, "10.123.0.2", 81));
  assert_answer (ext.pid, SOCK_STREAM, "192.0.2.1", 8080, NULL);
  /* The host itself and the bridge itself still reach it. */
  assert_answer (0, SOCK_STREAM, "127.0.0.1", 8080, "ctr:10.123.0.1");
  assert_answer (ctr.pid, SOCK_STREAM, "10.123.0.1", 8080, "ctr:10.123.0.1");
  ok (sv_nft_network_add (R, &rnet, &err), &err);
  assert_answer (ctr.pid, SOCK_DGRAM, "192.0.2.2", 7000, "ext:192.0.2.1");
  assert_answer (ext.pid, SOCK_STREAM, "192.0.2.1", 8080, "ctr:192.0.2.2");
}

static void
test_removed_ports_stop_answering (void **state)
{
  NEED_TOPOLOGY;
  struct sv_err *err = NULL;
  ok (sv_nft_ports_remove (R, rports, 3, &err), &err);
  assert_answer (0, SOCK_STREAM, "127.0.0.1", 8080, NULL);
  assert_answer (ext.pid, SOCK_STREAM, "192.0.2.1", 8080, NULL);
  ok (sv_nft_ports_add (R, rports, 3, &err), &err);
  assert_answer (0, SOCK_STREAM, "127.0.0.1", 8080, "ctr:10.123.0.1");
  ok (sv_nft_network_remove (R, "br0", &err), &err);
  /* Without the network's chain nothing is masqueraded any more. */
  assert_answer (ctr.pid, SOCK_STREAM, "192.0.2.2", 7000, "ext:10.123.0.2");
}

/* ---- main ---- */

static bool
write_file (const char *path, const char *text)
{
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  return fd >= 0 && write (fd, text, strlen (text)) == (ssize_t)strlen (text);
}

/* A network namespace of our own: directly as root, else inside a user
 * namespace of our own (root there, with the capabilities nftables and
 * ip(8) need over that network namespace). */
static bool
enter_private_netns (void)
{
  uid_t uid = getuid ();
  gid_t gid = getgid ();
  if (unshare (CLONE_NEWNET) < 0)
    {
      int saved = errno;
      _cleanup_free_ char *umap = xasprintf ("0 %u 1", (unsigned)uid);
      _cleanup_free_ char *gmap = xasprintf ("0 %u 1", (unsigned)gid);
      if (unshare (CLONE_NEWUSER | CLONE_NEWNET) < 0 || !write_file ("/proc/self/setgroups", "deny")
          || !write_file ("/proc/self/uid_map", umap) || !write_file ("/proc/self/gid_map", gmap))
        {
          fprintf (stderr,
                   "test-nft: SKIPPING everything: cannot create a network namespace: %s, nor "
                   "a user namespace: %s\n",
                   strerror (saved), strerror (errno));
          return false;
        }
    }
  struct ifreq ifr = { .ifr_name = "lo" };
  _cleanup_close_ int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    return false;
  ifr.ifr_flags |= IFF_UP;
  return ioctl (fd, SIOCSIFFLAGS, &ifr) == 0;
}

int
main (void)
{
  if (!enter_private_netns ())
    return 77;
  const struct CMUnitTest ruleset[] = {
    cmocka_unit_test_teardown (test_network_add_is_idempotent, check_decoys),
    cmocka_unit_test_teardown (test_internal_network_and_convergence, check_decoys),
    cmocka_unit_test_teardown (test_network_remove_is_exact, check_decoys),
    cmocka_unit_test_teardown (test_ports_add_remove, check_decoys),
    cmocka_unit_test_teardown (test_table_remove_and_missing_table, check_decoys),
    cmocka_unit_test_teardown (test_errors, check_decoys),
  };
  const struct CMUnitTest routing[] = {
    cmocka_unit_test (test_published_on_loopback),
    cmocka_unit_test (test_published_from_outside_and_hairpin),
    cmocka_unit_test (test_outbound_masquerade),
    cmocka_unit_test (test_loopback_unreachable_from_peers),
    cmocka_unit_test (test_internal_network_is_cut_off),
    cmocka_unit_test (test_removed_ports_stop_answering),
  };
  int failed = cmocka_run_group_tests_name ("ruleset", ruleset, setup_ports, NULL);
  failed += cmocka_run_group_tests_name ("routing", routing, setup_topology, teardown_topology);
  return failed;
}
