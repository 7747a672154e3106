/* DNS wire format (RFC 1035, EDNS0 from RFC 6891): just what the per-network
 * responder needs.  Parse a query's header and single question, and build
 * the replies the responder itself gives (A answers, NODATA, SERVFAIL).
 *
 * Every parser here reads packets sent by containers: it never reads past
 * LEN, checks label and name lengths, and follows compression pointers only
 * backwards (each target strictly before the previous one), so a pointer
 * loop cannot make it spin. */
#ifndef SV_DNS_PROTO_H
#define SV_DNS_PROTO_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define SV_DNS_HEADER_SIZE 12
/* The largest UDP message without EDNS0, and the most of a larger EDNS0
 * size that the responder honours. */
#define SV_DNS_UDP_SIZE 512
#define SV_DNS_EDNS_SIZE_MAX 4096
/* A name in text form: at most 253 characters plus the NUL. */
#define SV_DNS_NAME_SIZE 254

/* Header flag bits (the 16 bits after the id). */
#define SV_DNS_F_QR 0x8000
#define SV_DNS_F_AA 0x0400
#define SV_DNS_F_TC 0x0200
#define SV_DNS_F_RD 0x0100
#define SV_DNS_F_RA 0x0080
#define SV_DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define SV_DNS_RCODE(flags) ((flags)&0xf)

enum sv_dns_type
{
  SV_DNS_TYPE_A = 1,
  SV_DNS_TYPE_AAAA = 28,
  SV_DNS_TYPE_OPT = 41,
};

#define SV_DNS_CLASS_IN 1

enum sv_dns_rcode
{
  SV_DNS_NOERROR = 0,
  SV_DNS_FORMERR = 1,
  SV_DNS_SERVFAIL = 2,
  SV_DNS_NXDOMAIN = 3,
  SV_DNS_NOTIMP = 4,
  SV_DNS_REFUSED = 5,
};

/* A parsed message: its header and its one question. */
struct sv_dns_msg
{
  uint16_t id;
  uint16_t flags;
  /* The question's name, lower-case, dotted, without the trailing dot; ""
   * for the root.  Bytes other than [a-z0-9_-] inside a label are written
   * as '?' and clear NAME_PLAIN. */
  char name[SV_DNS_NAME_SIZE];
  bool name_plain; /* NAME can be looked up: every label is [A-Za-z0-9_-] */
  uint16_t qtype;
  uint16_t qclass;
  size_t question_end; /* offset of the first byte after the question */
  uint16_t edns_size;  /* a query's EDNS0 UDP payload size; 0 without EDNS0 */
};

/* Decode the name at OFF in the message BUF of LEN bytes into OUT (text as
 * described for sv_dns_msg.name; OUT must hold SV_DNS_NAME_SIZE bytes).
 * Sets *NEXT to the offset after the name where it starts (after the first
 * compression pointer, if any), *PLAIN as sv_dns_msg.name_plain and
 * *COMPRESSED to whether a pointer was followed (either may be NULL).
 * Returns 0, or < 0 (EBADMSG) for a name that runs past LEN, a label longer
 * than 63 bytes, a name longer than 255 bytes, a reserved label type or a
 * pointer that does not go strictly backwards. */
int sv_dns_read_name (const uint8_t *buf, size_t len, size_t off, char *out, size_t *next,
                      bool *plain, bool *compressed, struct sv_err **err);

/* Parse a standard query: QR clear, opcode QUERY, exactly one question whose
 * name is not compressed, no answer or authority records, and additional
 * records that end exactly at LEN, with at most one OPT (EDNS0) record
 * whose payload size is noted in M->edns_size.  Returns 0, or < 0 (EBADMSG) for anything
 * else; M is written only on success. */
int sv_dns_parse_query (const uint8_t *buf, size_t len, struct sv_dns_msg *m, struct sv_err **err);

/* Parse the header and the one question of a reply (QR set); the answer
 * sections are not examined.  Returns 0, or < 0 (EBADMSG); M is written only
 * on success.  edns_size is left 0. */
int sv_dns_parse_reply (const uint8_t *buf, size_t len, struct sv_dns_msg *m, struct sv_err **err);

/* Write to OUT (CAP bytes) the reply to the query Q parsed from QUERY: Q's
 * id and RD bit, QR and RA set, AA set when RCODE is NOERROR (the responder
 * is the authority for the names it answers), Q's question copied
 * byte for byte (keeping the asker's letter case), one A record of TTL
 * seconds per address in ADDRS, and an OPT record when Q had EDNS0.
 * Answers that do not fit in CAP are left out and TC is set.  Returns the
 * reply's length, or < 0 (EMSGSIZE) when not even the question fits. */
int sv_dns_build_reply (const uint8_t *query, const struct sv_dns_msg *q, enum sv_dns_rcode rcode,
                        const struct in_addr *addrs, size_t n_addrs, uint32_t ttl, uint8_t *out,
                        size_t cap, struct sv_err **err);

/* Cut the reply MSG, parsed as M, down to its header and question with TC
 * set and all record counts zero, for a client that cannot take it whole.
 * Returns the new length. */
size_t sv_dns_truncate (uint8_t *msg, const struct sv_dns_msg *m);

/* The most a UDP reply to Q may hold: 512 bytes, or Q's EDNS0 size up to
 * SV_DNS_EDNS_SIZE_MAX. */
size_t sv_dns_udp_limit (const struct sv_dns_msg *q);

#endif
