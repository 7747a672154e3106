/* Unit tests for network/dns-server.c: a real responder in a forked child
 * on 127.0.0.1, with fake upstreams that are UDP sockets of this process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "network/dns-proto.h"
#include "network/dns-server.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include "dns-test.h"

/* ---- the server ------------------------------------------------------- */

#define LOCALHOST htonl (INADDR_LOOPBACK)
#define SV_DNS_TYPE_TXT 16

struct server
{
  pid_t pid;
  int stop; /* write end: a byte asks the server to stop */
  uint16_t port;
};

static int stop_fd = -1; /* in the child */

static bool
child_should_stop (void *data)
{
  struct pollfd p = { .fd = stop_fd, .events = POLLIN };
  return poll (&p, 1, 0) != 0;
}

static void
child_ready (void *data)
{
  int *fd = data;
  assert_int_equal (write (*fd, "ok", 2), 2);
  close (*fd);
}

/* The network's names: "web" has two addresses, "db" one, "many" 40. */
static size_t
fake_lookup (void *data, const char *name, struct in_addr *out, size_t max)
{
  int *calls = data;
  ++*calls;
  size_t n = 0;
  if (strcmp (name, "web") == 0)
    {
      for (; n < 2 && n < max; n++)
        out[n].s_addr = htonl (0x0a580002 + (uint32_t)n);
    }
  else if (strcmp (name, "db") == 0 || strcmp (name, "db.dns.servin") == 0)
    out[n++].s_addr = htonl (0x0a580004);
  else if (strcmp (name, "many") == 0)
    for (; n < 40 && n < max; n++)
      out[n].s_addr = htonl (0x0a580100 + (uint32_t)n);
  return n;
}

/* A port free for both UDP and TCP on 127.0.0.1. */
static uint16_t
free_port (void)
{
  for (;;)
    {
      int t = socket (AF_INET, SOCK_STREAM, 0);
      struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = LOCALHOST };
      socklen_t sl = sizeof sin;
      assert_int_equal (bind (t, (struct sockaddr *)&sin, sizeof sin), 0);
      assert_int_equal (getsockname (t, (struct sockaddr *)&sin, &sl), 0);
      int u = socket (AF_INET, SOCK_DGRAM, 0);
      int ok = bind (u, (struct sockaddr *)&sin, sizeof sin);
      close (u);
      close (t);
      if (ok == 0)
        return ntohs (sin.sin_port);
    }
}

/* A UDP socket on 127.0.0.1 playing an upstream resolver. */
static int
fake_upstream (struct sockaddr_storage *addr)
{
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = LOCALHOST };
  socklen_t sl = sizeof sin;
  assert_int_equal (bind (fd, (struct sockaddr *)&sin, sizeof sin), 0);
  assert_int_equal (getsockname (fd, (struct sockaddr *)&sin, &sl), 0);
  memset (addr, 0, sizeof *addr);
  memcpy (addr, &sin, sizeof sin);
  return fd;
}

/* Fork a server on 127.0.0.1 with the N upstreams UP; returns once it is
 * bound. */
static void
start_server (struct server *s, const struct sockaddr_storage *up, size_t n)
{
  int stop[2], ready[2];
  assert_int_equal (pipe2 (stop, O_CLOEXEC), 0);
  assert_int_equal (pipe2 (ready, O_CLOEXEC), 0);
  s->port = free_port ();
  s->pid = fork ();
  assert_true (s->pid >= 0);
  if (s->pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (stop[1]);
      close (ready[0]);
      stop_fd = stop[0];
      int calls = 0;
      struct sv_dns_server_opts o = {
        .listen.s_addr = LOCALHOST,
        .port = s->port,
        .lookup = fake_lookup,
        .data = &calls,
        .upstream = up,
        .n_upstream = n,
        .should_stop = child_should_stop,
        .idle_ms = 50,
        .ready = child_ready,
        .ready_data = &ready[1],
      };
      struct sv_err *err = NULL;
      int ret = sv_dns_serve (&o, &err);
      sv_err_free (&err);
      close (stop_fd);
      exit (ret == 0 ? 0 : 1);
    }
  close (stop[0]);
  close (ready[1]);
  s->stop = stop[1];
  char buf[2];
  assert_int_equal (read (ready[0], buf, 2), 2);
  close (ready[0]);
}

