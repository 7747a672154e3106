/* rtnetlink with libmnl: one request, then its replies up to the kernel's
 * ACK or NLMSG_DONE.  The reply loop is ours rather than mnl_cb_run's, for
 * three reasons: it skips leftovers of an abandoned request instead of
 * failing on their sequence number, it reads an interrupted dump to its end
 * (mnl_cb_run stops at the first NLM_F_DUMP_INTR and leaves the rest in the
 * socket), and it keeps the kernel's extended ACK message. */
#include "netlink.h"

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Replies are read into this many bytes: the kernel sizes dump messages to
 * the largest buffer we have offered (up to 32 KiB), so a big buffer means
 * fewer recvmsg calls.  Larger than MNL_SOCKET_BUFFER_SIZE (at most 8 KiB). */
#define NL_RECV_SIZE 32768
/* Requests hold a few short attributes: names of at most IFNAMSIZ bytes.
 * Zeroed: libmnl 1.0.4 leaves attribute padding uninitialised. */
#define NL_REQ_SIZE 512
/* How many times a dump is restarted when concurrent changes interrupt it. */
#define NL_DUMP_TRIES 5

#define NL_REQ_BUF(buf) char buf[NL_REQ_SIZE] __attribute__ ((aligned (8))) = { 0 }

/* Called for each data message (not NLMSG_*) of a reply. */
typedef void (*nl_cb) (const struct nlmsghdr *nlh, void *data);

/* One request in flight. */
struct nl_req
{
  nl_cb cb; /* may be NULL */
  void *data;
  bool intr;     /* a reply carried NLM_F_DUMP_INTR */
  char ext[160]; /* the kernel's extended ACK message, "" when none */
};

static void
nl_sock_closep (struct mnl_socket **s)
{
  if (*s)
    mnl_socket_close (*s);
}

/* The kernel's dev_valid_name rule, checked here so that a bad name gets a
 * clear error instead of the policy failure of whichever attribute. */
static int
check_name (const char *name, struct sv_err **err)
{
  size_t len = name ? strnlen (name, IFNAMSIZ) : 0;
  if (len == 0 || len >= IFNAMSIZ)
    return sv_err_make (err, EINVAL, "invalid link name `%s` (1 to %d bytes)", name ? name : "",
                        IFNAMSIZ - 1);
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0 || strpbrk (name, "/: \t\n\v\f\r"))
    return sv_err_make (err, EINVAL, "invalid link name `%s`", name);
  return 0;
}

/* Fill *err with CODE and the formatted message, plus the kernel's own
 * explanation in parentheses when it gave one. */
static int __attribute__ ((format (printf, 4, 5)))
nl_fail (struct sv_err **err, int code, const struct nl_req *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  _cleanup_free_ char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  if (r && r->ext[0])
    return sv_err_make (err, code, "%s (%s)", msg, r->ext);
  return sv_err_make (err, code, "%s", msg);
}

/* Copy the NLMSGERR_ATTR_MSG of an extended ACK into R->ext. */
static void
nl_ext_msg (const struct nlmsghdr *nlh, const struct nlmsgerr *e, struct nl_req *r)
{
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
    return;
  size_t off = sizeof *e;
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
    off += e->msg.nlmsg_len - sizeof (struct nlmsghdr);
  if (off >= mnl_nlmsg_get_payload_len (nlh))
    return;
  const struct nlattr *a;
  mnl_attr_for_each (a, nlh, off)
  {
    if (mnl_attr_get_type (a) == NLMSGERR_ATTR_MSG
        && mnl_attr_validate (a, MNL_TYPE_NUL_STRING) == 0)
      snprintf (r->ext, sizeof r->ext, "%s", mnl_attr_get_str (a));
  }
}

/* A control message of the reply: 0 when it ends the request successfully
 * (ACK, NLMSG_DONE), -errno when it ends it with an error, 1 to read on. */
