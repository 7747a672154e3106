/* Unit tests for network/dns-proto.c: the wire format, fed hostile input,
 * and reading resolv.conf.  The responder itself: test-dns-server.c. */
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

/* ---- helpers ---------------------------------------------------------- */

/* Parse BUF (LEN bytes) as a query from a heap copy of exactly LEN bytes,
 * so that AddressSanitizer catches any read past the end. */
static int
parse_exact (const uint8_t *buf, size_t len, struct sv_dns_msg *m)
{
  uint8_t *copy = xmalloc (len);
  memcpy (copy, buf, len);
  struct sv_err *err = NULL;
  int ret = sv_dns_parse_query (copy, len, m, &err);
  if (ret < 0)
    {
      assert_non_null (err);
      assert_int_equal (err->code, EBADMSG);
      sv_err_free (&err);
    }
  free (copy);
  return ret;
}

#define Q(...) ((const uint8_t[]){ __VA_ARGS__ })
#define QLEN(...) sizeof ((const uint8_t[]){ __VA_ARGS__ })
#define PARSE(m, ...) parse_exact (Q (__VA_ARGS__), QLEN (__VA_ARGS__), m)

/* ---- parsing ---------------------------------------------------------- */

static void
test_parse_query (void **state)
{
  struct sv_dns_msg m;
  assert_int_equal (
      PARSE (&m, HDR (0), 3, 'W', 'e', 'b', 5, 'M', 'y', 'N', 'e', 't', 0, 0, 1, 0, 1), 0);
  assert_int_equal (m.id, 0x1234);
  assert_int_equal (m.flags, SV_DNS_F_RD);
  assert_string_equal (m.name, "web.mynet");
  assert_true (m.name_plain);
  assert_int_equal (m.qtype, SV_DNS_TYPE_A);
  assert_int_equal (m.qclass, SV_DNS_CLASS_IN);
  assert_int_equal (m.question_end, 12 + 11 + 4);
  assert_int_equal (m.edns_size, 0);
  assert_int_equal (sv_dns_udp_limit (&m), 512);

  /* Underscores and digits are plain; the root is not a name to look up. */
  assert_int_equal (PARSE (&m, HDR (0), 5, '_', 'x', '-', '9', 'Z', 0, 0, 28, 0, 1), 0);
  assert_string_equal (m.name, "_x-9z");
  assert_true (m.name_plain);
  assert_int_equal (m.qtype, SV_DNS_TYPE_AAAA);
  assert_int_equal (PARSE (&m, HDR (0), 0, 0, 2, 0, 1), 0);
  assert_string_equal (m.name, "");
  assert_false (m.name_plain);
}

static void
test_parse_odd_bytes (void **state)
{
  struct sv_dns_msg m;
  /* A dot, a NUL, a space and a high byte inside labels: legal DNS, never
   * looked up, and the text stays one C string. */
  assert_int_equal (
      PARSE (&m, HDR (0), 3, 'a', '.', 'b', 3, 'c', 0, 'd', 2, ' ', 0xe9, 0, 0, 1, 0, 1), 0);
  assert_string_equal (m.name, "a?b.c?d.??");
  assert_false (m.name_plain);
  assert_int_equal (strlen (m.name), 10);
}

static void
test_parse_edns (void **state)
{
  uint8_t buf[512];
  struct sv_dns_msg m;
  size_t len = make_query (buf, 7, "web", SV_DNS_TYPE_A, 4096);
  assert_int_equal (parse_exact (buf, len, &m), 0);
  assert_int_equal (m.edns_size, 4096);
  assert_int_equal (m.question_end, len - 11);
  assert_int_equal (sv_dns_udp_limit (&m), 4096);

  len = make_query (buf, 7, "web", SV_DNS_TYPE_A, 100); /* below 512 counts as 512 */
  assert_int_equal (parse_exact (buf, len, &m), 0);
  assert_int_equal (m.edns_size, 512);
  assert_int_equal (sv_dns_udp_limit (&m), 512);

  len = make_query (buf, 7, "web", SV_DNS_TYPE_A, 65000); /* honoured up to 4096 */
  assert_int_equal (parse_exact (buf, len, &m), 0);
  assert_int_equal (sv_dns_udp_limit (&m), SV_DNS_EDNS_SIZE_MAX);

  len = make_query (buf, 7, "web", SV_DNS_TYPE_A, 1232);
  assert_int_equal (parse_exact (buf, len, &m), 0);
  assert_int_equal (sv_dns_udp_limit (&m), 1232);
}