/* Ask the server to stop; it must exit 0 within about a second. */
static void
stop_server (struct server *s)
{
  assert_int_equal (write (s->stop, "x", 1), 1);
  close (s->stop);
  int status = -1;
  for (int i = 0; i < 200; i++)
    {
      pid_t p = waitpid (s->pid, &status, WNOHANG);
      assert_true (p >= 0);
      if (p == s->pid)
        break;
      usleep (10000);
    }
  assert_true (WIFEXITED (status));
  assert_int_equal (WEXITSTATUS (status), 0);
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Receive one datagram or stream chunk on FD within TIMEOUT_MS; -1 on
 * timeout.  FROM may be NULL. */
static ssize_t
recv_within (int fd, uint8_t *buf, size_t cap, int timeout_ms, struct sockaddr_storage *from)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  if (poll (&p, 1, timeout_ms) != 1)
    return -1;
  socklen_t sl = sizeof *from;
  return recvfrom (fd, buf, cap, 0, (struct sockaddr *)from, from ? &sl : NULL);
}

static int
udp_client (uint16_t port)
{
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sin
      = { .sin_family = AF_INET, .sin_port = htons (port), .sin_addr.s_addr = LOCALHOST };
  assert_int_equal (connect (fd, (struct sockaddr *)&sin, sizeof sin), 0);
  return fd;
}

/* Send a query over UDP and wait up to TIMEOUT_MS for the reply. */
static ssize_t
udp_ask (uint16_t port, const uint8_t *q, size_t len, uint8_t *reply, size_t cap, int timeout_ms)
{
  int fd = udp_client (port);
  assert_int_equal (send (fd, q, len, 0), len);
  ssize_t n = recv_within (fd, reply, cap, timeout_ms, NULL);
  close (fd);
  return n;
}

static int
tcp_client (uint16_t port)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sin
      = { .sin_family = AF_INET, .sin_port = htons (port), .sin_addr.s_addr = LOCALHOST };
  assert_int_equal (connect (fd, (struct sockaddr *)&sin, sizeof sin), 0);
  return fd;
}

/* Read exactly LEN bytes from the stream FD within TIMEOUT_MS. */
static bool
read_full (int fd, uint8_t *buf, size_t len, int timeout_ms)
{
  size_t got = 0;
  while (got < len)
    {
      ssize_t n = recv_within (fd, buf + got, len - got, timeout_ms, NULL);
      if (n <= 0)
        return false;
      got += (size_t)n;
    }
  return true;
}

/* Send a query over a TCP connection, and read back one reply. */
static ssize_t
tcp_ask_on (int fd, const uint8_t *q, size_t len, uint8_t *reply, size_t cap, int timeout_ms)
{
  uint8_t pre[2] = { (uint8_t)(len >> 8), (uint8_t)len };
  assert_int_equal (send (fd, pre, 2, MSG_NOSIGNAL), 2);
  assert_int_equal (send (fd, q, len, MSG_NOSIGNAL), len);
  uint8_t lb[2];
  if (!read_full (fd, lb, 2, timeout_ms))
    return -1;
  size_t n = get16 (lb);
  assert_true (n <= cap);
  if (!read_full (fd, reply, n, timeout_ms))
    return -1;
  return (ssize_t)n;
}

static ssize_t
tcp_ask (uint16_t port, const uint8_t *q, size_t len, uint8_t *reply, size_t cap, int timeout_ms)
{
  int fd = tcp_client (port);
  ssize_t n = tcp_ask_on (fd, q, len, reply, cap, timeout_ms);
  close (fd);
  return n;
}

/* The addresses of the A records in one of the server's own replies
 * (which name the question by a pointer). */
static size_t
reply_addrs (const uint8_t *r, size_t len, size_t qend, uint32_t *out, size_t max)
{
  size_t an = get16 (r + 6), n = 0;
  for (size_t i = 0; i < an && n < max; i++)
    {
      const uint8_t *rr = r + qend + i * 16;
      assert_true (qend + (i + 1) * 16 <= len);
      assert_int_equal (get16 (rr), 0xc00c);
      assert_int_equal (get16 (rr + 2), SV_DNS_TYPE_A);
      assert_int_equal (get16 (rr + 10), 4);
      out[n++] = (uint32_t)rr[12] << 24 | (uint32_t)rr[13] << 16 | rr[14] << 8 | rr[15];
    }
  return n;
}

