/* Subnets (parse, overlap, pick) and IPAM over a real database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "network/ipam.h"
#include "network/net-db.h"
#include "network/subnet.h"
#include "util/db.h"

static uint32_t
ip (const char *s)
{
  uint32_t v = 0;
  assert_int_equal (sv_ip_parse (s, &v), 0);
  return v;
}

static void
test_subnet_parse (void **state)
{
  struct sv_subnet s;
  struct sv_err *err = NULL;
  assert_int_equal (sv_subnet_parse ("10.1.0.0/16", &s, &err), 0);
  assert_int_equal (s.addr, ip ("10.1.0.0"));
  assert_int_equal (s.prefix, 16);
  assert_true (sv_subnet_parse ("10.1.0.5/16", &s, &err) < 0);
  assert_non_null (strstr (err->msg, "it should be 10.1.0.0/16"));
  sv_err_free (&err);
  const char *bad[]
      = { "10.1.0.0", "10.1.0.0/", "10.1.0.0/33", "10.1.0.0/31", "x/8", "10.1.0.0/8x" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      assert_true (sv_subnet_parse (bad[i], &s, &err) < 0);
      assert_int_equal (err->code, EINVAL);
      sv_err_free (&err);
    }
}

static void
test_subnet_overlap_and_hosts (void **state)
{
  struct sv_subnet a = { ip ("10.88.0.0"), 16 }, b = { ip ("10.88.5.0"), 24 },
                   c = { ip ("10.89.0.0"), 24 };
  assert_true (sv_subnet_overlaps (a, b));
  assert_true (sv_subnet_overlaps (b, a));
  assert_false (sv_subnet_overlaps (a, c));
  assert_false (sv_subnet_has_host (c, ip ("10.89.0.0")));
  assert_false (sv_subnet_has_host (c, ip ("10.89.0.255")));
  assert_true (sv_subnet_has_host (c, ip ("10.89.0.1")));
  assert_false (sv_subnet_has_host (c, ip ("10.89.1.1")));
}

static void
test_subnet_pick (void **state)
{
  struct sv_subnet out;
  struct sv_err *err = NULL;
  struct sv_subnet routes[] = { { 0, 0 }, { ip ("10.89.0.0"), 23 } };
  assert_int_equal (sv_subnet_pick (true, routes, 2, NULL, 0, &out, &err), 0);
  assert_int_equal (out.addr, ip ("10.88.0.0"));
  assert_int_equal (out.prefix, 16);
  /* the default route does not count; a route over 10.88/16 does */
  struct sv_subnet busy[] = { { 0, 0 }, { ip ("10.88.0.0"), 13 } };
  struct sv_subnet taken[] = { { ip ("10.89.2.0"), 24 } };
  assert_int_equal (sv_subnet_pick (true, busy, 2, taken, 1, &out, &err), 0);
  assert_int_equal (out.addr, ip ("10.96.0.0"));
  assert_int_equal (out.prefix, 24);
  assert_int_equal (sv_subnet_pick (false, routes, 2, taken, 1, &out, &err), 0);
  assert_int_equal (out.addr, ip ("10.89.3.0"));
  struct sv_subnet all[] = { { ip ("10.0.0.0"), 8 } };
  assert_true (sv_subnet_pick (false, all, 1, NULL, 0, &out, &err) < 0);
  assert_int_equal (err->code, ENOSPC);
  sv_err_free (&err);
}

static void
test_ipam_next (void **state)
{
  struct sv_net n = {
    .name = (char *)"n", .subnet = ip ("10.9.0.0"), .prefix = 29, .gateway = ip ("10.9.0.1")
  };
  uint32_t out;
  struct sv_err *err = NULL;
  assert_int_equal (sv_ipam_next (&n, NULL, 0, &out, &err), 0);
  assert_int_equal (out, ip ("10.9.0.2"));
  uint32_t used[] = { ip ("10.9.0.2"), ip ("10.9.0.3"), ip ("10.9.0.5") };
  assert_int_equal (sv_ipam_next (&n, used, 3, &out, &err), 0);
  assert_int_equal (out, ip ("10.9.0.4"));
  /* a gateway elsewhere frees the first address and is skipped itself */
  n.gateway = ip ("10.9.0.4");
  assert_int_equal (sv_ipam_next (&n, used, 3, &out, &err), 0);
  assert_int_equal (out, ip ("10.9.0.1"));
  uint32_t low[] = { ip ("10.9.0.1"), ip ("10.9.0.2"), ip ("10.9.0.3") };
  assert_int_equal (sv_ipam_next (&n, low, 3, &out, &err), 0);
  assert_int_equal (out, ip ("10.9.0.5"));
  /* a full subnet is ENOSPC */
  uint32_t full[]
      = { ip ("10.9.0.1"), ip ("10.9.0.2"), ip ("10.9.0.3"), ip ("10.9.0.5"), ip ("10.9.0.6") };
  assert_true (sv_ipam_next (&n, full, 5, &out, &err) < 0);
  assert_int_equal (err->code, ENOSPC);
  sv_err_free (&err);
}