static void
test_parse_rejects_bad_headers (void **state)
{
  struct sv_dns_msg m;
  assert_int_equal (parse_exact (Q (0), 0, &m), -EBADMSG);
  assert_int_equal (PARSE (&m, 0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0), -EBADMSG);
  /* Zero or two questions. */
  assert_int_equal (PARSE (&m, 0x12, 0x34, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), -EBADMSG);
  assert_int_equal (PARSE (&m, 0x12, 0x34, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1, 1,
                           'b', 0, 0, 1, 0, 1),
                    -EBADMSG);
  /* A reply, and a non-QUERY opcode (NOTIFY). */
  assert_int_equal (
      PARSE (&m, 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1), -EBADMSG);
  assert_int_equal (
      PARSE (&m, 0x12, 0x34, 0x20, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1), -EBADMSG);
  /* Bytes after the question (or after the last record). */
  assert_int_equal (PARSE (&m, HDR (0), 1, 'a', 0, 0, 1, 0, 1, 0), -EBADMSG);
  assert_int_equal (
      PARSE (&m, HDR (1), 1, 'a', 0, 0, 1, 0, 1, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0, 7), -EBADMSG);
  /* Answer or authority records in a query. */
  assert_int_equal (PARSE (&m, 0x12, 0x34, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1),
                    -EBADMSG);
  assert_int_equal (PARSE (&m, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 'a', 0, 0, 1, 0, 1),
                    -EBADMSG);
}

static void
test_parse_rejects_bad_names (void **state)
{
  struct sv_dns_msg m;
  /* A label past the end, a name without its final zero, a question
   * without type and class, reserved label types 0x40 and 0x80. */
  assert_int_equal (PARSE (&m, HDR (0), 5, 'a', 'b'), -EBADMSG);
  assert_int_equal (PARSE (&m, HDR (0), 1, 'a'), -EBADMSG);
  assert_int_equal (PARSE (&m, HDR (0), 1, 'a', 0, 0, 1, 0), -EBADMSG);
  assert_int_equal (PARSE (&m, HDR (0), 1, 'a', 0), -EBADMSG);
  assert_int_equal (PARSE (&m, HDR (0), 0x41, 'a', 0, 0, 1, 0, 1), -EBADMSG);
  assert_int_equal (PARSE (&m, HDR (0), 0x81, 'a', 0, 0, 1, 0, 1), -EBADMSG);
  /* A label length byte claiming 63 bytes with 2 present. */
  assert_int_equal (PARSE (&m, HDR (0), 63, 'a', 'b'), -EBADMSG);
}

/* A query whose name has labels of the lengths in L (N of them). */
static size_t
query_with_labels (uint8_t *buf, const size_t *l, size_t n)
{
  uint8_t hdr[] = { HDR (0) };
  memcpy (buf, hdr, sizeof hdr);
  size_t pos = sizeof hdr;
  for (size_t i = 0; i < n; i++)
    {
      buf[pos++] = (uint8_t)l[i];
      memset (buf + pos, 'x', l[i]);
      pos += l[i];
    }
  buf[pos++] = 0;
  memcpy (buf + pos, (uint8_t[]){ 0, 1, 0, 1 }, 4);
  return pos + 4;
}

