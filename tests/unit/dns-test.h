/* What test-dns.c (the wire format) and test-dns-server.c (the responder)
 * share: building queries and reading big-endian fields. */
#ifndef SV_TEST_DNS_H
#define SV_TEST_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t
get16 (const uint8_t *p)
{
  return (uint16_t)(p[0] << 8 | p[1]);
}

/* Write a query for NAME (dotted) of TYPE to BUF; EDNS > 0 adds an OPT
 * record with that payload size.  Returns its length. */
static inline size_t
make_query (uint8_t *buf, uint16_t id, const char *name, uint16_t type, uint16_t edns)
{
  uint8_t *p = buf;
  *p++ = id >> 8, *p++ = id & 0xff;
  *p++ = 0x01, *p++ = 0x00; /* RD */
  *p++ = 0, *p++ = 1, *p++ = 0, *p++ = 0, *p++ = 0, *p++ = 0, *p++ = 0, *p++ = edns ? 1 : 0;
  while (*name)
    {
      size_t l = strcspn (name, ".");
      *p++ = (uint8_t)l;
      memcpy (p, name, l);
      p += l;
      name += l;
      if (*name == '.')
        name++;
    }
  *p++ = 0;
  *p++ = type >> 8, *p++ = type & 0xff;
  *p++ = 0, *p++ = 1;
  if (edns)
    {
      static const uint8_t opt[] = { 0, 0, 41, 0, 0, 0, 0, 0, 0, 0, 0 };
      memcpy (p, opt, sizeof opt);
      p[3] = edns >> 8, p[4] = edns & 0xff;
      p += sizeof opt;
    }
  return (size_t)(p - buf);
}

/* A standard query header: id 0x1234, RD, one question, AR additional records. */
#define HDR(ar) 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, ar

#endif