static int
attach (sqlite3 *db, const struct sv_net *n, const char *ctr, const char *want, uint32_t *out,
        struct sv_err **err)
{
  struct sv_endpoint ep = { .network_id = n->id,
                            .container_id = (char *)ctr,
                            .ifname = (char *)"eth0",
                            .host_ifname = (char *)"svx" };
  ep.ip = want ? ip (want) : 0;
  int r = sv_ipam_attach (db, n, &ep, err);
  *out = ep.ip;
  return r;
}

static void
test_ipam_attach (void **state)
{
  char dir[] = "/tmp/servin-test-ipam.XXXXXX";
  assert_non_null (mkdtemp (dir));
  char path[128];
  snprintf (path, sizeof path, "%s/db", dir);
  sqlite3 *db = NULL;
  struct sv_err *err = NULL;
  assert_int_equal (sv_db_open (path, &db, &err), 0);
  assert_int_equal (sv_net_db_init (db, &err), 0);
  struct sv_net n = { .id = (char *)"net1",
                      .name = (char *)"one",
                      .bridge = (char *)"br",
                      .subnet = ip ("10.7.0.0"),
                      .prefix = 24,
                      .gateway = ip ("10.7.0.1"),
                      .created = (char *)"now" };
  assert_int_equal (sv_net_insert (db, &n, &err), 0);
  assert_true (sv_net_insert (db, &n, &err) < 0);
  assert_int_equal (err->code, EEXIST);
  sv_err_free (&err);
  uint32_t a, b, c;
  assert_int_equal (attach (db, &n, "c1", NULL, &a, &err), 0);
  assert_int_equal (attach (db, &n, "c2", NULL, &b, &err), 0);
  assert_int_equal (a, ip ("10.7.0.2"));
  assert_int_equal (b, ip ("10.7.0.3"));
  /* the same container again keeps its address and adds nothing */
  assert_int_equal (attach (db, &n, "c1", NULL, &c, &err), 0);
  assert_int_equal (c, a);
  /* a requested address: taken, outside, the gateway, then free */
  assert_true (attach (db, &n, "c3", "10.7.0.3", &c, &err) < 0);
  assert_int_equal (err->code, EADDRINUSE);
  sv_err_free (&err);
  assert_true (attach (db, &n, "c3", "10.8.0.3", &c, &err) < 0);
  assert_int_equal (err->code, EINVAL);
  sv_err_free (&err);
  assert_true (attach (db, &n, "c3", "10.7.0.1", &c, &err) < 0);
  sv_err_free (&err);
  assert_int_equal (attach (db, &n, "c3", "10.7.0.50", &c, &err), 0);
  /* released on delete, then handed out again */
  assert_int_equal (sv_endpoint_delete (db, NULL, "c1", &err), 0);
  assert_int_equal (attach (db, &n, "c4", NULL, &c, &err), 0);
  assert_int_equal (c, ip ("10.7.0.2"));
  uint32_t *ips = NULL;
  size_t len = 0;
  assert_int_equal (sv_endpoint_ips (db, "net1", &ips, &len, &err), 0);
  assert_int_equal (len, 3);
  free (ips);
  sv_db_close (db);
  char cmd[160];
  snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal (system (cmd), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_subnet_parse), cmocka_unit_test (test_subnet_overlap_and_hosts),
    cmocka_unit_test (test_subnet_pick),  cmocka_unit_test (test_ipam_next),
    cmocka_unit_test (test_ipam_attach),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