static void
test_parse_name_length_limit (void **state)
{
  uint8_t buf[600];
  struct sv_dns_msg m;
  /* 64 + 64 + 64 + 62 + 1 = 255 bytes on the wire: the longest name. */
  size_t len = query_with_labels (buf, (size_t[]){ 63, 63, 63, 61 }, 4);
  assert_int_equal (parse_exact (buf, len, &m), 0);
  assert_int_equal (strlen (m.name), 253);
  assert_true (m.name_plain);
  len = query_with_labels (buf, (size_t[]){ 63, 63, 63, 62 }, 4);
  assert_int_equal (parse_exact (buf, len, &m), -EBADMSG);
  len = query_with_labels (buf, (size_t[]){ 63, 63, 63, 63, 63, 63, 63 }, 7);
  assert_int_equal (parse_exact (buf, len, &m), -EBADMSG);
  /* 127 one-byte labels: 255 bytes; 128: too many. */
  size_t ones[128];
  for (size_t i = 0; i < 128; i++)
    ones[i] = 1;
  len = query_with_labels (buf, ones, 127);
  assert_int_equal (parse_exact (buf, len, &m), 0);
  len = query_with_labels (buf, ones, 128);
  assert_int_equal (parse_exact (buf, len, &m), -EBADMSG);
}

static void
test_parse_compression (void **state)
{
  struct sv_dns_msg m;
  /* The question's name pointing at itself, at the header, forwards. */
  assert_int_equal (PARSE (&m, HDR (0), 0xc0, 12, 0, 1, 0, 1), -EBADMSG);
  assert_int_equal (PARSE (&m, HDR (0), 0xc0, 2, 0, 1, 0, 1), -EBADMSG);
  assert_int_equal (PARSE (&m, HDR (0), 0xc0, 14, 0, 1, 0, 1, 0), -EBADMSG);
  /* A pointer cut off by the end of the message. */
  assert_int_equal (PARSE (&m, HDR (0), 1, 'a', 0xc0), -EBADMSG);
  /* A legal additional record whose name points at the question. */
  assert_int_equal (PARSE (&m, HDR (1), 1, 'a', 0, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0,
                           4, 10, 0, 0, 1),
                    0);
  assert_string_equal (m.name, "a");
  /* An additional record whose name points at itself, or forwards. */
  assert_int_equal (
      PARSE (&m, HDR (1), 1, 'a', 0, 0, 1, 0, 1, 0xc0, 19, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0), -EBADMSG);
  assert_int_equal (
      PARSE (&m, HDR (1), 1, 'a', 0, 0, 1, 0, 1, 0xc0, 21, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0), -EBADMSG);
  /* A label followed by a pointer back to it: "b.b.b..." forever. */
  assert_int_equal (
      PARSE (&m, HDR (1), 1, 'a', 0, 0, 1, 0, 1, 1, 'b', 0xc0, 19, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0),
      -EBADMSG);
}

static void
test_read_name_pointers (void **state)
{
  /* "a" at 0, "b" + pointer to 0 at 3, pointer to 3 at 7. */
  const uint8_t msg[] = { 1, 'a', 0, 1, 'b', 0xc0, 0, 0xc0, 3 };
  char name[SV_DNS_NAME_SIZE];
  size_t next = 0;
  bool plain = false, compressed = false;
  assert_int_equal (sv_dns_read_name (msg, sizeof msg, 7, name, &next, &plain, &compressed, NULL),
                    0);
  assert_string_equal (name, "b.a");
  assert_int_equal (next, 9);
  assert_true (plain);
  assert_true (compressed);
  assert_int_equal (sv_dns_read_name (msg, sizeof msg, 3, name, &next, NULL, &compressed, NULL), 0);
  assert_int_equal (next, 7);
  assert_int_equal (sv_dns_read_name (msg, sizeof msg, 0, name, &next, NULL, &compressed, NULL), 0);
  assert_string_equal (name, "a");
  assert_int_equal (next, 3);
  assert_false (compressed);
  /* Two pointers at each other: 0 -> 2 is forwards. */
  const uint8_t loop[] = { 0xc0, 2, 0xc0, 0 };
  struct sv_err *err = NULL;
  assert_int_equal (sv_dns_read_name (loop, sizeof loop, 2, name, &next, NULL, NULL, &err),
                    -EBADMSG);
  assert_non_null (err);
  sv_err_free (&err);
  /* Out-parameters are left alone on failure. */
  strcpy (name, "untouched");
  next = 42;
  assert_int_equal (sv_dns_read_name (loop, sizeof loop, 0, name, &next, NULL, NULL, NULL),
                    -EBADMSG);
  assert_string_equal (name, "untouched");
  assert_int_equal (next, 42);
}