static int
nl_control (const struct nlmsghdr *nlh, struct nl_req *r)
{
  switch (nlh->nlmsg_type)
    {
    case NLMSG_ERROR:
      {
        const struct nlmsgerr *e = mnl_nlmsg_get_payload (nlh);
        if (mnl_nlmsg_get_payload_len (nlh) < sizeof *e)
          return -EBADMSG;
        if (e->error == 0)
          return 0;
        nl_ext_msg (nlh, e, r);
        return e->error < 0 ? e->error : -e->error;
      }
    case NLMSG_DONE:
      /* Since Linux 4.x a dump that fails half-way says so here. */
      if (mnl_nlmsg_get_payload_len (nlh) >= sizeof (int))
        {
          int code;
          memcpy (&code, mnl_nlmsg_get_payload (nlh), sizeof code);
          if (code < 0)
            return code;
        }
      return 0;
    case NLMSG_OVERRUN:
      return -ENOBUFS;
    default:
      return 1;
    }
}

/* Walk one datagram; same return values as nl_control. */
static int
nl_dispatch (const struct sv_nl *nl, unsigned seq, const void *buf, int len, struct nl_req *r)
{
  for (const struct nlmsghdr *nlh = buf; mnl_nlmsg_ok (nlh, len); nlh = mnl_nlmsg_next (nlh, &len))
    {
      /* Leftovers of an earlier request that was abandoned half-read. */
      if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
        continue;
      if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
        r->intr = true;
      if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
        {
          int ret = nl_control (nlh, r);
          if (ret <= 0)
            return ret;
        }
      else if (r->cb)
        r->cb (nlh, r->data);
    }
  return 1;
}

/* Send REQ (its sequence number is set here) and read its replies up to the
 * ACK or NLMSG_DONE, handing each data message to R->cb.  Returns 0, or
 * -errno (the kernel's when it refused; R->ext may explain). */
static int
nl_transact (struct sv_nl *nl, struct nlmsghdr *req, struct nl_req *r)
{
  if (nl->sock == NULL)
    return -EBADF;
  req->nlmsg_seq = ++nl->seq;
  if (mnl_socket_sendto (nl->sock, req, req->nlmsg_len) < 0)
    return -errno;
  _cleanup_free_ char *buf = xmalloc (NL_RECV_SIZE);
  for (;;)
    {
      ssize_t n = mnl_socket_recvfrom (nl->sock, buf, NL_RECV_SIZE);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      int ret = nl_dispatch (nl, req->nlmsg_seq, buf, (int)n, r);
      if (ret <= 0)
        return ret;
    }
}

/* A request whose only answer is an ACK; the formatted message names what
 * failed. */
static int __attribute__ ((format (printf, 4, 5)))
nl_request (struct sv_nl *nl, struct nlmsghdr *req, struct sv_err **err, const char *fmt, ...)
{
  struct nl_req r = { 0 };
  int ret = nl_transact (nl, req, &r);
  if (ret == 0)
    return 0;
  va_list ap;
  va_start (ap, fmt);
  _cleanup_free_ char *what = xvasprintf (fmt, ap);
  va_end (ap);
  return nl_fail (err, -ret, &r, "%s", what);
}

/* Run dump REQ through CB; when concurrent changes interrupt it, RESET
 * (DATA) drops what was collected and the dump starts over. */
static int
nl_dump (struct sv_nl *nl, struct nlmsghdr *req, nl_cb cb, void (*reset) (void *), void *data,
         const char *what, struct sv_err **err)
{
  for (int attempt = 1;; attempt++)
    {
      struct nl_req r = { .cb = cb, .data = data };
      int ret = nl_transact (nl, req, &r);
      if (ret < 0)
        return nl_fail (err, -ret, &r, "%s", what);
      if (!r.intr)
        return 0;
      if (attempt == NL_DUMP_TRIES)
        return sv_err_make (err, EAGAIN, "%s: interrupted by concurrent changes %d times", what,
                            NL_DUMP_TRIES);
      reset (data);
    }
}

static struct nlmsghdr *
nl_msg (void *buf, uint16_t type, uint16_t flags)
{
  struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  return nlh;
}

/* Append a struct ifinfomsg (also the header of a veth peer) setting FLAGS
 * among CHANGE. */
