/* The per-network DNS responder: see dns-server.h.
 *
 * Everything is non-blocking and driven by one poll(): the UDP and TCP
 * listeners, up to SV_DNS_MAX_TCP_CLIENTS TCP connections and up to
 * SV_DNS_MAX_PENDING forwarded queries.  A forwarded query gets its own UDP
 * socket connected to the upstream being tried (so the kernel drops
 * datagrams from anyone else and picks a fresh source port) and a random id
 * in place of the client's; the reply must carry that id and the same
 * question before it is relayed with the client's id put back. */
#include "network/dns-server.h"

#include "network/dns-proto.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define MSG_MAX 65535
#define TCP_QUERY_MAX 4096 /* the longest query taken over TCP */
#define UDP_BATCH 32       /* datagrams read per wakeup, so TCP is not starved */
#define MAX_UPSTREAMS 3    /* glibc's MAXNS */
#define DEFAULT_IDLE_MS 1000

/* Where a reply goes: a TCP connection, or a UDP peer. */
struct client
{
  int tcp; /* index in server.conn, -1 for UDP */
  struct sockaddr_storage addr;
  socklen_t addr_len;
};

/* A query forwarded upstream. */
struct forward
{
  int fd;      /* UDP socket connected to the upstream being tried; -1: slot free */
  uint16_t id; /* the id sent upstream */
  struct client client;
  struct sv_dns_msg q; /* the client's query, with the client's id */
  uint8_t *query;      /* as sent upstream */
  size_t query_len;
  size_t tries; /* upstreams tried so far, the current one included */
  int64_t try_deadline, deadline;
};

struct tcp_conn
{
  int fd; /* -1: slot free */
  uint8_t in[2 + TCP_QUERY_MAX];
  size_t in_len;
  uint8_t *out; /* a reply being written, length prefix included */
  size_t out_len, out_off;
  bool forwarding; /* its query is upstream: neither read nor timed out */
  int64_t deadline;
};

struct server
{
  const struct sv_dns_server_opts *o;
  int udp, tcp;
  struct sockaddr_storage *up; /* the upstreams, without the server itself */
  size_t n_up;
  struct forward fwd[SV_DNS_MAX_PENDING];
  struct tcp_conn conn[SV_DNS_MAX_TCP_CLIENTS];
  uint8_t buf[MSG_MAX];   /* one received message */
  uint8_t reply[MSG_MAX]; /* one reply of our own */
};

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static socklen_t
sockaddr_len (const struct sockaddr_storage *ss)
{
  switch (ss->ss_family)
    {
    case AF_INET:
      return sizeof (struct sockaddr_in);
    case AF_INET6:
      return sizeof (struct sockaddr_in6);
    default:
      return 0;
    }
}

static uint16_t
random_id (void)
{
  static uint16_t counter;
  uint16_t id;
  if (getrandom (&id, sizeof id, GRND_NONBLOCK) == (ssize_t)sizeof id)
    return id;
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint16_t)(ts.tv_nsec ^ (ts.tv_nsec >> 16) ^ ++counter * 40503u);
}

/* Send (UDP) or queue (TCP) the reply MSG of LEN bytes to C. */
static void
deliver (struct server *s, const struct client *c, const uint8_t *msg, size_t len)
{
  if (c->tcp < 0)
    {
      (void)sendto (s->udp, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL,
                    (const struct sockaddr *)&c->addr, c->addr_len);
      return;
    }
  struct tcp_conn *t = &s->conn[c->tcp];
  free (t->out);
  t->out = xmalloc (2 + len);
  t->out[0] = (uint8_t)(len >> 8);
  t->out[1] = (uint8_t)len;
  memcpy (t->out + 2, msg, len);
  t->out_len = 2 + len;
  t->out_off = 0;
  t->forwarding = false;
  t->deadline = now_ms () + SV_DNS_TCP_IDLE_MS;
}

/* Reply to the query Q (raw bytes QUERY) ourselves. */
static void
reply_own (struct server *s, const struct client *c, const uint8_t *query,
           const struct sv_dns_msg *q, enum sv_dns_rcode rcode, const struct in_addr *addrs,
           size_t n_addrs)
{
  size_t cap = c->tcp >= 0 ? sizeof s->reply : sv_dns_udp_limit (q);
  int len = sv_dns_build_reply (query, q, rcode, addrs, n_addrs, SV_DNS_TTL, s->reply, cap, NULL);
  if (len > 0)
    deliver (s, c, s->reply, (size_t)len);
}

static void
forward_end (struct server *s, struct forward *f)
{
  if (f->query && f->client.tcp >= 0)
    s->conn[f->client.tcp].forwarding = false;
  sv_closep (&f->fd);
  f->fd = -1;
  free (f->query);
  f->query = NULL;
}