static void
test_parse_additional (void **state)
{
  struct sv_dns_msg m;
  /* Record header or data past the end; two OPT records; OPT on a name. */
  assert_int_equal (PARSE (&m, HDR (1), 1, 'a', 0, 0, 1, 0, 1, 0, 0, 41, 16, 0, 0, 0), -EBADMSG);
  assert_int_equal (
      PARSE (&m, HDR (1), 1, 'a', 0, 0, 1, 0, 1, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 9, 1), -EBADMSG);
  assert_int_equal (PARSE (&m, HDR (2), 1, 'a', 0, 0, 1, 0, 1, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0, 0,
                           0, 41, 16, 0, 0, 0, 0, 0, 0, 0),
                    -EBADMSG);
  assert_int_equal (
      PARSE (&m, HDR (1), 1, 'a', 0, 0, 1, 0, 1, 1, 'x', 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0),
      -EBADMSG);
  /* More records counted than present. */
  assert_int_equal (PARSE (&m, HDR (2), 1, 'a', 0, 0, 1, 0, 1, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0),
                    -EBADMSG);
  /* An OPT with an option (cookie) is fine. */
  assert_int_equal (PARSE (&m, HDR (1), 1, 'a', 0, 0, 1, 0, 1, 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 12,
                           0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8),
                    0);
  assert_int_equal (m.edns_size, 1232);
}

/* Every prefix of a valid query is rejected, and random mutations of it
 * never read outside the buffer (AddressSanitizer watches the exact-size
 * heap copies). */
static void
test_parse_hostile (void **state)
{
  uint8_t buf[512];
  struct sv_dns_msg m;
  size_t len = make_query (buf, 1, "some.name.example", SV_DNS_TYPE_A, 1232);
  for (size_t l = 0; l < len; l++)
    assert_int_equal (parse_exact (buf, l, &m), -EBADMSG);
  assert_int_equal (parse_exact (buf, len, &m), 0);

  srand (12345);
  for (int i = 0; i < 200000; i++)
    {
      uint8_t copy[512];
      memcpy (copy, buf, len);
      int flips = 1 + rand () % 4;
      for (int k = 0; k < flips; k++)
        copy[rand () % len] = (uint8_t)rand ();
      size_t l = (size_t)(rand () % (int)(len + 1));
      if (parse_exact (copy, l, &m) == 0)
        {
          assert_true (m.question_end <= l);
          assert_true (strlen (m.name) < SV_DNS_NAME_SIZE);
        }
    }
  for (int i = 0; i < 100000; i++)
    {
      uint8_t junk[64];
      size_t l = (size_t)(rand () % (int)sizeof junk);
      for (size_t k = 0; k < l; k++)
        junk[k] = (uint8_t)(k < 12 ? rand () : rand () % 4 == 0 ? 0xc0 : rand ());
      junk[4] = 0, junk[5] = 1;
      (void)parse_exact (junk, l, &m);
    }
}

static void
test_parse_reply (void **state)
{
  struct sv_dns_msg m;
  const uint8_t r[] = { 0xab, 0xcd, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'x', 0, 0, 1, 0, 1 };
  assert_int_equal (sv_dns_parse_reply (r, sizeof r, &m, NULL), 0);
  assert_int_equal (m.id, 0xabcd);
  assert_int_equal (SV_DNS_RCODE (m.flags), SV_DNS_NXDOMAIN);
  assert_string_equal (m.name, "x");
  /* A query is not a reply. */
  uint8_t q[64];
  size_t len = make_query (q, 1, "x", 1, 0);
  assert_int_equal (sv_dns_parse_reply (q, len, &m, NULL), -EBADMSG);
  assert_int_equal (sv_dns_parse_reply (r, 11, &m, NULL), -EBADMSG);
}

/* ---- building --------------------------------------------------------- */