static void
put_ifinfo (struct nlmsghdr *nlh, int index, unsigned flags, unsigned change)
{
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (nlh, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = flags;
  ifi->ifi_change = change;
}

/* Index the attributes after NLH's HDRLEN-byte family header into TB (MAX +
 * 1 entries); callers validate the ones they read. */
static void
nl_attrs (const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb, unsigned max)
{
  memset (tb, 0, (max + 1) * sizeof *tb);
  const struct nlattr *a;
  mnl_attr_for_each (a, nlh, hdrlen)
  {
    if (mnl_attr_get_type (a) <= max)
      tb[mnl_attr_get_type (a)] = a;
  }
}

static bool
attr_u32 (const struct nlattr *a, uint32_t *v)
{
  if (a == NULL || mnl_attr_validate (a, MNL_TYPE_U32) < 0)
    return false;
  *v = mnl_attr_get_u32 (a);
  return true;
}

static const char *
attr_str (const struct nlattr *a)
{
  if (a == NULL || mnl_attr_validate (a, MNL_TYPE_NUL_STRING) < 0)
    return NULL;
  return mnl_attr_get_str (a);
}

/* ---- sockets ---- */

int
sv_nl_open (struct sv_nl *nl, struct sv_err **err)
{
  _cleanup_ (nl_sock_closep) struct mnl_socket *sock
      = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC);
  if (sock == NULL)
    return sv_err_errno (err, "open rtnetlink socket");
  if (mnl_socket_bind (sock, 0, MNL_SOCKET_AUTOPID) < 0)
    return sv_err_errno (err, "bind rtnetlink socket");
  /* Refusals then come with the kernel's reason and without a copy of the
   * request; kernels without these options just do not explain. */
  int one = 1;
  (void)mnl_socket_setsockopt (sock, NETLINK_EXT_ACK, &one, sizeof one);
  (void)mnl_socket_setsockopt (sock, NETLINK_CAP_ACK, &one, sizeof one);
  nl->portid = mnl_socket_get_portid (sock);
  nl->seq = (unsigned)time (NULL);
  nl->sock = steal_pointer (&sock);
  return 0;
}

int
sv_nl_open_netns (struct sv_nl *nl, int netns_fd, struct sv_err **err)
{
  _cleanup_close_ int home = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0)
    return sv_err_errno (err, "open /proc/thread-self/ns/net");
  if (setns (netns_fd, CLONE_NEWNET) < 0)
    return sv_err_errno (err, "enter network namespace (fd %d)", netns_fd);
  struct sv_nl tmp = { 0 };
  int ret = sv_nl_open (&tmp, err);
  if (setns (home, CLONE_NEWNET) < 0)
    {
      int saved = errno;
      sv_nl_close (&tmp);
      errno = saved;
      return sv_err_errno (err, "return to the caller's network namespace");
    }
  if (ret < 0)
    return sv_err_wrap (err, "in network namespace (fd %d)", netns_fd);
  *nl = tmp;
  return 0;
}

void
sv_nl_close (struct sv_nl *nl)
{
  if (nl->sock)
    mnl_socket_close (nl->sock);
  nl->sock = NULL;
}

/* ---- links ---- */

struct link_info
{
  int index;
  unsigned flags; /* IFF_* */
  unsigned mtu;
};

static void
link_info_cb (const struct nlmsghdr *nlh, void *data)
{
  struct link_info *li = data;
  const struct ifinfomsg *ifi = mnl_nlmsg_get_payload (nlh);
  if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len (nlh) < sizeof *ifi)
    return;
  const struct nlattr *tb[IFLA_MAX + 1];
  nl_attrs (nlh, sizeof *ifi, tb, IFLA_MAX);
  uint32_t mtu = 0;
  li->index = ifi->ifi_index;
  li->flags = ifi->ifi_flags;
  li->mtu = attr_u32 (tb[IFLA_MTU], &mtu) ? mtu : 0;
}