/* The canned reply of a fake upstream to the forwarded query F (LEN
 * bytes): one A record 93.184.216.34.  Returns its length. */
static size_t
make_canned (const uint8_t *f, size_t len, uint8_t *canned)
{
  const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 93, 184, 216, 34 };
  memcpy (canned, f, len);
  canned[2] = 0x81, canned[3] = 0x80;
  canned[7] = 1;
  memcpy (canned + len, rr, sizeof rr);
  return len + sizeof rr;
}

static void
send_to (int fd, const uint8_t *msg, size_t len, const struct sockaddr_storage *to)
{
  assert_int_equal (
      sendto (fd, msg, len, 0, (const struct sockaddr *)to, sizeof (struct sockaddr_in)), len);
}

/* Answer F from the upstream socket FD; the reply is left in CANNED. */
static size_t
upstream_answer (int fd, const uint8_t *f, size_t len, const struct sockaddr_storage *to,
                 uint8_t *canned)
{
  size_t n = make_canned (f, len, canned);
  send_to (fd, canned, n, to);
  return n;
}

static void
test_server_known_names (void **state)
{
  struct server s;
  start_server (&s, NULL, 0);
  uint8_t q[512], r[4096];
  uint32_t a[4];

  const char *names[] = { "web", "WEB", "wEb" };
  for (size_t i = 0; i < 3; i++)
    {
      size_t qlen = make_query (q, (uint16_t)(0x100 + i), names[i], SV_DNS_TYPE_A, 0);
      ssize_t n = udp_ask (s.port, q, qlen, r, sizeof r, 2000);
      assert_true (n > 0);
      assert_int_equal (get16 (r), 0x100 + i);
      assert_int_equal (get16 (r + 2), 0x8580);        /* QR AA RD RA NOERROR */
      assert_memory_equal (r + 12, q + 12, qlen - 12); /* the question as asked */
      assert_int_equal (reply_addrs (r, (size_t)n, qlen, a, 4), 2);
      assert_int_equal (a[0], 0x0a580002);
      assert_int_equal (a[1], 0x0a580003);
      assert_int_equal (get16 (r + qlen + 6), 0); /* TTL */
      assert_int_equal (get16 (r + qlen + 8), SV_DNS_TTL);
    }

  /* AAAA, MX of a known name: NOERROR without answers, so the stub
   * resolver does not go on to the search domains or the upstreams. */
  const uint16_t types[] = { SV_DNS_TYPE_AAAA, 15 };
  for (size_t i = 0; i < 2; i++)
    {
      size_t qlen = make_query (q, 0x200, "db", types[i], 0);
      ssize_t n = udp_ask (s.port, q, qlen, r, sizeof r, 2000);
      assert_int_equal (n, qlen);
      assert_int_equal (get16 (r + 2), 0x8580);
      assert_int_equal (get16 (r + 6), 0);
    }

  /* The name with its search suffix goes to the lookup as asked. */
  size_t qlen = make_query (q, 0x300, "DB.dns.servin", SV_DNS_TYPE_A, 0);
  ssize_t n = udp_ask (s.port, q, qlen, r, sizeof r, 2000);
  assert_true (n > 0);
  assert_int_equal (reply_addrs (r, (size_t)n, qlen, a, 4), 1);
  assert_int_equal (a[0], 0x0a580004);
  stop_server (&s);
}

static void
test_server_truncation (void **state)
{
  struct server s;
  start_server (&s, NULL, 0);
  uint8_t q[512], r[4096];
  uint32_t a[64];

  /* "many" has 40 addresses; the server gives SV_DNS_MAX_ADDRS of them,
   * which do not fit in 512 bytes: TC, and what fits. */
  const size_t max = SV_DNS_MAX_ADDRS;
  size_t qlen = make_query (q, 1, "many", SV_DNS_TYPE_A, 0);
  assert_true (qlen + max * 16 > 512);
  ssize_t n = udp_ask (s.port, q, qlen, r, sizeof r, 2000);
  assert_int_equal (n, qlen + (512 - qlen) / 16 * 16);
  assert_true (get16 (r + 2) & SV_DNS_F_TC);
  /* The same over TCP: all of them. */
  n = tcp_ask (s.port, q, qlen, r, sizeof r, 2000);
  assert_int_equal (n, qlen + max * 16);
  assert_false (get16 (r + 2) & SV_DNS_F_TC);
  assert_int_equal (reply_addrs (r, (size_t)n, qlen, a, 64), max);
  assert_int_equal (a[max - 1], 0x0a580100 + max - 1);
  /* Over UDP with EDNS0 4096: all of them, and an OPT record. */
  qlen = make_query (q, 2, "many", SV_DNS_TYPE_A, 4096);
  n = udp_ask (s.port, q, qlen, r, sizeof r, 2000);
  assert_int_equal (n, qlen + max * 16);
  assert_false (get16 (r + 2) & SV_DNS_F_TC);
  assert_int_equal (get16 (r + 6), max);
  assert_int_equal (get16 (r + 10), 1);
  stop_server (&s);
}

