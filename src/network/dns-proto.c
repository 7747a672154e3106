/* DNS wire format: see dns-proto.h. */
#include "network/dns-proto.h"

#include <errno.h>
#include <string.h>

#define MAX_WIRE_NAME 255 /* RFC 1035 3.1, counting every length byte */
#define RR_FIXED_SIZE 10  /* type, class, ttl, rdlength */
#define A_RECORD_SIZE 16  /* pointer to the question, RR_FIXED_SIZE, address */
#define OPT_RECORD_SIZE 11

static uint16_t
get16 (const uint8_t *p)
{
  return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16 (uint8_t *p, uint16_t v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static void
put32 (uint8_t *p, uint32_t v)
{
  put16 (p, v >> 16);
  put16 (p + 2, v & 0xffff);
}

static int
bad (struct sv_err **err, const char *what)
{
  return sv_err_make_plain (err, EBADMSG, "malformed DNS message: %s", what);
}

/* Append the label of LEN bytes at P to the text name OUT at *O: lower-case,
 * '?' for a byte outside [a-z0-9_-]; returns whether every byte was plain. */
static bool
append_label (char *out, size_t *o, const uint8_t *p, size_t len)
{
  bool plain = len > 0;
  if (*o > 0)
    out[(*o)++] = '.';
  for (size_t i = 0; i < len; i++)
    {
      char c = (char)p[i];
      if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
        {
          c = '?';
          plain = false;
        }
      out[(*o)++] = c;
    }
  return plain;
}

int
sv_dns_read_name (const uint8_t *buf, size_t len, size_t off, char *out, size_t *next, bool *plain,
                  bool *compressed, struct sv_err **err)
{
  size_t pos = off;
  size_t limit = off; /* a pointer must target below this; it only shrinks */
  size_t wire = 1;    /* the name's uncompressed length, with the final zero */
  size_t o = 0, after = 0;
  bool is_plain = true, jumped = false;
  char text[SV_DNS_NAME_SIZE];

  for (;;)
    {
      if (pos >= len)
        return bad (err, "name runs past the message");
      uint8_t l = buf[pos];
      if ((l & 0xc0) == 0xc0)
        {
          if (len - pos < 2)
            return bad (err, "compression pointer runs past the message");
          size_t target = (size_t)(l & 0x3f) << 8 | buf[pos + 1];
          if (target >= limit)
            return bad (err, "compression pointer does not point backwards");
          if (!jumped)
            after = pos + 2;
          jumped = true;
          limit = pos = target;
          continue;
        }
      if (l & 0xc0)
        return bad (err, "reserved label type");
      if (l == 0)
        break;
      wire += 1 + l;
      if (wire > MAX_WIRE_NAME)
        return bad (err, "name longer than 255 bytes");
      if (l > len - pos - 1)
        return bad (err, "label runs past the message");
      is_plain &= append_label (text, &o, buf + pos + 1, l);
      pos += 1 + (size_t)l;
    }
  text[o] = '\0';
  memcpy (out, text, o + 1);
  if (next)
    *next = jumped ? after : pos + 1;
  if (plain)
    *plain = is_plain && o > 0;
  if (compressed)
    *compressed = jumped;
  return 0;
}

/* Parse the header and the one question into M; *AN, *NS and *AR get the
 * other sections' record counts and *COMPRESSED whether the question's name
 * used a pointer. */
static int
parse_head (const uint8_t *buf, size_t len, struct sv_dns_msg *m, uint16_t counts[3],
            bool *compressed, struct sv_err **err)
{
  if (len < SV_DNS_HEADER_SIZE)
    return bad (err, "shorter than a header");
  if (get16 (buf + 4) != 1)
    return bad (err, "not exactly one question");
  m->id = get16 (buf);
  m->flags = get16 (buf + 2);
  for (int i = 0; i < 3; i++)
    counts[i] = get16 (buf + 6 + 2 * i);

  size_t next;
  int ret = sv_dns_read_name (buf, len, SV_DNS_HEADER_SIZE, m->name, &next, &m->name_plain,
                              compressed, err);
  if (ret < 0)
    return ret;
  if (len - next < 4)
    return bad (err, "question runs past the message");
  m->qtype = get16 (buf + next);
  m->qclass = get16 (buf + next + 2);
  m->question_end = next + 4;
  m->edns_size = 0;
  return 0;
}

/* Walk the additional records at POS: check that each fits and that they
 * end the message, and note the EDNS0 payload size of the one OPT record,
 * if any, in *EDNS_SIZE. */
static int
parse_additional (const uint8_t *buf, size_t len, size_t pos, uint16_t count, uint16_t *edns_size,
                  struct sv_err **err)
{
  char name[SV_DNS_NAME_SIZE];
  bool seen_opt = false;
  for (uint16_t i = 0; i < count; i++)
    {
      size_t next;
      int ret = sv_dns_read_name (buf, len, pos, name, &next, NULL, NULL, err);
      if (ret < 0)
        return ret;
      if (len - next < RR_FIXED_SIZE)
        return bad (err, "record runs past the message");
      uint16_t type = get16 (buf + next);
      uint16_t rdlength = get16 (buf + next + 8);
      if (rdlength > len - next - RR_FIXED_SIZE)
        return bad (err, "record data runs past the message");
      if (type == SV_DNS_TYPE_OPT)
        {
          if (seen_opt || next != pos + 1)
            return bad (err, "OPT record twice or not on the root");
          seen_opt = true;
          uint16_t size = get16 (buf + next + 2);
          *edns_size = size < SV_DNS_UDP_SIZE ? SV_DNS_UDP_SIZE : size;
        }
      pos = next + RR_FIXED_SIZE + rdlength;
    }
  if (pos != len)
    return bad (err, "trailing bytes");
  return 0;
}

int
sv_dns_parse_query (const uint8_t *buf, size_t len, struct sv_dns_msg *m, struct sv_err **err)
{
  struct sv_dns_msg q;
  uint16_t counts[3];
  bool compressed;
  int ret = parse_head (buf, len, &q, counts, &compressed, err);
  if (ret < 0)
    return ret;
  if (q.flags & SV_DNS_F_QR)
    return bad (err, "a reply, not a query");
  if (SV_DNS_OPCODE (q.flags) != 0)
    return bad (err, "not a standard query");
  /* Only the header precedes the question: a pointer there is nonsense, and
   * replies copy the question byte for byte. */
  if (compressed)
    return bad (err, "compressed question name");
  if (counts[0] != 0 || counts[1] != 0)
    return bad (err, "answer or authority records in a query");
  ret = parse_additional (buf, len, q.question_end, counts[2], &q.edns_size, err);
  if (ret < 0)
    return ret;
  *m = q;
  return 0;
}

int
sv_dns_parse_reply (const uint8_t *buf, size_t len, struct sv_dns_msg *m, struct sv_err **err)
{
  struct sv_dns_msg r;
  uint16_t counts[3];
  int ret = parse_head (buf, len, &r, counts, NULL, err);
  if (ret < 0)
    return ret;
  if (!(r.flags & SV_DNS_F_QR))
    return bad (err, "a query, not a reply");
  *m = r;
  return 0;
}

int
sv_dns_build_reply (const uint8_t *query, const struct sv_dns_msg *q, enum sv_dns_rcode rcode,
                    const struct in_addr *addrs, size_t n_addrs, uint32_t ttl, uint8_t *out,
                    size_t cap, struct sv_err **err)
{
  size_t qlen = q->question_end - SV_DNS_HEADER_SIZE;
  size_t opt = q->edns_size ? OPT_RECORD_SIZE : 0;
  if (cap < SV_DNS_HEADER_SIZE + qlen + opt)
    return sv_err_make (err, EMSGSIZE, "DNS reply to `%s` in %zu bytes", q->name, cap);

  size_t room = cap - SV_DNS_HEADER_SIZE - qlen - opt;
  size_t n = n_addrs < room / A_RECORD_SIZE ? n_addrs : room / A_RECORD_SIZE;
  uint16_t flags = SV_DNS_F_QR | (q->flags & SV_DNS_F_RD) | SV_DNS_F_RA | (rcode & 0xf);
  if (rcode == SV_DNS_NOERROR)
    flags |= SV_DNS_F_AA;
  if (n < n_addrs)
    flags |= SV_DNS_F_TC;

  put16 (out, q->id);
  put16 (out + 2, flags);
  put16 (out + 4, 1);
  put16 (out + 6, (uint16_t)n);
  put16 (out + 8, 0);
  put16 (out + 10, opt ? 1 : 0);
  memcpy (out + SV_DNS_HEADER_SIZE, query + SV_DNS_HEADER_SIZE, qlen);

  uint8_t *p = out + SV_DNS_HEADER_SIZE + qlen;
  for (size_t i = 0; i < n; i++, p += A_RECORD_SIZE)
    {
      put16 (p, 0xc000 | SV_DNS_HEADER_SIZE); /* the question's name */
      put16 (p + 2, SV_DNS_TYPE_A);
      put16 (p + 4, SV_DNS_CLASS_IN);
      put32 (p + 6, ttl);
      put16 (p + 10, sizeof addrs[i]);
      memcpy (p + 12, &addrs[i], sizeof addrs[i]);
    }
  if (opt)
    {
      /* Root name, type OPT, our payload size, extended rcode/version/flags
       * 0, no options. */
      memset (p, 0, OPT_RECORD_SIZE);
      put16 (p + 1, SV_DNS_TYPE_OPT);
      put16 (p + 3, SV_DNS_EDNS_SIZE_MAX);
      p += OPT_RECORD_SIZE;
    }
  return (int)(p - out);
}

size_t
sv_dns_truncate (uint8_t *msg, const struct sv_dns_msg *m)
{
  put16 (msg + 2, m->flags | SV_DNS_F_TC);
  put16 (msg + 4, 1);
  memset (msg + 6, 0, 6);
  return m->question_end;
}

size_t
sv_dns_udp_limit (const struct sv_dns_msg *q)
{
  if (q->edns_size <= SV_DNS_UDP_SIZE)
    return SV_DNS_UDP_SIZE;
  return q->edns_size < SV_DNS_EDNS_SIZE_MAX ? q->edns_size : SV_DNS_EDNS_SIZE_MAX;
}
