/* The rtnetlink layer against the real kernel, inside a private network
 * namespace (unshare at start; a user namespace too when that is what it
 * takes), so nothing touches the machine's network.  "Containers" are
 * children in network namespaces of their own.  What the library did is
 * checked through other doors: ioctl(SIOCGIF*), getifaddrs, if_nametoindex
 * and UDP traffic between the test and a child.  Without the rights to
 * create a network namespace the whole test is skipped (exit 77), saying
 * so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "network/netlink.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* The test's own network namespace, to come back to after setns. */
static int home_netns = -1;

/* ---- helpers ---- */

static void
assert_ok_ (int ret, struct sv_err *err, const char *what)
{
  if (ret >= 0)
    return;
  _cleanup_free_ char *msg = sv_err_string (err);
  fail_msg ("%s failed: %s", what, msg);
}

/* EXPR must succeed; otherwise the test fails with its error message.
 * Expects a `struct sv_err *err` in scope. */
#define assert_ok(expr)                                                                            \
  do                                                                                               \
    {                                                                                              \
      int ret_ = (expr);                                                                           \
      assert_ok_ (ret_, err, #expr);                                                               \
    }                                                                                              \
  while (0)

static void
assert_fails_ (int ret, struct sv_err *err, int code, const char *want, const char *what)
{
  if (ret >= 0)
    fail_msg ("%s succeeded, expected %s", what, strerror (code));
  if (err == NULL)
    fail_msg ("%s failed without an error", what);
  _cleanup_free_ char *msg = sv_err_string (err);
  if (err->code != code)
    fail_msg ("%s: code %d (%s), expected %s", what, err->code, msg, strerror (code));
  if (ret != -code)
    fail_msg ("%s returned %d, expected %d", what, ret, -code);
  if (strstr (msg, want) == NULL)
    fail_msg ("%s: error `%s` does not contain `%s`", what, msg, want);
}

/* EXPR must fail with CODE and a message containing WANT. */
#define assert_fails(expr, code, want)                                                             \
  do                                                                                               \
    {                                                                                              \
      sv_err_free (&err);                                                                          \
      int ret_ = (expr);                                                                           \
      assert_fails_ (ret_, err, code, want, #expr);                                                \
      sv_err_free (&err);                                                                          \
    }                                                                                              \
  while (0)

static struct in_addr
ip (const char *s)
{
  struct in_addr a;
  assert_int_equal (inet_pton (AF_INET, s, &a), 1);
  return a;
}

static void
nl_open (struct sv_nl *nl)
{
  struct sv_err *err = NULL;
  assert_ok (sv_nl_open (nl, &err));
}

/* An AF_INET socket made in the network namespace NETNS (-1: here), for
 * SIOCGIF* ioctls that then look at that namespace. */
static int
inet_sock (int netns)
{
  if (netns >= 0)
    assert_int_equal (setns (netns, CLONE_NEWNET), 0);
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int saved = errno;
  if (netns >= 0)
    assert_int_equal (setns (home_netns, CLONE_NEWNET), 0);
  if (s < 0)
    fail_msg ("socket: %s", strerror (saved));
  return s;
}

struct link_state
{
  unsigned flags;
  int mtu;
  unsigned char mac[6];
};

/* Whether NAME exists in the namespace of SOCK (see inet_sock); *ST when it does. */
static bool
link_state (int sock, const char *name, struct link_state *st)
{
  struct ifreq ifr = { 0 };
  snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
  if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
    {
      if (errno != ENODEV)
        fail_msg ("SIOCGIFFLAGS %s: %s", name, strerror (errno));
      return false;
    }
  st->flags = (unsigned short)ifr.ifr_flags;
  assert_int_equal (ioctl (sock, SIOCGIFMTU, &ifr), 0);
  st->mtu = ifr.ifr_mtu;
  assert_int_equal (ioctl (sock, SIOCGIFHWADDR, &ifr), 0);
  memcpy (st->mac, ifr.ifr_hwaddr.sa_data, sizeof st->mac);
  return true;
}

/* The IPv4 address of NAME read with ioctl REQ (SIOCGIFADDR, ...). */
static struct in_addr
link_inet (int sock, const char *name, unsigned long req)
{
  struct ifreq ifr = { 0 };
  snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
  if (ioctl (sock, req, &ifr) < 0)
    fail_msg ("ioctl %#lx on %s: %s", req, name, strerror (errno));
  struct sockaddr_in sin;
  memcpy (&sin, &ifr.ifr_addr, sizeof sin);
  return sin.sin_addr;
}

static void
assert_addr_equal (struct in_addr got, const char *want)
{
  char s[INET_ADDRSTRLEN];
  inet_ntop (AF_INET, &got, s, sizeof s);
  assert_string_equal (s, want);
}

/* How many IPv4 addresses getifaddrs sees on NAME (here). */
static int
count_inet_addrs (const char *name)
{
  struct ifaddrs *list;
  assert_int_equal (getifaddrs (&list), 0);
  int n = 0;
  for (struct ifaddrs *i = list; i; i = i->ifa_next)
    if (strcmp (i->ifa_name, name) == 0 && i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
      n++;
  freeifaddrs (list);
  return n;
}

/* How many times DST/PREFIX is among ROUTES. */
static int
count_route (const struct sv_nl_route4 *routes, size_t n, const char *dst, int prefix)
{
  struct in_addr a = ip (dst);
  int count = 0;
  for (size_t i = 0; i < n; i++)
    if (routes[i].dst.s_addr == a.s_addr && routes[i].prefix == prefix)
      count++;
  return count;
}

static int
wait_child (pid_t pid)
{
  int status;
  assert_int_equal (waitpid (pid, &status, 0), pid);
  if (!WIFEXITED (status))
    fail_msg ("child %d died: status %#x", (int)pid, status);
  return WEXITSTATUS (status);
}

static ino_t
netns_ino (const char *path)
{
  struct stat st;
  assert_int_equal (stat (path, &st), 0);
  return st.st_ino;
}

/* ---- a "container": a child in a network namespace of its own ---- */

#define UDP_PORT 40000

struct container
{
  pid_t pid;
  int go;    /* write end: 'u' runs the UDP exchange, EOF ends the child */
  int netns; /* /proc/PID/ns/net */
};

/* The bridge's address, which the child's UDP exchange talks to. */
#define BRIDGE_ADDR "10.89.0.1"
#define CONTAINER_ADDR "10.89.0.2"

/* In the child: send "ping" to BRIDGE_ADDR, expect "pong" back from it.
 * Exit codes: 0 ok, 3x a step failed. */
static int
child_udp (void)
{
  struct in_addr server;
  if (inet_pton (AF_INET, BRIDGE_ADDR, &server) != 1)
    return 35;
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return 30;
  struct timeval tv = { .tv_sec = 5 };
  if (setsockopt (s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
    return 31;
  struct sockaddr_in to
      = { .sin_family = AF_INET, .sin_port = htons (UDP_PORT), .sin_addr = server };
  if (sendto (s, "ping", 4, 0, (struct sockaddr *)&to, sizeof to) != 4)
    return 32;
  char buf[16];
  struct sockaddr_in from;
  socklen_t len = sizeof from;
  ssize_t n = recvfrom (s, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
  if (n != 4 || memcmp (buf, "pong", 4) != 0)
    return 33;
  if (from.sin_addr.s_addr != server.s_addr)
    return 34;
  return 0;
}

static void __attribute__ ((noreturn)) child_main (int ready, int go)
{
  alarm (60); /* never outlive a test that failed before ending us */
  char c = unshare (CLONE_NEWNET) == 0 ? 'r' : 'e';
  if (write (ready, &c, 1) != 1 || c != 'r')
    _exit (20);
  while (read (go, &c, 1) == 1)
    if (c == 'u')
      _exit (child_udp ());
  _exit (0);
}

static void
container_start (struct container *c)
{
  int ready[2], go[2];
  assert_int_equal (pipe2 (ready, O_CLOEXEC), 0);
  assert_int_equal (pipe2 (go, O_CLOEXEC), 0);
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      close (ready[0]);
      close (go[1]);
      child_main (ready[1], go[0]);
    }
  close (ready[1]);
  close (go[0]);
  char r = 0;
  assert_int_equal (read (ready[0], &r, 1), 1);
  close (ready[0]);
  assert_int_equal (r, 'r');
  c->pid = pid;
  c->go = go[1];
  _cleanup_free_ char *path = xasprintf ("/proc/%d/ns/net", (int)pid);
  c->netns = open (path, O_RDONLY | O_CLOEXEC);
  assert_true (c->netns >= 0);
  assert_true (netns_ino (path) != netns_ino ("/proc/self/ns/net"));
}

/* Tell the child to run its UDP exchange, answer it from SERVER_SOCK (bound
 * to BRIDGE_ADDR here), and return the child's exit code. */
static int
container_udp (struct container *c, int server_sock)
{
  assert_int_equal (write (c->go, "u", 1), 1);
  char buf[16];
  struct sockaddr_in from;
  socklen_t len = sizeof from;
  ssize_t n = recvfrom (server_sock, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
  if (n < 0)
    fail_msg ("no datagram from the container: %s", strerror (errno));
  assert_int_equal (n, 4);
  assert_memory_equal (buf, "ping", 4);
  assert_addr_equal (from.sin_addr, CONTAINER_ADDR);
  assert_int_equal (sendto (server_sock, "pong", 4, 0, (struct sockaddr *)&from, len), 4);
  close (c->go);
  c->go = -1;
  int status = wait_child (c->pid);
  c->pid = -1;
  return status;
}

static void
container_stop (struct container *c)
{
  if (c->go >= 0)
    close (c->go);
  if (c->pid > 0)
    assert_int_equal (wait_child (c->pid), 0);
  if (c->netns >= 0)
    close (c->netns);
  *c = (struct container){ .pid = -1, .go = -1, .netns = -1 };
}

/* ---- tests ---- */

static void
test_open_close (void **state)
{
  struct sv_nl nl;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_ok (sv_nl_open (&nl, &err));
  assert_non_null (nl.sock);
  assert_true (nl.portid != 0);
  /* CLOEXEC: the socket must not leak into the container's processes. */
  int fd = mnl_socket_get_fd (nl.sock);
  assert_true (fcntl (fd, F_GETFD) & FD_CLOEXEC);
  sv_nl_close (&nl);
  assert_null (nl.sock);
  sv_nl_close (&nl);
  assert_fails (sv_nl_ifindex (&nl, "lo", &err), EBADF, "look up link `lo`");
}

static void
test_bad_names (void **state)
{
  struct sv_nl nl;
  nl_open (&nl);
  _cleanup_err_ struct sv_err *err = NULL;
  assert_fails (sv_nl_bridge_add (&nl, "", 0, &err), EINVAL, "invalid link name");
  assert_fails (sv_nl_bridge_add (&nl, "svt-0123456789ab", 0, &err), EINVAL, "svt-0123456789ab");
  assert_fails (sv_nl_bridge_add (&nl, "a/b", 0, &err), EINVAL, "a/b");
  assert_fails (sv_nl_link_del (&nl, "a b", &err), EINVAL, "a b");
  assert_fails (sv_nl_ifindex (&nl, "svt-0123456789ab", &err), EINVAL, "look up link");
  assert_fails (sv_nl_ifindex (&nl, NULL, &err), EINVAL, "invalid link name");
  /* IFNAMSIZ - 1 bytes is the longest name that fits. */
  assert_ok (sv_nl_bridge_add (&nl, "svt-0123456789a", 0, &err));
  assert_ok (sv_nl_link_up (&nl, "svt-0123456789a", &err));
  assert_true (sv_nl_ifindex (&nl, "svt-0123456789a", &err) > 0);
  assert_ok (sv_nl_link_del (&nl, "svt-0123456789a", &err));
  sv_nl_close (&nl);
}

static void
test_ifindex (void **state)
{
  struct sv_nl nl;
  nl_open (&nl);
  _cleanup_err_ struct sv_err *err = NULL;
  int lo = sv_nl_ifindex (&nl, "lo", &err);
  assert_ok (lo);
  assert_int_equal (lo, (int)if_nametoindex ("lo"));
  assert_int_equal (sv_nl_ifindex (&nl, "svt-missing", &err), 0);
  assert_null (err);
  sv_nl_close (&nl);
}

static void
test_bridge_add (void **state)
{
  struct sv_nl nl;
  nl_open (&nl);
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_close_ int sock = inet_sock (-1);
  struct link_state st;

  assert_ok (sv_nl_bridge_add (&nl, "svt-br0", 1400, &err));
  int index = sv_nl_ifindex (&nl, "svt-br0", &err);
  assert_ok (index);
  assert_true (index > 0);
  assert_int_equal (index, (int)if_nametoindex ("svt-br0"));
  assert_true (link_state (sock, "svt-br0", &st));
  assert_false (st.flags & IFF_UP);
  assert_int_equal (st.mtu, 1400);
  assert_ok (sv_nl_link_up (&nl, "svt-br0", &err));

  assert_fails (sv_nl_bridge_add (&nl, "svt-br0", 0, &err), EEXIST,
                "create bridge `svt-br0`: File exists");
  /* The refused second add changed nothing. */
  assert_int_equal (sv_nl_ifindex (&nl, "svt-br0", &err), index);
  assert_true (link_state (sock, "svt-br0", &st));
  assert_int_equal (st.mtu, 1400);

  assert_ok (sv_nl_bridge_add (&nl, "svt-br0d", 0, &err));
  assert_true (link_state (sock, "svt-br0d", &st));
  assert_false (st.flags & IFF_UP);
  assert_int_equal (st.mtu, 1500);
  /* A bridge has no ports yet: an empty list, not NULL. */
  _cleanup_strv_ char **ports = NULL;
  assert_ok (sv_nl_bridge_ports (&nl, index, &ports, &err));
  assert_non_null (ports);
  assert_null (ports[0]);
  sv_nl_close (&nl);
}

static void
test_addr_add (void **state)
{
  struct sv_nl nl;
  nl_open (&nl);
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_close_ int sock = inet_sock (-1);

  assert_ok (sv_nl_bridge_add (&nl, "svt-br2", 0, &err));
  assert_ok (sv_nl_link_up (&nl, "svt-br2", &err));
  assert_ok (sv_nl_addr_add (&nl, "svt-br2", ip ("10.88.0.1"), 16, &err));
  assert_addr_equal (link_inet (sock, "svt-br2", SIOCGIFADDR), "10.88.0.1");
  assert_addr_equal (link_inet (sock, "svt-br2", SIOCGIFNETMASK), "255.255.0.0");
  assert_addr_equal (link_inet (sock, "svt-br2", SIOCGIFBRDADDR), "10.88.255.255");
  assert_int_equal (count_inet_addrs ("svt-br2"), 1);
  /* Idempotent: the same address again is no error and no second copy. */
  assert_ok (sv_nl_addr_add (&nl, "svt-br2", ip ("10.88.0.1"), 16, &err));
  assert_int_equal (count_inet_addrs ("svt-br2"), 1);
  /* A /32 has no broadcast address and no route in the main table (only
   * in the local one, which sv_nl_routes4 must leave out). */
  assert_ok (sv_nl_addr_add (&nl, "svt-br2", ip ("10.77.7.7"), 32, &err));
  assert_int_equal (count_inet_addrs ("svt-br2"), 2);

  _cleanup_free_ struct sv_nl_route4 *routes = NULL;
  size_t n = 0;
  assert_ok (sv_nl_routes4 (&nl, &routes, &n, &err));
  assert_int_equal (count_route (routes, n, "10.88.0.0", 16), 1);
  assert_int_equal (count_route (routes, n, "10.77.7.7", 32), 0);
  assert_int_equal (count_route (routes, n, "10.88.0.1", 32), 0);
  assert_int_equal (count_route (routes, n, "127.0.0.0", 8), 0);

  assert_fails (sv_nl_addr_add (&nl, "svt-missing", ip ("10.66.0.1"), 24, &err), ENODEV,
                "add address 10.66.0.1/24 to `svt-missing`");
  assert_fails (sv_nl_addr_add (&nl, "svt-br2", ip ("10.66.0.1"), 33, &err), EINVAL,
                "invalid prefix");
  sv_nl_close (&nl);
}

static void
test_link_up_del (void **state)
{
  struct sv_nl nl;
  nl_open (&nl);
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_close_ int sock = inet_sock (-1);
  struct link_state st;

  /* lo starts down in a new namespace. */
  unsigned flags = 0;
  assert_true (link_state (sock, "lo", &st));
  assert_false (st.flags & IFF_UP);
  assert_int_equal (sv_nl_link_flags (&nl, "lo", &flags, &err), 1);
  assert_int_equal (flags, st.flags);
  assert_ok (sv_nl_link_up (&nl, "lo", &err));
  assert_true (link_state (sock, "lo", &st));
  assert_true (st.flags & IFF_UP);
  assert_int_equal (sv_nl_link_flags (&nl, "lo", &flags, &err), 1);
  assert_true (flags & IFF_UP);
  assert_true (flags & IFF_LOOPBACK);
  flags = 42;
  assert_int_equal (sv_nl_link_flags (&nl, "svt-missing", &flags, &err), 0);
  assert_null (err);
  assert_int_equal (flags, 42);
  assert_ok (sv_nl_link_up (&nl, "lo", &err));
  assert_fails (sv_nl_link_up (&nl, "svt-missing", &err), ENODEV, "`svt-missing`");

  assert_ok (sv_nl_bridge_add (&nl, "svt-del", 0, &err));
  assert_ok (sv_nl_link_up (&nl, "svt-del", &err));
  assert_true (link_state (sock, "svt-del", &st));
  assert_ok (sv_nl_link_del (&nl, "svt-del", &err));
  assert_false (link_state (sock, "svt-del", &st));
  assert_int_equal (sv_nl_ifindex (&nl, "svt-del", &err), 0);
  assert_fails (sv_nl_link_del (&nl, "svt-del", &err), ENODEV,
                "delete link `svt-del`: No such device");
  sv_nl_close (&nl);
}

static void
test_default_mtu_without_default_route (void **state)
{
  struct sv_nl nl;
  nl_open (&nl);
  _cleanup_err_ struct sv_err *err = NULL;
  /* The test's namespace never gets a default route. */
  _cleanup_free_ struct sv_nl_route4 *routes = NULL;
  size_t n = 0;
  assert_ok (sv_nl_routes4 (&nl, &routes, &n, &err));
  assert_int_equal (count_route (routes, n, "0.0.0.0", 0), 0);
  unsigned mtu = 0;
  assert_ok (sv_nl_default_mtu (&nl, &mtu, &err));
  assert_int_equal (mtu, 1500);
  sv_nl_close (&nl);
}

/* The whole `servin run` path: a bridge with an address here, a veth whose
 * peer is created inside the container's namespace, the peer configured
 * through a socket opened there, then real traffic both ways. */
static void
test_veth_into_container (void **state)
{
  struct sv_nl nl, cn = { 0 };
  nl_open (&nl);
  _cleanup_err_ struct sv_err *err = NULL;
  struct container c = { .pid = -1, .go = -1, .netns = -1 };
  struct link_state st;
  _cleanup_close_ int sock = inet_sock (-1);
  static const unsigned char mac[6] = { 0x02, 0x42, 0x0a, 0x59, 0x00, 0x02 };

  assert_ok (sv_nl_bridge_add (&nl, "svt-br1", 0, &err));
  assert_ok (sv_nl_link_up (&nl, "svt-br1", &err));
  int br = sv_nl_ifindex (&nl, "svt-br1", &err);
  assert_true (br > 0);
  assert_ok (sv_nl_addr_add (&nl, "svt-br1", ip (BRIDGE_ADDR), 24, &err));

  container_start (&c);
  ino_t home = netns_ino ("/proc/self/ns/net");
  assert_ok (sv_nl_open_netns (&cn, c.netns, &err));
  assert_true (netns_ino ("/proc/self/ns/net") == home);
  _cleanup_close_ int csock = inet_sock (c.netns);
  /* The socket talks to the container's namespace: its own lo, not ours. */
  assert_int_equal (sv_nl_ifindex (&cn, "svt-br1", &err), 0);
  assert_true (sv_nl_ifindex (&cn, "lo", &err) > 0);

  assert_ok (sv_nl_veth_add (&nl, "svt-h0", "eth0", c.pid, 1400, br, mac, &err));
  /* Host end: here, up, MTU, on the bridge. */
  assert_true (link_state (sock, "svt-h0", &st));
  assert_true (st.flags & IFF_UP);
  assert_int_equal (st.mtu, 1400);
  assert_int_equal (sv_nl_ifindex (&nl, "eth0", &err), 0);
  _cleanup_strv_ char **ports = NULL;
  assert_ok (sv_nl_bridge_ports (&nl, br, &ports, &err));
  assert_int_equal (sv_strv_length (ports), 1);
  assert_string_equal (ports[0], "svt-h0");
  /* Hairpin mode, as iproute2's bridge command reads it back. */
  assert_int_equal (system ("bridge -d link show dev svt-h0 | grep -q 'hairpin off'"), 0);
  assert_ok (sv_nl_bridge_port_hairpin (&nl, "svt-h0", &err));
  assert_int_equal (system ("bridge -d link show dev svt-h0 | grep -q 'hairpin on'"), 0);
  assert_fails (sv_nl_bridge_port_hairpin (&nl, "svt-none", &err), ENODEV, "svt-none");
  /* Peer end: only in the container, down, MTU, our MAC. */
  assert_true (sv_nl_ifindex (&cn, "eth0", &err) > 0);
  assert_int_equal (sv_nl_ifindex (&cn, "svt-h0", &err), 0);
  assert_true (link_state (csock, "eth0", &st));
  assert_false (st.flags & IFF_UP);
  assert_int_equal (st.mtu, 1400);
  assert_memory_equal (st.mac, mac, 6);

  /* Before the device is up with its subnet, the gateway is unreachable;
   * the kernel's extended ACK says why. */
  assert_fails (sv_nl_route_add_default (&cn, "eth0", ip (BRIDGE_ADDR), &err), ENETUNREACH,
                "add default route via 10.89.0.1 on `eth0` (Nexthop has invalid gateway)");
  assert_ok (sv_nl_link_up (&cn, "lo", &err));
  assert_ok (sv_nl_link_up (&cn, "eth0", &err));
  assert_true (link_state (csock, "eth0", &st));
  assert_true (st.flags & IFF_UP);
  assert_ok (sv_nl_addr_add (&cn, "eth0", ip (CONTAINER_ADDR), 24, &err));
  assert_addr_equal (link_inet (csock, "eth0", SIOCGIFADDR), CONTAINER_ADDR);
  assert_ok (sv_nl_route_add_default (&cn, "eth0", ip (BRIDGE_ADDR), &err));
  assert_fails (sv_nl_route_add_default (&cn, "eth0", ip (BRIDGE_ADDR), &err), EEXIST,
                "File exists");

  _cleanup_free_ struct sv_nl_route4 *routes = NULL;
  size_t n = 0;
  assert_ok (sv_nl_routes4 (&cn, &routes, &n, &err));
  assert_int_equal (n, 2);
  assert_int_equal (count_route (routes, n, "0.0.0.0", 0), 1);
  assert_int_equal (count_route (routes, n, "10.89.0.0", 24), 1);
  unsigned mtu = 0;
  assert_ok (sv_nl_default_mtu (&cn, &mtu, &err));
  assert_int_equal (mtu, 1400);
  /* Ours still has no default route. */
  assert_ok (sv_nl_default_mtu (&nl, &mtu, &err));
  assert_int_equal (mtu, 1500);

  /* Real traffic: the container reaches the bridge address, and back. */
  _cleanup_close_ int server = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  assert_true (server >= 0);
  struct timeval tv = { .tv_sec = 5 };
  assert_int_equal (setsockopt (server, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
  struct sockaddr_in sin
      = { .sin_family = AF_INET, .sin_port = htons (UDP_PORT), .sin_addr = ip (BRIDGE_ADDR) };
  assert_int_equal (bind (server, (struct sockaddr *)&sin, sizeof sin), 0);
  assert_int_equal (container_udp (&c, server), 0);
  /* The child has exited; its namespace lives on through c.netns. */

  /* Same names again: refused, naming the link. */
  assert_fails (sv_nl_veth_add (&nl, "svt-h0", "eth1", getpid (), 0, br, NULL, &err), EEXIST,
                "create veth `svt-h0`");
  sv_nl_close (&cn);
  container_stop (&c);

  /* Deleting the host end takes the peer with it. */
  container_start (&c);
  assert_ok (sv_nl_open_netns (&cn, c.netns, &err));
  assert_ok (sv_nl_veth_add (&nl, "svt-h2", "eth0", c.pid, 0, br, NULL, &err));
  assert_true (sv_nl_ifindex (&cn, "eth0", &err) > 0);
  /* A peer name taken in the container: refused, and the host end that
   * would have been created is not left behind. */
  assert_fails (sv_nl_veth_add (&nl, "svt-h3", "eth0", c.pid, 0, 0, NULL, &err), EEXIST,
                "create veth `svt-h3` with peer `eth0` in the network namespace of pid");
  assert_int_equal (sv_nl_ifindex (&nl, "svt-h3", &err), 0);
  assert_ok (sv_nl_link_del (&nl, "svt-h2", &err));
  assert_int_equal (sv_nl_ifindex (&cn, "eth0", &err), 0);
  assert_fails (sv_nl_link_del (&nl, "svt-h2", &err), ENODEV, "delete link `svt-h2`");
  sv_nl_close (&cn);
  container_stop (&c);
  sv_nl_close (&nl);
}

static void
test_veth_refusals (void **state)
{
  struct sv_nl nl;
  nl_open (&nl);
  _cleanup_err_ struct sv_err *err = NULL;

  /* A pid that no longer exists. */
  pid_t gone = fork ();
  assert_true (gone >= 0);
  if (gone == 0)
    _exit (0);
  assert_int_equal (wait_child (gone), 0);
  assert_fails (sv_nl_veth_add (&nl, "svt-v0", "svt-p0", gone, 0, 0, NULL, &err), ESRCH,
                "create veth `svt-v0`");
  assert_int_equal (sv_nl_ifindex (&nl, "svt-v0", &err), 0);

  /* A master that does not exist: the kernel creates the pair, fails to
   * enslave, and must take both ends away again. */
  assert_fails (sv_nl_veth_add (&nl, "svt-v1", "svt-p1", getpid (), 0, 999999, NULL, &err), EINVAL,
                "create veth `svt-v1` with peer `svt-p1`");
  assert_int_equal (sv_nl_ifindex (&nl, "svt-v1", &err), 0);
  assert_int_equal (sv_nl_ifindex (&nl, "svt-p1", &err), 0);

  assert_fails (sv_nl_veth_add (&nl, "svt-v2", "svt-p2", 0, 0, 0, NULL, &err), EINVAL,
                "invalid peer pid");
  sv_nl_close (&nl);
}

/* Dumps longer than one datagram: many ports, many routes. */
static void
test_large_dumps (void **state)
{
  struct sv_nl nl;
  nl_open (&nl);
  _cleanup_err_ struct sv_err *err = NULL;
  enum
  {
    N_PORTS = 48,
    N_ROUTES = 1024
  };

  assert_ok (sv_nl_bridge_add (&nl, "svt-big", 0, &err));
  assert_ok (sv_nl_link_up (&nl, "svt-big", &err));
  assert_ok (sv_nl_bridge_add (&nl, "svt-other", 0, &err));
  assert_ok (sv_nl_link_up (&nl, "svt-other", &err));
  int big = sv_nl_ifindex (&nl, "svt-big", &err);
  int other = sv_nl_ifindex (&nl, "svt-other", &err);
  assert_true (big > 0 && other > 0);
  for (int i = 0; i < N_PORTS; i++)
    {
      char host[IFNAMSIZ], peer[IFNAMSIZ];
      snprintf (host, sizeof host, "svt-b%d", i);
      snprintf (peer, sizeof peer, "svt-bp%d", i);
      /* Peers stay here, unenslaved; every third pair goes to the other bridge. */
      assert_ok (sv_nl_veth_add (&nl, host, peer, getpid (), 0, i % 3 ? big : other, NULL, &err));
    }
  _cleanup_strv_ char **ports = NULL;
  assert_ok (sv_nl_bridge_ports (&nl, big, &ports, &err));
  int want = 0;
  for (int i = 0; i < N_PORTS; i++)
    {
      char host[IFNAMSIZ];
      snprintf (host, sizeof host, "svt-b%d", i);
      if (i % 3)
        want++;
      if (sv_strv_contains (ports, host) != (i % 3 != 0))
        fail_msg ("%s %s among the ports of svt-big", host, i % 3 ? "missing" : "wrongly");
    }
  assert_int_equal (sv_strv_length (ports), want);

  for (int i = 0; i < N_ROUTES; i++)
    {
      struct in_addr a = { .s_addr = htonl (0x0a800001u + ((uint32_t)i << 8)) }; /* 10.128.i.1 */
      assert_ok (sv_nl_addr_add (&nl, "svt-big", a, 24, &err));
    }
  _cleanup_free_ struct sv_nl_route4 *routes = NULL;
  size_t n = 0;
  assert_ok (sv_nl_routes4 (&nl, &routes, &n, &err));
  int found = 0;
  for (size_t i = 0; i < n; i++)
    {
      uint32_t h = ntohl (routes[i].dst.s_addr);
      if (routes[i].prefix == 24 && h >= 0x0a800000u && h < 0x0a800000u + (N_ROUTES << 8))
        found++;
    }
  assert_int_equal (found, N_ROUTES);

  for (int i = 0; i < N_PORTS; i++)
    {
      char host[IFNAMSIZ];
      snprintf (host, sizeof host, "svt-b%d", i);
      assert_ok (sv_nl_link_del (&nl, host, &err));
    }
  assert_ok (sv_nl_link_del (&nl, "svt-big", &err));
  assert_ok (sv_nl_link_del (&nl, "svt-other", &err));
  sv_nl_close (&nl);
}

static void
test_open_netns_bad_fd (void **state)
{
  struct sv_nl nl = { 0 };
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_close_ int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  assert_true (fd >= 0);
  ino_t home = netns_ino ("/proc/self/ns/net");
  assert_fails (sv_nl_open_netns (&nl, fd, &err), EINVAL, "enter network namespace");
  assert_null (nl.sock);
  assert_true (netns_ino ("/proc/self/ns/net") == home);
}

/* ---- setup ---- */

static int
write_file (const char *path, const char *s)
{
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  return write (fd, s, strlen (s)) == (ssize_t)strlen (s) ? 0 : -1;
}

/* Enter a private network namespace: directly as root, else inside a new
 * user namespace where we are root.  0, or -1 with errno. */
static int
enter_private_netns (void)
{
  if (unshare (CLONE_NEWNET) == 0)
    return 0;
  if (errno != EPERM)
    return -1;
  uid_t uid = geteuid ();
  gid_t gid = getegid ();
  if (unshare (CLONE_NEWUSER | CLONE_NEWNET) < 0)
    return -1;
  char map[64];
  snprintf (map, sizeof map, "0 %d 1", (int)uid);
  if (write_file ("/proc/self/uid_map", map) < 0)
    return -1;
  (void)write_file ("/proc/self/setgroups", "deny");
  snprintf (map, sizeof map, "0 %d 1", (int)gid);
  return write_file ("/proc/self/gid_map", map);
}

int
main (void)
{
  if (enter_private_netns () < 0)
    {
      fprintf (stderr,
               "SKIP: test-netlink needs a private network namespace and cannot make one (%s);"
               " run it as root or allow unprivileged user namespaces\n",
               strerror (errno));
      return 77;
    }
  home_netns = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home_netns < 0)
    {
      perror ("open /proc/self/ns/net");
      return 1;
    }
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_open_close),
    cmocka_unit_test (test_bad_names),
    cmocka_unit_test (test_ifindex),
    cmocka_unit_test (test_bridge_add),
    cmocka_unit_test (test_addr_add),
    cmocka_unit_test (test_link_up_del),
    cmocka_unit_test (test_default_mtu_without_default_route),
    cmocka_unit_test (test_veth_into_container),
    cmocka_unit_test (test_veth_refusals),
    cmocka_unit_test (test_large_dumps),
    cmocka_unit_test (test_open_netns_bad_fd),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