static void
test_server_forwards (void **state)
{
  struct sockaddr_storage up[2];
  int upfd[2] = { fake_upstream (&up[0]), fake_upstream (&up[1]) };
  struct server s;
  start_server (&s, up, 2);
  uint8_t q[512], f[4096], canned[4096], r[4096];
  struct sockaddr_storage from;

  int c = udp_client (s.port);
  size_t qlen = make_query (q, 0x4242, "Example.ORG", SV_DNS_TYPE_A, 0);
  assert_int_equal (send (c, q, qlen, 0), qlen);
  ssize_t n = recv_within (upfd[0], f, sizeof f, 2000, &from);
  /* The query as asked, under a new id. */
  assert_int_equal (n, qlen);
  assert_memory_equal (f + 2, q + 2, qlen - 2);

  /* A reply with the wrong id, one for another question and one from a
   * stranger are ignored; the right one is relayed with the client's id. */
  uint8_t bad[4096];
  size_t clen = make_canned (f, qlen, canned);
  memcpy (bad, canned, clen);
  bad[1] ^= 0xff;
  send_to (upfd[0], bad, clen, &from);
  memcpy (bad, canned, clen);
  bad[13] = 'x';
  send_to (upfd[0], bad, clen, &from);
  send_to (upfd[1], canned, clen, &from);
  assert_int_equal (recv_within (c, r, sizeof r, 300, NULL), -1);
  send_to (upfd[0], canned, clen, &from);
  n = recv_within (c, r, sizeof r, 2000, NULL);
  assert_int_equal (n, clen);
  assert_int_equal (get16 (r), 0x4242); /* the client's id back */
  assert_memory_equal (r + 2, canned + 2, clen - 2);
  /* Only one reply, even when the upstream repeats itself. */
  send_to (upfd[0], canned, clen, &from);
  assert_int_equal (recv_within (c, r, sizeof r, 300, NULL), -1);
  close (c);

  /* A reply bigger than the client takes (512 bytes: no EDNS0) is cut
   * down to the question with TC. */
  c = udp_client (s.port);
  qlen = make_query (q, 0x5555, "big.example", SV_DNS_TYPE_TXT, 0);
  assert_int_equal (send (c, q, qlen, 0), qlen);
  n = recv_within (upfd[0], f, sizeof f, 2000, &from);
  assert_int_equal (n, qlen);
  memcpy (canned, f, qlen);
  canned[2] = 0x81, canned[3] = 0x80;
  canned[7] = 1;
  const uint8_t txt[] = { 0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0x02, 0x58 };
  memcpy (canned + qlen, txt, sizeof txt);
  memset (canned + qlen + sizeof txt, 'x', 600);
  for (size_t k = 0; k < 600; k += 200)
    canned[qlen + sizeof txt + k] = 199;
  clen = qlen + sizeof txt + 600;
  send_to (upfd[0], canned, clen, &from);
  n = recv_within (c, r, sizeof r, 2000, NULL);
  assert_int_equal (n, qlen);
  assert_int_equal (get16 (r), 0x5555);
  assert_int_equal (get16 (r + 2), 0x8380);
  assert_int_equal (get16 (r + 6), 0);
  close (c);
  qlen = make_query (q, 0x4242, "Example.ORG", SV_DNS_TYPE_A, 0);

  /* Over TCP: forwarded over UDP, answered over TCP. */
  c = tcp_client (s.port);
  uint8_t pre[2] = { 0, (uint8_t)qlen };
  q[0] = 0x66;
  assert_int_equal (send (c, pre, 2, 0), 2);
  assert_int_equal (send (c, q, qlen, 0), qlen);
  n = recv_within (upfd[0], f, sizeof f, 2000, &from);
  assert_int_equal (n, qlen);
  clen = upstream_answer (upfd[0], f, qlen, &from, canned);
  assert_true (read_full (c, pre, 2, 2000));
  assert_int_equal (get16 (pre), clen);
  assert_true (read_full (c, r, clen, 2000));
  assert_int_equal (r[0], 0x66);
  assert_memory_equal (r + 2, canned + 2, clen - 2);
  close (c);

  stop_server (&s);
  close (upfd[0]);
  close (upfd[1]);
}