/* RTM_GETLINK of the link INDEX (when > 0) or NAME: 0 and *LI, or -errno
 * (-ENODEV when missing) with R holding the kernel's explanation. */
static int
link_get (struct sv_nl *nl, int index, const char *name, struct link_info *li, struct nl_req *r)
{
  NL_REQ_BUF (buf);
  struct nlmsghdr *nlh = nl_msg (buf, RTM_GETLINK, NLM_F_ACK);
  put_ifinfo (nlh, index, 0, 0);
  if (name)
    mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  mnl_attr_put_u32 (nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  *li = (struct link_info){ 0 };
  *r = (struct nl_req){ .cb = link_info_cb, .data = li };
  int ret = nl_transact (nl, nlh, r);
  if (ret == 0 && li->index <= 0)
    return -EPROTO;
  return ret;
}

/* Look NAME up for WHAT: 1 and *LI, 0 when missing, < 0 on other errors. */
static int
link_lookup (struct sv_nl *nl, const char *name, struct link_info *li, const char *what,
             struct sv_err **err)
{
  if (check_name (name, err) < 0)
    return sv_err_wrap (err, "%s", what);
  struct nl_req r;
  int ret = link_get (nl, 0, name, li, &r);
  if (ret == -ENODEV)
    return 0;
  if (ret < 0)
    return nl_fail (err, -ret, &r, "%s `%s`", what, name);
  return 1;
}

int
sv_nl_ifindex (struct sv_nl *nl, const char *name, struct sv_err **err)
{
  struct link_info li;
  int ret = link_lookup (nl, name, &li, "look up link", err);
  return ret > 0 ? li.index : ret;
}

int
sv_nl_link_flags (struct sv_nl *nl, const char *name, unsigned *flags, struct sv_err **err)
{
  struct link_info li;
  int ret = link_lookup (nl, name, &li, "read the flags of link", err);
  if (ret > 0)
    *flags = li.flags;
  return ret;
}

int
sv_nl_bridge_add (struct sv_nl *nl, const char *name, unsigned mtu, struct sv_err **err)
{
  if (check_name (name, err) < 0)
    return sv_err_wrap (err, "create bridge");
  NL_REQ_BUF (buf);
  struct nlmsghdr *nlh = nl_msg (buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  put_ifinfo (nlh, 0, 0, 0);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  if (mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, mtu);
  struct nlattr *info = mnl_attr_nest_start (nlh, IFLA_LINKINFO);
  mnl_attr_put_strz (nlh, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end (nlh, info);
  return nl_request (nl, nlh, err, "create bridge `%s`", name);
}

/* The attributes of the peer end of a veth: its own ifinfomsg (left down),
 * name, namespace, MTU and MAC. */
static void
put_veth_peer (struct nlmsghdr *nlh, const char *name, pid_t pid, unsigned mtu,
               const unsigned char *mac)
{
  struct nlattr *peer = mnl_attr_nest_start (nlh, VETH_INFO_PEER);
  put_ifinfo (nlh, 0, 0, 0);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  mnl_attr_put_u32 (nlh, IFLA_NET_NS_PID, (uint32_t)pid);
  if (mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, mtu);
  if (mac)
    mnl_attr_put (nlh, IFLA_ADDRESS, 6, mac);
  mnl_attr_nest_end (nlh, peer);
}

int
sv_nl_veth_add (struct sv_nl *nl, const char *host_name, const char *peer_name, pid_t peer_pid,
                unsigned mtu, int master_ifindex, const unsigned char *mac, struct sv_err **err)
{
  if (check_name (host_name, err) < 0 || check_name (peer_name, err) < 0)
    return sv_err_wrap (err, "create veth");
  if (peer_pid <= 0 || master_ifindex < 0)
    return sv_err_make (err, EINVAL, "create veth `%s`: invalid peer pid %d or master %d",
                        host_name, (int)peer_pid, master_ifindex);
  NL_REQ_BUF (buf);
  struct nlmsghdr *nlh = nl_msg (buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  put_ifinfo (nlh, 0, IFF_UP, IFF_UP);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, host_name);
  if (mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, mtu);
  if (master_ifindex)
    mnl_attr_put_u32 (nlh, IFLA_MASTER, (uint32_t)master_ifindex);
  struct nlattr *info = mnl_attr_nest_start (nlh, IFLA_LINKINFO);
  mnl_attr_put_strz (nlh, IFLA_INFO_KIND, "veth");
  struct nlattr *data = mnl_attr_nest_start (nlh, IFLA_INFO_DATA);
  put_veth_peer (nlh, peer_name, peer_pid, mtu, mac);
  mnl_attr_nest_end (nlh, data);
  mnl_attr_nest_end (nlh, info);
  return nl_request (nl, nlh, err,
                     "create veth `%s` with peer `%s` in the network namespace of pid %d",
                     host_name, peer_name, (int)peer_pid);
}

int
sv_nl_link_up (struct sv_nl *nl, const char *name, struct sv_err **err)
{
  if (check_name (name, err) < 0)
    return sv_err_wrap (err, "set link up");
  NL_REQ_BUF (buf);
  /* RTM_NEWLINK without NLM_F_CREATE changes an existing link found by
   * name, or fails with ENODEV. */
  struct nlmsghdr *nlh = nl_msg (buf, RTM_NEWLINK, NLM_F_ACK);
  put_ifinfo (nlh, 0, IFF_UP, IFF_UP);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  return nl_request (nl, nlh, err, "set link `%s` up", name);
}

int
sv_nl_link_del (struct sv_nl *nl, const char *name, struct sv_err **err)
{
  if (check_name (name, err) < 0)
    return sv_err_wrap (err, "delete link");
  NL_REQ_BUF (buf);
  struct nlmsghdr *nlh = nl_msg (buf, RTM_DELLINK, NLM_F_ACK);
  put_ifinfo (nlh, 0, 0, 0);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  return nl_request (nl, nlh, err, "delete link `%s`", name);
}

/* ---- addresses and routes ---- */

/* ifindex of NAME for a request described by WHAT: ENODEV when missing. */
static int
need_ifindex (struct sv_nl *nl, const char *name, const char *what, struct sv_err **err)
{
  int index = sv_nl_ifindex (nl, name, err);
  if (index == 0)
    return sv_err_make (err, ENODEV, "%s: no link `%s`", what, name);
  if (index < 0)
    return sv_err_wrap (err, "%s", what);
  return index;
}

int
sv_nl_addr_add (struct sv_nl *nl, const char *name, struct in_addr a, int prefix,
                struct sv_err **err)
{
  char addr[INET_ADDRSTRLEN];
  inet_ntop (AF_INET, &a, addr, sizeof addr);
  _cleanup_free_ char *what
      = xasprintf ("add address %s/%d to `%s`", addr, prefix, name ? name : "");
  if (prefix < 0 || prefix > 32)
    return sv_err_make (err, EINVAL, "%s: invalid prefix length", what);
  int index = need_ifindex (nl, name, what, err);
  if (index < 0)
    return index;
  NL_REQ_BUF (buf);
  /* NLM_F_REPLACE: an address already there is refreshed, not refused. */
  struct nlmsghdr *nlh = nl_msg (buf, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header (nlh, sizeof *ifa);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = (unsigned char)prefix;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = (unsigned)index;
  mnl_attr_put (nlh, IFA_LOCAL, sizeof a, &a);
  mnl_attr_put (nlh, IFA_ADDRESS, sizeof a, &a);
  if (prefix < 31)
    {
      uint32_t host = prefix == 0 ? 0xffffffffu : 0xffffffffu >> prefix;
      struct in_addr brd = { .s_addr = a.s_addr | htonl (host) };
      mnl_attr_put (nlh, IFA_BROADCAST, sizeof brd, &brd);
    }
  return nl_request (nl, nlh, err, "%s", what);
}

int
sv_nl_bridge_port_hairpin (struct sv_nl *nl, const char *name, struct sv_err **err)
{
  _cleanup_free_ char *what = xasprintf ("set hairpin mode on `%s`", name ? name : "");
  int index = need_ifindex (nl, name, what, err);
  if (index < 0)
    return index;
  NL_REQ_BUF (buf);
  struct nlmsghdr *nlh = nl_msg (buf, RTM_SETLINK, NLM_F_ACK);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (nlh, sizeof *ifi);
  ifi->ifi_family = AF_BRIDGE;
  ifi->ifi_index = index;
  struct nlattr *nest = mnl_attr_nest_start (nlh, IFLA_PROTINFO);
  mnl_attr_put_u8 (nlh, IFLA_BRPORT_MODE, 1);
  mnl_attr_nest_end (nlh, nest);
  return nl_request (nl, nlh, err, "%s", what);
}

int
sv_nl_route_add_default (struct sv_nl *nl, const char *name, struct in_addr gw, struct sv_err **err)
{
  char addr[INET_ADDRSTRLEN];
  inet_ntop (AF_INET, &gw, addr, sizeof addr);
  _cleanup_free_ char *what
      = xasprintf ("add default route via %s on `%s`", addr, name ? name : "");
  int index = need_ifindex (nl, name, what, err);
  if (index < 0)
    return index;
  NL_REQ_BUF (buf);
  struct nlmsghdr *nlh = nl_msg (buf, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header (nlh, sizeof *rtm);
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = 0;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put (nlh, RTA_GATEWAY, sizeof gw, &gw);
  mnl_attr_put_u32 (nlh, RTA_OIF, (uint32_t)index);
  return nl_request (nl, nlh, err, "%s", what);
}

/* One IPv4 route of the main table from a dump message, or false. */
static bool
main_route4 (const struct nlmsghdr *nlh, const struct rtmsg **rtmp, const struct nlattr **tb)
{
  const struct rtmsg *rtm = mnl_nlmsg_get_payload (nlh);
  if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len (nlh) < sizeof *rtm
      || rtm->rtm_family != AF_INET || (rtm->rtm_flags & RTM_F_CLONED))
    return false;
  nl_attrs (nlh, sizeof *rtm, tb, RTA_MAX);
  uint32_t table = rtm->rtm_table;
  (void)attr_u32 (tb[RTA_TABLE], &table); /* tables past 255 only say it here */
  *rtmp = rtm;
  return table == RT_TABLE_MAIN;
}

static struct nlmsghdr *
route_dump_msg (void *buf)
{
  struct nlmsghdr *nlh = nl_msg (buf, RTM_GETROUTE, NLM_F_DUMP);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header (nlh, sizeof *rtm);
  rtm->rtm_family = AF_INET;
  return nlh;
}

struct routes
{
  struct sv_nl_route4 *v;
  size_t n;
};

static void
routes_cb (const struct nlmsghdr *nlh, void *data)
{
  struct routes *rs = data;
  const struct rtmsg *rtm;
  const struct nlattr *tb[RTA_MAX + 1];
  if (!main_route4 (nlh, &rtm, tb))
    return;
  struct sv_nl_route4 r = { .prefix = rtm->rtm_dst_len };
  if (tb[RTA_DST] && mnl_attr_get_payload_len (tb[RTA_DST]) == sizeof r.dst)
    memcpy (&r.dst, mnl_attr_get_payload (tb[RTA_DST]), sizeof r.dst);
  rs->v = xreallocarray (rs->v, rs->n + 1, sizeof *rs->v);
  rs->v[rs->n++] = r;
}

static void
routes_reset (void *data)
{
  struct routes *rs = data;
  free (rs->v);
  *rs = (struct routes){ 0 };
}

int
sv_nl_routes4 (struct sv_nl *nl, struct sv_nl_route4 **out, size_t *n, struct sv_err **err)
{
  NL_REQ_BUF (buf);
  struct routes rs = { 0 };
  int ret
      = nl_dump (nl, route_dump_msg (buf), routes_cb, routes_reset, &rs, "list IPv4 routes", err);
  if (ret < 0)
    {
      routes_reset (&rs);
      return ret;
    }
  *out = rs.v;
  *n = rs.n;
  return 0;
}

/* The best IPv4 default route seen so far. */
struct default_route
{
  bool found;
  uint32_t metric;
  int oif;
};

static void
default_route_cb (const struct nlmsghdr *nlh, void *data)
{
  struct default_route *d = data;
  const struct rtmsg *rtm;
  const struct nlattr *tb[RTA_MAX + 1];
  if (!main_route4 (nlh, &rtm, tb) || rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST)
    return;
  uint32_t metric = 0, oif = 0;
  (void)attr_u32 (tb[RTA_PRIORITY], &metric);
  if (!attr_u32 (tb[RTA_OIF], &oif) && tb[RTA_MULTIPATH]
      && mnl_attr_get_payload_len (tb[RTA_MULTIPATH]) >= sizeof (struct rtnexthop))
    {
      const struct rtnexthop *nh = mnl_attr_get_payload (tb[RTA_MULTIPATH]);
      oif = (uint32_t)nh->rtnh_ifindex;
    }
  if (oif == 0 || (d->found && metric >= d->metric))
    return;
  *d = (struct default_route){ .found = true, .metric = metric, .oif = (int)oif };
}

static void
default_route_reset (void *data)
{
  *(struct default_route *)data = (struct default_route){ 0 };
}

int
sv_nl_default_mtu (struct sv_nl *nl, unsigned *mtu, struct sv_err **err)
{
  NL_REQ_BUF (buf);
  struct default_route d = { 0 };
  int ret = nl_dump (nl, route_dump_msg (buf), default_route_cb, default_route_reset, &d,
                     "find the IPv4 default route", err);
  if (ret < 0)
    return ret;
  if (!d.found)
    {
      *mtu = 1500;
      return 0;
    }
  struct link_info li;
  struct nl_req r;
  ret = link_get (nl, d.oif, NULL, &li, &r);
  if (ret < 0)
    return nl_fail (err, -ret, &r, "MTU of link %d of the default route", d.oif);
  *mtu = li.mtu ? li.mtu : 1500;
  return 0;
}

/* ---- bridge ports ---- */

struct ports
{
  uint32_t master;
  char **names;
};

static void
ports_cb (const struct nlmsghdr *nlh, void *data)
{
  struct ports *p = data;
  const struct ifinfomsg *ifi = mnl_nlmsg_get_payload (nlh);
  if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len (nlh) < sizeof *ifi)
    return;
  const struct nlattr *tb[IFLA_MAX + 1];
  nl_attrs (nlh, sizeof *ifi, tb, IFLA_MAX);
  uint32_t master = 0;
  const char *name = attr_str (tb[IFLA_IFNAME]);
  if (name && attr_u32 (tb[IFLA_MASTER], &master) && master == p->master)
    sv_strv_append (&p->names, name);
}

static void
ports_reset (void *data)
{
  struct ports *p = data;
  sv_strv_free (p->names);
  p->names = NULL;
}

int
sv_nl_bridge_ports (struct sv_nl *nl, int master_ifindex, char ***out, struct sv_err **err)
{
  if (master_ifindex <= 0)
    return sv_err_make (err, EINVAL, "list ports of link %d: invalid ifindex", master_ifindex);
  NL_REQ_BUF (buf);
  struct nlmsghdr *nlh = nl_msg (buf, RTM_GETLINK, NLM_F_DUMP);
  put_ifinfo (nlh, 0, 0, 0);
  /* The kernel filters on IFLA_MASTER (Linux 4.x and later); the callback
   * filters again for older ones. */
  mnl_attr_put_u32 (nlh, IFLA_MASTER, (uint32_t)master_ifindex);
  mnl_attr_put_u32 (nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  struct ports p = { .master = (uint32_t)master_ifindex };
  _cleanup_free_ char *what = xasprintf ("list ports of link %d", master_ifindex);
  int ret = nl_dump (nl, nlh, ports_cb, ports_reset, &p, what, err);
  if (ret < 0)
    {
      ports_reset (&p);
      return ret;
    }
  *out = p.names ? p.names : xmalloc0 (sizeof (char *));
  return 0;
}
