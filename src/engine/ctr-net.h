/* A container's networking, as its monitor runs it: before the first run
 * the networks are brought up, addresses allocated, published host ports
 * reserved and /etc/hosts and resolv.conf written; each run's container
 * process is then plugged in (sv_ctr_net_plug, from the runtime's
 * on_created callback, while the container builds its mounts); after the
 * last run everything is released. */
#ifndef SV_ENGINE_CTR_NET_H
#define SV_ENGINE_CTR_NET_H

#include <stdbool.h>
#include <sys/types.h>

#include "engine/engine.h"

struct sv_ctr_net;

/* The network C joins first, by its config: a network name (the default
 * one for docker's "bridge"/"default"), or NULL for none, host and
 * container:NAME. */
const char *sv_ctr_net_primary (json_t *config);

/* Prepare C's networking; *OUT is NULL for host and container:NAME.
 * Nothing is left behind on failure. */
int sv_ctr_net_prepare (struct sv_engine *e, struct sv_ctr *c, struct sv_ctr_net **out,
                        struct sv_err **err);

/* Plug the network namespace of PID in (an on_created callback; DATA is
 * the struct sv_ctr_net). */
int sv_ctr_net_plug (void *data, pid_t pid, struct sv_err **err);

/* After a run: take the veth pairs down for the next one; or, FINAL (no
 * restart follows), remove the published ports and release the
 * addresses, the veth pairs being left to sv_ctr_net_free. */
void sv_ctr_net_finish (struct sv_ctr_net *cn, bool final);

/* Delete CN's veth pairs and free it.  Deleting a link waits for an RCU
 * grace period (~20 ms): the monitor does it after the exit is reported.
 * (The kernel would delete them with the namespace anyway, but only once
 * nothing holds it: a container sharing it keeps it alive.) */
void sv_ctr_net_free (struct sv_ctr_net *cn);

/* Release what the database holds for container ID (its monitor is gone):
 * published ports and their rules, addresses. */
void sv_ctr_net_release (struct sv_engine *e, const char *id);

/* docker's NetworkSettings for inspect (new reference). */
json_t *sv_ctr_net_settings (struct sv_engine *e, const struct sv_ctr *c);

/* Connect C to NETWORK (EPCFG: docker's EndpointSettings, {"Aliases",
 * "IPAMConfig"}; may be NULL): recorded in its config, and plugged in
 * at once when it runs. */
int sv_ctr_net_connect (struct sv_engine *e, struct sv_ctr *c, const char *network, json_t *epcfg,
                        struct sv_err **err);
/* The reverse; disconnecting C from its primary network leaves it on
 * none. */
int sv_ctr_net_disconnect (struct sv_engine *e, struct sv_ctr *c, const char *network,
                           struct sv_err **err);

/* C's published ports as text: docker ps's "0.0.0.0:8080->80/tcp, ..."
 * (DOCKER_PORT false), docker port's "80/tcp -> 0.0.0.0:8080" lines, or
 * with PRIVATE_PORT ("80", "80/udp") the host side "0.0.0.0:8080" lines
 * of that port only.  Owned by the caller; "" when there are none. */
char *sv_ctr_net_ports_text (struct sv_engine *e, const struct sv_ctr *c, const char *private_port,
                             bool docker_port);

#endif