static void
test_server_upstream_timeouts (void **state)
{
  struct sockaddr_storage up[2];
  int upfd[2] = { fake_upstream (&up[0]), fake_upstream (&up[1]) };
  struct server s;
  start_server (&s, up, 2);
  uint8_t q[512], f[4096], canned[4096], r[4096];
  struct sockaddr_storage from;

  /* The first upstream is silent: after its share of the time (1 s) the
   * second one is asked, and its answer is relayed. */
  int c = udp_client (s.port);
  size_t qlen = make_query (q, 0x0a0a, "slow.example", SV_DNS_TYPE_A, 0);
  int64_t t0 = now_ms ();
  assert_int_equal (send (c, q, qlen, 0), qlen);
  assert_int_equal (recv_within (upfd[0], f, sizeof f, 2000, &from), qlen);
  ssize_t n = recv_within (upfd[1], f, sizeof f, 3000, &from);
  assert_int_equal (n, qlen);
  assert_true (now_ms () - t0 >= 800);
  size_t clen = upstream_answer (upfd[1], f, qlen, &from, canned);
  n = recv_within (c, r, sizeof r, 2000, NULL);
  assert_int_equal (n, clen);
  assert_int_equal (get16 (r), 0x0a0a);
  close (c);

  /* Neither answers: SERVFAIL with the client's id after about 2 s. */
  c = udp_client (s.port);
  qlen = make_query (q, 0x0b0b, "dead.example", SV_DNS_TYPE_A, 0);
  t0 = now_ms ();
  assert_int_equal (send (c, q, qlen, 0), qlen);
  /* A retry by the client while it is pending is not forwarded again. */
  assert_int_equal (send (c, q, qlen, 0), qlen);
  n = recv_within (c, r, sizeof r, 4000, NULL);
  int64_t took = now_ms () - t0;
  assert_int_equal (n, qlen);
  assert_true (took >= 1500 && took < 3500);
  assert_int_equal (get16 (r), 0x0b0b);
  assert_int_equal (get16 (r + 2), SV_DNS_F_QR | SV_DNS_F_RD | SV_DNS_F_RA | SV_DNS_SERVFAIL);
  assert_memory_equal (r + 12, q + 12, qlen - 12);
  assert_int_equal (recv_within (c, r, sizeof r, 200, NULL), -1);
  close (c);
  /* Each upstream saw the query once. */
  assert_int_equal (recv_within (upfd[0], f, sizeof f, 0, NULL), qlen);
  assert_int_equal (recv_within (upfd[0], f, sizeof f, 0, NULL), -1);
  assert_int_equal (recv_within (upfd[1], f, sizeof f, 0, NULL), qlen);
  assert_int_equal (recv_within (upfd[1], f, sizeof f, 0, NULL), -1);

  stop_server (&s);
  close (upfd[0]);
  close (upfd[1]);
}

static void
test_server_refused_upstream (void **state)
{
  /* The first upstream's port is closed: ICMP says so, and the second is
   * asked at once rather than after a timeout. */
  struct sockaddr_storage up[2];
  int gone = fake_upstream (&up[0]);
  close (gone);
  int upfd = fake_upstream (&up[1]);
  struct server s;
  start_server (&s, up, 2);
  uint8_t q[512], f[4096], canned[4096], r[4096];
  struct sockaddr_storage from;

  int c = udp_client (s.port);
  size_t qlen = make_query (q, 0x0c0c, "example.net", SV_DNS_TYPE_AAAA, 0);
  int64_t t0 = now_ms ();
  assert_int_equal (send (c, q, qlen, 0), qlen);
  assert_int_equal (recv_within (upfd, f, sizeof f, 2000, &from), qlen);
  assert_true (now_ms () - t0 < 500);
  size_t clen = upstream_answer (upfd, f, qlen, &from, canned);
  assert_int_equal (recv_within (c, r, sizeof r, 2000, NULL), clen);
  assert_int_equal (get16 (r), 0x0c0c);
  close (c);
  stop_server (&s);
  close (upfd);
}