static void
forward_fail (struct server *s, struct forward *f)
{
  reply_own (s, &f->client, f->query, &f->q, SV_DNS_SERVFAIL, NULL, 0);
  forward_end (s, f);
}

/* Send F's query to the next upstream that takes it, giving it its share of
 * the time left.  Returns < 0 when no upstream is left. */
static int
forward_try (struct server *s, struct forward *f, int64_t now)
{
  while (f->tries < s->n_up)
    {
      const struct sockaddr_storage *up = &s->up[f->tries++];
      f->try_deadline = now + (f->deadline - now) / (int64_t)(s->n_up - f->tries + 1);
      sv_closep (&f->fd);
      f->fd = socket (up->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (f->fd < 0)
        continue;
      if (connect (f->fd, (const struct sockaddr *)up, sockaddr_len (up)) == 0
          && send (f->fd, f->query, f->query_len, MSG_NOSIGNAL) == (ssize_t)f->query_len)
        return 0;
      sv_closep (&f->fd);
      f->fd = -1;
    }
  return -1;
}

/* A retry of a query still being forwarded for the same UDP client. */
static bool
forward_is_retry (struct server *s, const struct client *c, const struct sv_dns_msg *q)
{
  if (c->tcp >= 0)
    return false;
  for (size_t i = 0; i < SV_DNS_MAX_PENDING; i++)
    {
      const struct forward *f = &s->fwd[i];
      if (f->fd >= 0 && f->client.tcp < 0 && f->q.id == q->id && f->q.qtype == q->qtype
          && f->client.addr_len == c->addr_len
          && memcmp (&f->client.addr, &c->addr, c->addr_len) == 0
          && strcmp (f->q.name, q->name) == 0)
        return true;
    }
  return false;
}

static void
forward_start (struct server *s, const struct client *c, const uint8_t *query, size_t len,
               const struct sv_dns_msg *q, int64_t now)
{
  if (forward_is_retry (s, c, q))
    return;
  struct forward *f = NULL;
  for (size_t i = 0; i < SV_DNS_MAX_PENDING && f == NULL && s->n_up > 0; i++)
    if (s->fwd[i].fd < 0)
      f = &s->fwd[i];
  if (f == NULL)
    {
      reply_own (s, c, query, q, SV_DNS_SERVFAIL, NULL, 0);
      return;
    }
  f->id = random_id ();
  f->client = *c;
  f->q = *q;
  f->query = xmalloc (len);
  memcpy (f->query, query, len);
  f->query[0] = (uint8_t)(f->id >> 8);
  f->query[1] = (uint8_t)f->id;
  f->query_len = len;
  f->tries = 0;
  f->deadline = now + SV_DNS_FORWARD_TIMEOUT_MS;
  if (c->tcp >= 0)
    s->conn[c->tcp].forwarding = true;
  if (forward_try (s, f, now) < 0)
    forward_fail (s, f);
}

/* A datagram on F's socket: relay it when it is the reply to F's query. */
static void
forward_read (struct server *s, struct forward *f, int64_t now)
{
  ssize_t n = recv (f->fd, s->buf, sizeof s->buf, MSG_TRUNC);
  if (n < 0)
    {
      /* ECONNREFUSED and the like: this upstream is not there. */
      if (errno != EAGAIN && errno != EINTR && forward_try (s, f, now) < 0)
        forward_fail (s, f);
      return;
    }
  struct sv_dns_msg r;
  if ((size_t)n > sizeof s->buf || sv_dns_parse_reply (s->buf, (size_t)n, &r, NULL) < 0
      || r.id != f->id || r.qtype != f->q.qtype || r.qclass != f->q.qclass
      || strcmp (r.name, f->q.name) != 0)
    return;
  size_t len = (size_t)n;
  s->buf[0] = (uint8_t)(f->q.id >> 8);
  s->buf[1] = (uint8_t)f->q.id;
  if (f->client.tcp < 0 && len > sv_dns_udp_limit (&f->q))
    len = sv_dns_truncate (s->buf, &r);
  deliver (s, &f->client, s->buf, len);
  forward_end (s, f);
}

static void
forward_expire (struct server *s, struct forward *f, int64_t now)
{
  if (now >= f->deadline)
    forward_fail (s, f);
  else if (now >= f->try_deadline && forward_try (s, f, now) < 0)
    forward_fail (s, f);
}

/* Answer or forward the query in BUF from C.  Returns < 0 when it is
 * malformed (and dropped). */
static int
answer_query (struct server *s, const struct client *c, const uint8_t *buf, size_t len, int64_t now)
{
  struct sv_dns_msg q;
  if (sv_dns_parse_query (buf, len, &q, NULL) < 0)
    return -1;

  const struct sv_dns_server_opts *o = s->o;
  struct in_addr addrs[SV_DNS_MAX_ADDRS];
  size_t n = 0;
  if (q.name_plain && q.qclass == SV_DNS_CLASS_IN && o->lookup)
    n = o->lookup (o->data, q.name, addrs, SV_DNS_MAX_ADDRS);
  if (n > SV_DNS_MAX_ADDRS)
    n = SV_DNS_MAX_ADDRS;
  if (n == 0)
    forward_start (s, c, buf, len, &q, now);
  else if (q.qtype == SV_DNS_TYPE_A)
    reply_own (s, c, buf, &q, SV_DNS_NOERROR, addrs, n);
  else
    reply_own (s, c, buf, &q, SV_DNS_NOERROR, NULL, 0);
  return 0;
}

static void
udp_read (struct server *s, int64_t now)
{
  for (int i = 0; i < UDP_BATCH; i++)
    {
      struct client c = { .tcp = -1, .addr_len = sizeof c.addr };
      ssize_t n = recvfrom (s->udp, s->buf, sizeof s->buf, MSG_TRUNC, (struct sockaddr *)&c.addr,
                            &c.addr_len);
      if (n < 0)
        return;
      if ((size_t)n <= sizeof s->buf)
        (void)answer_query (s, &c, s->buf, (size_t)n, now);
    }
}

static void
tcp_close (struct server *s, size_t i)
{
  struct tcp_conn *t = &s->conn[i];
  for (size_t k = 0; k < SV_DNS_MAX_PENDING; k++)
    if (s->fwd[k].fd >= 0 && s->fwd[k].client.tcp == (int)i)
      forward_end (s, &s->fwd[k]);
  sv_closep (&t->fd);
  t->fd = -1;
  free (t->out);
  t->out = NULL;
  t->forwarding = false;
}

static void
tcp_accept (struct server *s, int64_t now)
{
  for (int k = 0; k < SV_DNS_MAX_TCP_CLIENTS; k++)
    {
      int fd = accept4 (s->tcp, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        return;
      struct tcp_conn *t = NULL;
      for (size_t i = 0; i < SV_DNS_MAX_TCP_CLIENTS && t == NULL; i++)
        if (s->conn[i].fd < 0)
          t = &s->conn[i];
      if (t == NULL)
        {
          close (fd); /* full: better a quick reset than a queue that never moves */
          continue;
        }
      t->fd = fd;
      t->in_len = 0;
      t->deadline = now + SV_DNS_TCP_IDLE_MS;
    }
}

/* Read what is there of the next length-prefixed query, and answer it when
 * it is whole.  Reads never go past the current query, so nothing is left
 * buffered for the next one. */
static void
tcp_read (struct server *s, size_t i, int64_t now)
{
  struct tcp_conn *t = &s->conn[i];
  size_t want = t->in_len < 2 ? 2 : 2 + (size_t)(t->in[0] << 8 | t->in[1]);
  ssize_t n = recv (t->fd, t->in + t->in_len, want - t->in_len, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      tcp_close (s, i);
      return;
    }
  t->in_len += (size_t)n;
  t->deadline = now + SV_DNS_TCP_IDLE_MS;
  if (t->in_len < 2)
    return;
  size_t qlen = (size_t)(t->in[0] << 8 | t->in[1]);
  if (qlen == 0 || qlen > TCP_QUERY_MAX)
    tcp_close (s, i);
  else if (t->in_len == 2 + qlen)
    {
      struct client c = { .tcp = (int)i };
      t->in_len = 0;
      if (answer_query (s, &c, t->in + 2, qlen, now) < 0)
        tcp_close (s, i);
    }
}

static void
tcp_write (struct server *s, size_t i, int64_t now)
{
  struct tcp_conn *t = &s->conn[i];
  ssize_t n = send (t->fd, t->out + t->out_off, t->out_len - t->out_off, MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      tcp_close (s, i);
      return;
    }
  t->out_off += (size_t)n;
  t->deadline = now + SV_DNS_TCP_IDLE_MS;
  if (t->out_off == t->out_len)
    {
      free (t->out);
      t->out = NULL;
    }
}

/* Fail forwards and close TCP clients whose time is up; returns the
 * earliest deadline left, or LATEST. */
static int64_t
expire (struct server *s, int64_t now, int64_t latest)
{
  int64_t next = latest;
  for (size_t i = 0; i < SV_DNS_MAX_PENDING; i++)
    {
      struct forward *f = &s->fwd[i];
      if (f->fd >= 0)
        forward_expire (s, f, now);
      if (f->fd >= 0 && f->try_deadline < next)
        next = f->try_deadline;
    }
  for (size_t i = 0; i < SV_DNS_MAX_TCP_CLIENTS; i++)
    {
      struct tcp_conn *t = &s->conn[i];
      if (t->fd >= 0 && !t->forwarding && now >= t->deadline)
        tcp_close (s, i);
      if (t->fd >= 0 && !t->forwarding && t->deadline < next)
        next = t->deadline;
    }
  return next;
}

enum poll_kind
{
  POLL_UDP,
  POLL_LISTEN,
  POLL_CONN,
  POLL_FORWARD,
};

struct poll_set
{
  struct pollfd fds[2 + SV_DNS_MAX_TCP_CLIENTS + SV_DNS_MAX_PENDING];
  enum poll_kind kind[2 + SV_DNS_MAX_TCP_CLIENTS + SV_DNS_MAX_PENDING];
  size_t index[2 + SV_DNS_MAX_TCP_CLIENTS + SV_DNS_MAX_PENDING];
  nfds_t n;
};

static void
poll_add (struct poll_set *p, int fd, short events, enum poll_kind kind, size_t index)
{
  p->fds[p->n] = (struct pollfd){ .fd = fd, .events = events };
  p->kind[p->n] = kind;
  p->index[p->n] = index;
  p->n++;
}

static void
poll_build (struct server *s, struct poll_set *p)
{
  p->n = 0;
  poll_add (p, s->udp, POLLIN, POLL_UDP, 0);
  poll_add (p, s->tcp, POLLIN, POLL_LISTEN, 0);
  for (size_t i = 0; i < SV_DNS_MAX_TCP_CLIENTS; i++)
    {
      struct tcp_conn *t = &s->conn[i];
      if (t->fd >= 0)
        poll_add (p, t->fd, t->out ? POLLOUT : t->forwarding ? 0 : POLLIN, POLL_CONN, i);
    }
  for (size_t i = 0; i < SV_DNS_MAX_PENDING; i++)
    if (s->fwd[i].fd >= 0)
      poll_add (p, s->fwd[i].fd, POLLIN, POLL_FORWARD, i);
}

/* Handle what poll() reported.  An entry whose fd was closed (or replaced)
 * by an earlier one in the same round is skipped. */
static void
poll_dispatch (struct server *s, const struct poll_set *p, int64_t now)
{
  for (nfds_t k = 0; k < p->n; k++)
    {
      short ev = p->fds[k].revents;
      size_t i = p->index[k];
      if (ev == 0)
        continue;
      switch (p->kind[k])
        {
        case POLL_UDP:
          udp_read (s, now);
          break;
        case POLL_LISTEN:
          tcp_accept (s, now);
          break;
        case POLL_CONN:
          if (s->conn[i].fd != p->fds[k].fd)
            break;
          if (ev & (POLLERR | POLLHUP))
            tcp_close (s, i);
          else if ((ev & POLLOUT) && s->conn[i].out)
            tcp_write (s, i, now);
          else if ((ev & POLLIN) && !s->conn[i].forwarding && !s->conn[i].out)
            tcp_read (s, i, now);
          break;
        case POLL_FORWARD:
          if (s->fwd[i].fd == p->fds[k].fd)
            forward_read (s, &s->fwd[i], now);
          break;
        }
    }
}

static void
server_free (struct server *s)
{
  if (s == NULL)
    return;
  for (size_t i = 0; i < SV_DNS_MAX_TCP_CLIENTS; i++)
    tcp_close (s, i);
  for (size_t i = 0; i < SV_DNS_MAX_PENDING; i++)
    forward_end (s, &s->fwd[i]);
  sv_closep (&s->udp);
  sv_closep (&s->tcp);
  free (s->up);
  free (s);
}

static void
server_freep (struct server **s)
{
  server_free (*s);
}

static int
open_listener (const struct sv_dns_server_opts *o, int type, struct sv_err **err)
{
  const char *proto = type == SOCK_DGRAM ? "udp" : "tcp";
  char addr[INET_ADDRSTRLEN];
  inet_ntop (AF_INET, &o->listen, addr, sizeof addr);

  _cleanup_close_ int fd = socket (AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return sv_err_errno (err, "socket %s", proto);
  int one = 1;
  if (setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
    return sv_err_errno (err, "SO_REUSEADDR");
  struct sockaddr_in sin
      = { .sin_family = AF_INET, .sin_port = htons (o->port), .sin_addr = o->listen };
  if (bind (fd, (struct sockaddr *)&sin, sizeof sin) < 0)
    return sv_err_errno (err, "bind %s %s:%u", proto, addr, (unsigned)o->port);
  if (type == SOCK_STREAM && listen (fd, SV_DNS_MAX_TCP_CLIENTS) < 0)
    return sv_err_errno (err, "listen %s:%u", addr, (unsigned)o->port);
  return TAKE_FD (&fd);
}

/* The upstreams of O we can use: IPv4 or IPv6, and not the server itself
 * (forwarding to it would loop). */
static void
copy_upstreams (struct server *s, const struct sv_dns_server_opts *o)
{
  s->up = xreallocarray (NULL, o->n_upstream, sizeof *s->up);
  for (size_t i = 0; i < o->n_upstream; i++)
    {
      const struct sockaddr_storage *up = &o->upstream[i];
      const struct sockaddr_in *sin = (const struct sockaddr_in *)up;
      if (sockaddr_len (up) == 0)
        continue;
      if (up->ss_family == AF_INET && sin->sin_addr.s_addr == o->listen.s_addr
          && sin->sin_port == htons (o->port))
        continue;
      s->up[s->n_up++] = *up;
    }
}

int
sv_dns_serve (const struct sv_dns_server_opts *o, struct sv_err **err)
{
  _cleanup_ (server_freep) struct server *s = xmalloc0 (sizeof *s);
  s->o = o;
  s->udp = s->tcp = -1;
  for (size_t i = 0; i < SV_DNS_MAX_PENDING; i++)
    s->fwd[i].fd = -1;
  for (size_t i = 0; i < SV_DNS_MAX_TCP_CLIENTS; i++)
    s->conn[i].fd = -1;
  s->udp = open_listener (o, SOCK_DGRAM, err);
  if (s->udp < 0)
    return s->udp;
  s->tcp = open_listener (o, SOCK_STREAM, err);
  if (s->tcp < 0)
    return s->tcp;
  copy_upstreams (s, o);
  if (o->ready)
    o->ready (o->ready_data);

  int idle_ms = o->idle_ms > 0 ? o->idle_ms : DEFAULT_IDLE_MS;
  int64_t next_check = now_ms () + idle_ms;
  struct poll_set p;
  for (;;)
    {
      int64_t now = now_ms ();
      if (now >= next_check)
        {
          if (o->should_stop && o->should_stop (o->data))
            return 0;
          next_check = now + idle_ms;
        }
      int64_t wake = expire (s, now, next_check);
      poll_build (s, &p);
      if (poll (p.fds, p.n, wake > now ? (int)(wake - now) : 0) < 0)
        {
          if (errno == EINTR)
            continue;
          return sv_err_errno (err, "poll");
        }
      poll_dispatch (s, &p, now_ms ());
    }
}

/* A nameserver address as written in resolv.conf, port 53. */
static int
parse_upstream (const char *text, struct sockaddr_storage *out)
{
  struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                            .ai_family = AF_UNSPEC,
                            .ai_socktype = SOCK_DGRAM };
  struct addrinfo *res = NULL;
  if (getaddrinfo (text, "53", &hints, &res) != 0)
    return -1;
  int ret = -1;
  if (res->ai_addrlen <= sizeof *out)
    {
      memset (out, 0, sizeof *out);
      memcpy (out, res->ai_addr, res->ai_addrlen);
      ret = 0;
    }
  freeaddrinfo (res);
  return ret;
}

int
sv_dns_read_upstreams (const char *path, struct sockaddr_storage **out, size_t *n,
                       struct sv_err **err)
{
  _cleanup_fclose_ FILE *f = fopen (path, "re");
  if (f == NULL)
    return sv_err_errno (err, "open `%s`", path);

  _cleanup_free_ char *line = NULL;
  _cleanup_free_ struct sockaddr_storage *ups = NULL;
  size_t cap = 0, count = 0;
  while (getline (&line, &cap, f) >= 0)
    {
      char *save = NULL;
      const char *key = strtok_r (line, " \t\r\n", &save);
      const char *addr = strtok_r (NULL, " \t\r\n", &save);
      struct sockaddr_storage ss;
      if (key == NULL || strcmp (key, "nameserver") != 0 || addr == NULL || count == MAX_UPSTREAMS
          || parse_upstream (addr, &ss) < 0)
        continue;
      ups = xreallocarray (ups, count + 1, sizeof *ups);
      ups[count++] = ss;
    }
  if (ferror (f))
    return sv_err_errno (err, "read `%s`", path);
  *out = steal_pointer (&ups);
  *n = count;
  return 0;
}