static void
test_build_a (void **state)
{
  uint8_t q[64], out[512];
  struct sv_dns_msg m;
  size_t qlen = make_query (q, 0xbeef, "Web", SV_DNS_TYPE_A, 0);
  assert_int_equal (parse_exact (q, qlen, &m), 0);
  struct in_addr a[2];
  inet_pton (AF_INET, "10.88.0.2", &a[0]);
  inet_pton (AF_INET, "10.88.0.3", &a[1]);
  int len = sv_dns_build_reply (q, &m, SV_DNS_NOERROR, a, 2, 5, out, sizeof out, NULL);
  const uint8_t expect[] = {
    0xbe, 0xef, 0x85, 0x80, 0, 1, 0, 2, 0, 0, 0, 0, /* QR AA RD RA, 1 question, 2 answers */
    3,    'W',  'e',  'b',  0, 0, 1, 0, 1,          /* the question, case kept */
    0xc0, 12,   0,    1,    0, 1, 0, 0, 0, 5, 0, 4, 10, 88, 0, 2, /* web A 10.88.0.2 TTL 5 */
    0xc0, 12,   0,    1,    0, 1, 0, 0, 0, 5, 0, 4, 10, 88, 0, 3,
  };
  assert_int_equal (len, sizeof expect);
  assert_memory_equal (out, expect, sizeof expect);
}

static void
test_build_nodata_edns (void **state)
{
  uint8_t q[64], out[512];
  struct sv_dns_msg m;
  size_t qlen = make_query (q, 0x0102, "db", SV_DNS_TYPE_AAAA, 1232);
  assert_int_equal (parse_exact (q, qlen, &m), 0);
  int len = sv_dns_build_reply (q, &m, SV_DNS_NOERROR, NULL, 0, 5, out, sizeof out, NULL);
  const uint8_t expect[] = {
    0x01, 0x02, 0x85, 0x80, 0, 1, 0,  0,    0, 0, 0, 1, 2, 'd', 'b', 0,
    0,    28,   0,    1,    0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0,   0, /* OPT: root, 4096 bytes, version
                                                                      0 */
  };
  assert_int_equal (len, sizeof expect);
  assert_memory_equal (out, expect, sizeof expect);
  /* The reply parses as a reply to the same question. */
  struct sv_dns_msg r;
  assert_int_equal (sv_dns_parse_reply (out, (size_t)len, &r, NULL), 0);
  assert_string_equal (r.name, "db");
  assert_int_equal (r.qtype, SV_DNS_TYPE_AAAA);
}

static void
test_build_servfail (void **state)
{
  uint8_t q[64], out[512];
  struct sv_dns_msg m;
  size_t qlen = make_query (q, 9, "nowhere.example", SV_DNS_TYPE_A, 0);
  q[2] = 0; /* no RD: none in the reply either */
  assert_int_equal (parse_exact (q, qlen, &m), 0);
  int len = sv_dns_build_reply (q, &m, SV_DNS_SERVFAIL, NULL, 0, 5, out, sizeof out, NULL);
  assert_int_equal (len, (int)qlen);
  assert_int_equal (get16 (out + 2), SV_DNS_F_QR | SV_DNS_F_RA | SV_DNS_SERVFAIL);
  assert_memory_equal (out + 4, q + 4, qlen - 4);
}

static void
test_build_truncates (void **state)
{
  uint8_t q[64], out[1024];
  struct sv_dns_msg m;
  size_t qlen = make_query (q, 1, "many", SV_DNS_TYPE_A, 0);
  assert_int_equal (parse_exact (q, qlen, &m), 0);
  struct in_addr a[40];
  for (int i = 0; i < 40; i++)
    a[i].s_addr = htonl (0x0a580000 + (uint32_t)i);
  int len = sv_dns_build_reply (q, &m, SV_DNS_NOERROR, a, 40, 0, out, 512, NULL);
  size_t fit = (512 - qlen) / 16;
  assert_int_equal (len, (int)(qlen + fit * 16));
  assert_true (get16 (out + 2) & SV_DNS_F_TC);
  assert_int_equal (get16 (out + 6), fit);
  /* Room for all of them: no TC. */
  len = sv_dns_build_reply (q, &m, SV_DNS_NOERROR, a, 40, 0, out, sizeof out, NULL);
  assert_int_equal (len, (int)(qlen + 40 * 16));
  assert_false (get16 (out + 2) & SV_DNS_F_TC);
  /* Not even the question fits. */
  struct sv_err *err = NULL;
  assert_int_equal (sv_dns_build_reply (q, &m, SV_DNS_NOERROR, a, 1, 0, out, qlen - 1, &err),
                    -EMSGSIZE);
  assert_non_null (err);
  sv_err_free (&err);
}