static void
test_server_no_upstreams (void **state)
{
  struct server s;
  start_server (&s, NULL, 0);
  uint8_t q[512], r[512];
  size_t qlen = make_query (q, 0x0d0d, "unknown.example", SV_DNS_TYPE_A, 0);
  int64_t t0 = now_ms ();
  ssize_t n = udp_ask (s.port, q, qlen, r, sizeof r, 2000);
  assert_int_equal (n, qlen);
  assert_true (now_ms () - t0 < 500);
  assert_int_equal (get16 (r), 0x0d0d);
  assert_int_equal (SV_DNS_RCODE (get16 (r + 2)), SV_DNS_SERVFAIL);
  n = tcp_ask (s.port, q, qlen, r, sizeof r, 2000);
  assert_int_equal (n, qlen);
  assert_int_equal (SV_DNS_RCODE (get16 (r + 2)), SV_DNS_SERVFAIL);
  stop_server (&s);
}

static void
test_server_drops_malformed (void **state)
{
  struct server s;
  start_server (&s, NULL, 0);
  uint8_t q[512], r[512];
  const uint8_t junk[][24] = {
    { 0 },
    { HDR (0), 0xc0, 12, 0, 1, 0, 1 },         /* pointer loop */
    { HDR (0), 1, 'a', 0xc0, 13, 0, 1, 0, 1 }, /* pointer forwards */
    { HDR (0), 63, 'a', 'b', 'c' },            /* label past the end */
    { 0x12, 0x34, 0x85, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'e', 'b', 0, 0, 1, 0, 1 }, /* a reply
                                                                                          */
  };
  const size_t lens[] = { 5, 18, 20, 16, 21 };
  int c = udp_client (s.port);
  for (size_t i = 0; i < 5; i++)
    {
      assert_int_equal (send (c, junk[i], lens[i], 0), lens[i]);
      assert_int_equal (recv_within (c, r, sizeof r, 100, NULL), -1);
    }
  /* An empty datagram, and one bigger than any buffer. */
  assert_int_equal (send (c, "", 0, 0), 0);
  uint8_t *big = xmalloc0 (65507);
  memcpy (big, (uint8_t[]){ HDR (0), 1, 'a', 0, 0, 1, 0, 1 }, 19);
  assert_int_equal (send (c, big, 65507, 0), 65507);
  free (big);
  /* Still serving. */
  size_t qlen = make_query (q, 0x0e0e, "web", SV_DNS_TYPE_A, 0);
  assert_int_equal (send (c, q, qlen, 0), qlen);
  assert_int_equal (recv_within (c, r, sizeof r, 2000, NULL), qlen + 32);
  assert_int_equal (get16 (r), 0x0e0e);
  close (c);

  /* Over TCP a malformed query closes the connection. */
  int t = tcp_client (s.port);
  uint8_t pre[2] = { 0, 18 };
  assert_int_equal (send (t, pre, 2, 0), 2);
  assert_int_equal (send (t, junk[1], 18, 0), 18);
  assert_int_equal (recv_within (t, r, sizeof r, 2000, NULL), 0);
  close (t);
  /* So does a length of 0 or one over the limit. */
  t = tcp_client (s.port);
  assert_int_equal (send (t, "\xff\xff", 2, 0), 2);
  assert_int_equal (recv_within (t, r, sizeof r, 2000, NULL), 0);
  close (t);
  stop_server (&s);
}

