/* Registry credentials in docker's client config file, so `docker login`
 * and `servin login` share them:
 *
 *   $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json
 *   {"auths": {"127.0.0.1:5000": {"auth": "base64(user:pass)"}}, ...}
 *
 * Docker Hub's key is "https://index.docker.io/v1/" as docker writes it.
 * Other keys of the file are kept as they are; the file is written
 * atomically with mode 0600.  Credential helpers (credsStore) are not
 * consulted. */
#ifndef SV_IMAGE_CREDENTIALS_H
#define SV_IMAGE_CREDENTIALS_H

#include "util/err.h"

#define SV_DOCKER_HUB_AUTH_KEY "https://index.docker.io/v1/"

/* The config file's path; owned by the caller.  EINVAL when neither
 * DOCKER_CONFIG nor HOME is set. */
int sv_credentials_path (char **out, struct sv_err **err);

/* The auths key of SERVER: NULL, "docker.io", "index.docker.io",
 * "registry-1.docker.io" (with or without a scheme) give Docker Hub's;
 * otherwise "host[:port]" without scheme or path.  Owned by the caller. */
char *sv_credentials_key (const char *server);

/* Look up the credentials of SERVER.  Returns 1 and fills *USERNAME and
 * *PASSWORD (owned by the caller) when there are some, 0 when there are
 * none (or no config file), < 0 on an unreadable file or entry. */
int sv_credentials_get (const char *server, char **username, char **password, struct sv_err **err);
/* Store credentials for SERVER, replacing any. */
int sv_credentials_set (const char *server, const char *username, const char *password,
                        struct sv_err **err);
/* Remove the credentials of SERVER: 1 when there were some, 0 when not. */
int sv_credentials_remove (const char *server, struct sv_err **err);

#endif