static void
test_truncate (void **state)
{
  uint8_t r[] = { 0, 1,    0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'x', 0, 0, 1, 0,
                  1, 0xc0, 12,   0,    1, 0, 1, 0, 0, 0, 9, 0, 4, 1,   2, 3, 4 };
  struct sv_dns_msg m;
  assert_int_equal (sv_dns_parse_reply (r, sizeof r, &m, NULL), 0);
  assert_int_equal (sv_dns_truncate (r, &m), 19);
  const uint8_t expect[] = { 0, 1, 0x83, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'x', 0, 0, 1, 0, 1 };
  assert_memory_equal (r, expect, sizeof expect);
}

/* ---- resolv.conf ------------------------------------------------------ */

static void
test_read_upstreams (void **state)
{
  char path[] = "/tmp/test-dns-resolv-XXXXXX";
  int fd = mkstemp (path);
  assert_true (fd >= 0);
  const char text[] = "# generated\n"
                      "search example.com\n"
                      "nameserver 192.0.2.1\n"
                      "; nameserver 192.0.2.99\n"
                      "nameserver\tnot-an-address\n"
                      "nameserver 2001:db8::53 # comment\n"
                      "options ndots:2\n"
                      "nameserver fe80::1%lo\n"
                      "nameserver 192.0.2.4\n";
  assert_int_equal (write (fd, text, sizeof text - 1), sizeof text - 1);
  close (fd);

  struct sockaddr_storage *up = NULL;
  size_t n = 0;
  assert_int_equal (sv_dns_read_upstreams (path, &up, &n, NULL), 0);
  unlink (path);
  assert_int_equal (n, 3);
  const struct sockaddr_in *a = (const struct sockaddr_in *)&up[0];
  assert_int_equal (a->sin_family, AF_INET);
  assert_int_equal (ntohs (a->sin_port), 53);
  assert_int_equal (ntohl (a->sin_addr.s_addr), 0xc0000201);
  const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)&up[1];
  assert_int_equal (b->sin6_family, AF_INET6);
  assert_int_equal (ntohs (b->sin6_port), 53);
  assert_int_equal (b->sin6_addr.s6_addr[15], 0x53);
  const struct sockaddr_in6 *c = (const struct sockaddr_in6 *)&up[2];
  assert_int_equal (c->sin6_family, AF_INET6);
  assert_int_equal (c->sin6_scope_id, 1); /* lo */
  free (up);

  struct sv_err *err = NULL;
  up = NULL;
  n = 99;
  assert_int_equal (sv_dns_read_upstreams ("/nonexistent/resolv.conf", &up, &n, &err), -ENOENT);
  assert_non_null (err);
  assert_null (up);
  assert_int_equal (n, 99);
  sv_err_free (&err);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_query),
    cmocka_unit_test (test_parse_odd_bytes),
    cmocka_unit_test (test_parse_edns),
    cmocka_unit_test (test_parse_rejects_bad_headers),
    cmocka_unit_test (test_parse_rejects_bad_names),
    cmocka_unit_test (test_parse_name_length_limit),
    cmocka_unit_test (test_parse_compression),
    cmocka_unit_test (test_read_name_pointers),
    cmocka_unit_test (test_parse_additional),
    cmocka_unit_test (test_parse_hostile),
    cmocka_unit_test (test_parse_reply),
    cmocka_unit_test (test_build_a),
    cmocka_unit_test (test_build_nodata_edns),
    cmocka_unit_test (test_build_servfail),
    cmocka_unit_test (test_build_truncates),
    cmocka_unit_test (test_truncate),
    cmocka_unit_test (test_read_upstreams),
  };
  signal (SIGPIPE, SIG_IGN);
  return cmocka_run_group_tests (tests, NULL, NULL);
}