static void
test_server_tcp (void **state)
{
  struct server s;
  start_server (&s, NULL, 0);
  uint8_t q[512], r[4096];
  uint32_t a[4];

  /* Two queries on one connection, the first sent a byte at a time. */
  int t = tcp_client (s.port);
  size_t qlen = make_query (q, 0x1111, "DB", SV_DNS_TYPE_A, 0);
  uint8_t msg[514] = { 0, (uint8_t)qlen };
  memcpy (msg + 2, q, qlen);
  for (size_t i = 0; i < qlen + 2; i++)
    {
      assert_int_equal (send (t, msg + i, 1, 0), 1);
      usleep (1000);
    }
  uint8_t pre[2];
  assert_true (read_full (t, pre, 2, 2000));
  assert_int_equal (get16 (pre), qlen + 16);
  assert_true (read_full (t, r, qlen + 16, 2000));
  assert_int_equal (get16 (r), 0x1111);
  assert_int_equal (reply_addrs (r, qlen + 16, qlen, a, 4), 1);
  assert_int_equal (a[0], 0x0a580004);
  qlen = make_query (q, 0x2222, "web", SV_DNS_TYPE_AAAA, 0);
  ssize_t n = tcp_ask_on (t, q, qlen, r, sizeof r, 2000);
  assert_int_equal (n, qlen);
  assert_int_equal (get16 (r), 0x2222);
  close (t);

  /* A client that sends half a length prefix holds nobody up... */
  int idle = tcp_client (s.port);
  assert_int_equal (send (idle, "\x00", 1, 0), 1);
  qlen = make_query (q, 0x3333, "web", SV_DNS_TYPE_A, 0);
  assert_int_equal (udp_ask (s.port, q, qlen, r, sizeof r, 2000), qlen + 32);
  assert_int_equal (tcp_ask (s.port, q, qlen, r, sizeof r, 2000), qlen + 32);

  /* ...nor do more clients than the server takes: the extra ones are
   * closed at once. */
  usleep (100000);
  int many[SV_DNS_MAX_TCP_CLIENTS + 2];
  for (size_t i = 0; i < SV_DNS_MAX_TCP_CLIENTS + 2; i++)
    many[i] = tcp_client (s.port);
  usleep (300000);
  int closed = 0;
  for (size_t i = 0; i < SV_DNS_MAX_TCP_CLIENTS + 2; i++)
    {
      ssize_t k = recv (many[i], r, sizeof r, MSG_DONTWAIT);
      if (k == 0 || (k < 0 && errno == ECONNRESET))
        closed++;
    }
  assert_int_equal (closed, 3); /* the idle one holds a slot */
  assert_int_equal (udp_ask (s.port, q, qlen, r, sizeof r, 2000), qlen + 32);
  for (size_t i = 0; i < SV_DNS_MAX_TCP_CLIENTS + 2; i++)
    close (many[i]);
  usleep (100000);
  assert_int_equal (tcp_ask (s.port, q, qlen, r, sizeof r, 2000), qlen + 32);

  /* The idle client is closed after SV_DNS_TCP_IDLE_MS. */
  n = recv_within (idle, r, sizeof r, SV_DNS_TCP_IDLE_MS + 2000, NULL);
  assert_int_equal (n, 0);
  close (idle);
  stop_server (&s);
}

static bool
stop_now (void *data)
{
  return true;
}

static void
test_server_bind_error (void **state)
{
  /* A TCP listener already on the port: EADDRINUSE, at once. */
  uint16_t port = free_port ();
  int t = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sin
      = { .sin_family = AF_INET, .sin_port = htons (port), .sin_addr.s_addr = LOCALHOST };
  assert_int_equal (bind (t, (struct sockaddr *)&sin, sizeof sin), 0);
  assert_int_equal (listen (t, 1), 0);
  struct sv_dns_server_opts o = {
    .listen.s_addr = LOCALHOST,
    .port = port,
    .should_stop = stop_now,
    .idle_ms = 10,
  };
  struct sv_err *err = NULL;
  assert_int_equal (sv_dns_serve (&o, &err), -EADDRINUSE);
  assert_non_null (err);
  assert_non_null (strstr (err->msg, "127.0.0.1"));
  sv_err_free (&err);
  close (t);

  /* Free port, should_stop true at once: returns 0. */
  o.port = free_port ();
  assert_int_equal (sv_dns_serve (&o, &err), 0);
  assert_null (err);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_server_known_names),
    cmocka_unit_test (test_server_truncation),
    cmocka_unit_test (test_server_forwards),
    cmocka_unit_test (test_server_upstream_timeouts),
    cmocka_unit_test (test_server_refused_upstream),
    cmocka_unit_test (test_server_no_upstreams),
    cmocka_unit_test (test_server_drops_malformed),
    cmocka_unit_test (test_server_tcp),
    cmocka_unit_test (test_server_bind_error),
  };
  signal (SIGPIPE, SIG_IGN);
  return cmocka_run_group_tests (tests, NULL, NULL);
}
