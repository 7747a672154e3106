/* The runtime-spec "features" document: what this runtime supports. */
#ifndef SV_FEATURES_H
#define SV_FEATURES_H

#include <jansson.h>

json_t *sv_features (void);

#endif
