/* Unit tests for image/manifest.c: manifests, indexes, configs, selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "image/manifest.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define HEX(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define DA "sha256:" HEX ("aa")
#define DB "sha256:" HEX ("bb")
#define DC "sha256:" HEX ("cc")
#define DD "sha256:" HEX ("dd")
#define DE "sha256:" HEX ("ee")
#define DF "sha256:" HEX ("ff")
#define D1 "sha256:" HEX ("11")
#define D2 "sha256:" HEX ("22")

/* Test documents are written with ' for " to stay readable. */
static char *
doc (const char *s)
{
  char *d = xstrdup (s);
  for (char *p = d; *p; p++)
    if (*p == '\'')
      *p = '"';
  return d;
}

static int
parse (const char *text, const char *hint, struct sv_manifest **m, struct sv_err **err)
{
  _cleanup_free_ char *d = doc (text);
  return sv_manifest_parse (d, strlen (d), hint, m, err);
}

static void
assert_parse_fails (const char *text, const char *hint, const char *expected)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  int ret = parse (text, hint, &m, &err);
  if (ret == 0)
    fail_msg ("parsed, want error \"%s\": %s", expected, text);
  assert_null (m);
  if (strstr (err->msg, expected) == NULL)
    fail_msg ("error \"%s\", want \"%s\"", err->msg, expected);
}

#define OCI_CONFIG "{'mediaType':'" SV_MT_OCI_CONFIG "','digest':'" DA "','size':1234}"
#define OCI_BODY                                                                                   \
  "'config':" OCI_CONFIG ",'layers':["                                                             \
  "{'mediaType':'application/vnd.oci.image.layer.v1.tar+gzip','digest':'" DB "','size':100},"      \
  "{'mediaType':'application/vnd.oci.image.layer.v1.tar+zstd','digest':'" DC "','size':0,"         \
  "'annotations':{'org.example.k':'v'}}],"                                                         \
  "'annotations':{'org.opencontainers.image.created':'2024-01-01T00:00:00Z'}"

static const char oci_manifest[]
    = "{'schemaVersion':2,'mediaType':'" SV_MT_OCI_MANIFEST "'," OCI_BODY "}";
/* What umoci writes: no mediaType. */
static const char umoci_manifest[] = "{'schemaVersion':2," OCI_BODY "}";

static void
check_oci (const struct sv_manifest *m)
{
  assert_int_equal (m->kind, SV_MANIFEST_IMAGE);
  assert_string_equal (m->media_type, SV_MT_OCI_MANIFEST);
  assert_string_equal (m->config.media_type, SV_MT_OCI_CONFIG);
  assert_string_equal (m->config.digest, DA);
  assert_int_equal (m->config.size, 1234);
  assert_int_equal (m->n_layers, 2);
  assert_string_equal (m->layers[0].digest, DB);
  assert_int_equal (m->layers[0].compression, SV_COMPRESSION_GZIP);
  assert_int_equal (m->layers[1].compression, SV_COMPRESSION_ZSTD);
  assert_int_equal (m->layers[1].size, 0);
  assert_false (m->layers[0].foreign);
  assert_string_equal (sv_descriptor_annotation (&m->layers[1], "org.example.k"), "v");
  assert_null (sv_descriptor_annotation (&m->layers[1], "org.example"));
  assert_string_equal (m->annotations[0], "org.opencontainers.image.created=2024-01-01T00:00:00Z");
  assert_null (m->n_manifests ? m->manifests : NULL);
}

static void
test_oci_manifest (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  assert_int_equal (parse (oci_manifest, NULL, &m, &err), 0);
  check_oci (m);
}

/* No mediaType: the hint names it, or the fields do. */
static void
test_missing_media_type (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_manifest_ struct sv_manifest *hinted = NULL, *shaped = NULL, *charset = NULL;
  assert_int_equal (parse (umoci_manifest, SV_MT_OCI_MANIFEST, &hinted, &err), 0);
  check_oci (hinted);
  assert_int_equal (parse (umoci_manifest, NULL, &shaped, &err), 0);
  check_oci (shaped);
  /* HTTP parameters are ignored, and so is a hint that names no manifest. */
  assert_int_equal (parse (umoci_manifest, SV_MT_OCI_MANIFEST "; charset=utf-8", &charset, &err),
                    0);
  check_oci (charset);
  _cleanup_manifest_ struct sv_manifest *plain = NULL;
  assert_int_equal (parse (umoci_manifest, "application/json", &plain, &err), 0);
  check_oci (plain);
  /* A Docker hint without a document mediaType is taken as the type. */
  _cleanup_manifest_ struct sv_manifest *docker = NULL;
  assert_int_equal (parse (umoci_manifest, SV_MT_DOCKER_MANIFEST, &docker, &err), 0);
  assert_string_equal (docker->media_type, SV_MT_DOCKER_MANIFEST);
  assert_null (err);

  assert_parse_fails (umoci_manifest, SV_MT_OCI_INDEX,
                      "media type " SV_MT_OCI_INDEX " names an index but the document has the "
                      "fields of an image manifest");
  assert_parse_fails (oci_manifest, SV_MT_DOCKER_LIST,
                      "media type " SV_MT_DOCKER_LIST " names an index but the document's "
                      "mediaType is " SV_MT_OCI_MANIFEST);
  assert_parse_fails ("{'schemaVersion':2}", NULL, "cannot tell an image manifest from an index");
  assert_parse_fails ("{'schemaVersion':2,'manifests':[],'layers':[]}", NULL,
                      "both \"manifests\" and \"layers\"");
}

static void
test_docker_manifest (void **state)
{
  static const char text[]
      = "{'schemaVersion':2,'mediaType':'" SV_MT_DOCKER_MANIFEST "',"
        "'config':{'mediaType':'" SV_MT_DOCKER_CONFIG "','digest':'" DA "','size':7023},"
        "'layers':[{'mediaType':'application/vnd.docker.image.rootfs.diff.tar.gzip',"
        "'digest':'" DB "','size':32654},"
        "{'mediaType':'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',"
        "'digest':'" DC "','size':5,'urls':['https://example.com/layer']},"
        "{'mediaType':'application/vnd.oci.image.layer.nondistributable.v1.tar',"
        "'digest':'" DD "','size':6}]}";
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  /* The document's type wins over a hint of the same kind. */
  assert_int_equal (parse (text, SV_MT_OCI_MANIFEST, &m, &err), 0);
  assert_int_equal (m->kind, SV_MANIFEST_IMAGE);
  assert_string_equal (m->media_type, SV_MT_DOCKER_MANIFEST);
  assert_string_equal (m->config.media_type, SV_MT_DOCKER_CONFIG);
  assert_int_equal (m->n_layers, 3);
  assert_false (m->layers[0].foreign);
  assert_true (m->layers[1].foreign);
  assert_string_equal (m->layers[1].urls[0], "https://example.com/layer");
  assert_true (m->layers[2].foreign);
  assert_int_equal (m->layers[2].compression, SV_COMPRESSION_NONE);
}

#define PLAT(os, arch, extra) "'platform':{'os':'" os "','architecture':'" arch "'" extra "}"
#define ENTRY(mt, d, plat) "{'mediaType':'" mt "','digest':'" d "','size':500," plat "}"

static const char oci_index[]
    = "{'schemaVersion':2,'mediaType':'" SV_MT_OCI_INDEX
      "','manifests':[" ENTRY (SV_MT_OCI_MANIFEST, DA, PLAT ("linux", "amd64", "")) "," ENTRY (SV_MT_OCI_MANIFEST, DB, PLAT ("linux", "arm64", ",'variant':'v8'")) "," ENTRY (
          SV_MT_OCI_MANIFEST, DC,
          PLAT (
              "linux", "arm",
              ",'variant':'v7'")) "," ENTRY (SV_MT_OCI_MANIFEST, DD,
                                             PLAT (
                                                 "linux", "arm",
                                                 ",'variant':'v6'")) "," ENTRY (SV_MT_OCI_MANIFEST,
                                                                                DE,
                                                                                PLAT (
                                                                                    "linux",
                                                                                    "ppc64le",
                                                                                    "")) ","
                                                                                         "{'"
                                                                                         "mediaType"
                                                                                         "':"
                                                                                         "'" SV_MT_OCI_MANIFEST
                                                                                         "','"
                                                                                         "digest':"
                                                                                         "'" DF
                                                                                         "','size':"
                                                                                         "840,"
                                                                                         "'annotati"
                                                                                         "ons':{'"
                                                                                         "vnd."
                                                                                         "docker."
                                                                                         "reference"
                                                                                         ".digest':"
                                                                                         "'" DA "',"
                                                                                         "'vnd."
                                                                                         "docker."
                                                                                         "reference"
                                                                                         ".type':'"
                                                                                         "attestati"
                                                                                         "on-"
                                                                                         "manifest'"
                                                                                         "}," PLAT (
                                                                                             "unkno"
                                                                                             "wn",
                                                                                             "unkno"
                                                                                             "wn",
                                                                                             "") "}"
                                                                                                 "]"
                                                                                                 "}";

/* A Docker list whose arm64 entry has no variant and without 32-bit arm. */
static const char docker_list[]
    = "{'schemaVersion':2,'mediaType':'" SV_MT_DOCKER_LIST
      "','manifests':[" ENTRY (SV_MT_DOCKER_MANIFEST, D1, PLAT ("linux", "amd64", "")) "," ENTRY (
          SV_MT_DOCKER_MANIFEST, D2, PLAT ("linux", "arm64", "")) "]}";

static const char *
select_digest (const struct sv_manifest *index, const char *platform, struct sv_err **err)
{
  _cleanup_platform_ struct sv_platform *want = NULL;
  assert_int_equal (sv_platform_parse (platform, &want, err), 0);
  const struct sv_descriptor *d = NULL;
  if (sv_index_select (index, want, &d, err) < 0)
    return NULL;
  return d->digest;
}

static void
test_oci_index (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  assert_int_equal (parse (oci_index, NULL, &m, &err), 0);
  assert_int_equal (m->kind, SV_MANIFEST_INDEX);
  assert_string_equal (m->media_type, SV_MT_OCI_INDEX);
  assert_int_equal (m->n_manifests, 6);
  assert_string_equal (m->manifests[1].platform->variant, "v8");
  assert_null (m->manifests[0].platform->variant);

  assert_string_equal (select_digest (m, "linux/amd64", &err), DA);
  assert_string_equal (select_digest (m, "linux/x86_64", &err), DA);
  assert_string_equal (select_digest (m, "linux/arm64/v8", &err), DB);
  assert_string_equal (select_digest (m, "linux/arm64", &err), DB);
  assert_string_equal (select_digest (m, "linux/arm/v7", &err), DC);
  assert_string_equal (select_digest (m, "linux/arm/v6", &err), DD);
  assert_string_equal (select_digest (m, "linux/armhf", &err), DC);
  assert_string_equal (select_digest (m, "linux/ppc64le", &err), DE);
  assert_null (err);

  assert_null (select_digest (m, "linux/s390x", &err));
  assert_int_equal (err->code, ENOENT);
  assert_string_equal (err->msg, "no image for platform linux/s390x in the index (available: "
                                 "linux/amd64, linux/arm64/v8, linux/arm/v7, linux/arm/v6, "
                                 "linux/ppc64le)");
  sv_err_free (&err);
  /* amd64/v1 cannot run a v3 image, and arm/v5 cannot run v6. */
  assert_null (select_digest (m, "linux/arm/v5", &err));
  sv_err_free (&err);
  assert_null (select_digest (m, "windows/amd64", &err));
}

static void
test_docker_list (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  assert_int_equal (parse (docker_list, SV_MT_DOCKER_LIST, &m, &err), 0);
  assert_int_equal (m->kind, SV_MANIFEST_INDEX);
  assert_string_equal (m->media_type, SV_MT_DOCKER_LIST);
  assert_true (sv_media_type_is_manifest (m->manifests[0].media_type));
  /* arm64/v8 matches an entry that names no variant. */
  assert_string_equal (select_digest (m, "linux/arm64/v8", &err), D2);
  assert_string_equal (select_digest (m, "linux/amd64", &err), D1);
  assert_null (select_digest (m, "linux/arm/v7", &err));
  assert_non_null (strstr (err->msg, "available: linux/amd64, linux/arm64)"));
  sv_err_free (&err);

  /* An arm64 host falls back to 32-bit arm when there is no arm64 image. */
  static const char arm_only[] = "{'schemaVersion':2,'manifests':[" ENTRY (
      SV_MT_OCI_MANIFEST, D1,
      PLAT ("linux", "amd64", "")) "," ENTRY (SV_MT_OCI_MANIFEST, D2,
                                              PLAT ("linux", "arm", ",'variant':'v7'")) "]}";
  _cleanup_manifest_ struct sv_manifest *a = NULL;
  assert_int_equal (parse (arm_only, NULL, &a, &err), 0);
  assert_int_equal (a->kind, SV_MANIFEST_INDEX);
  assert_string_equal (a->media_type, SV_MT_OCI_INDEX);
  assert_string_equal (select_digest (a, "linux/arm64", &err), D2);
}

/* Entries without a platform are a last resort; non-manifests are skipped. */
static void
test_index_without_platforms (void **state)
{
  static const char text[]
      = "{'schemaVersion':2,'manifests':["
        "{'mediaType':'application/vnd.example.sig','digest':'" DA "','size':1},"
        "{'mediaType':'" SV_MT_OCI_MANIFEST "','digest':'" DB "','size':2,"
        "'annotations':{'org.opencontainers.image.ref.name':'latest'}}]}";
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  assert_int_equal (parse (text, NULL, &m, &err), 0);
  assert_string_equal (select_digest (m, "linux/amd64", &err), DB);

  _cleanup_manifest_ struct sv_manifest *img = NULL;
  assert_int_equal (parse (oci_manifest, NULL, &img, &err), 0);
  assert_null (select_digest (img, "linux/amd64", &err));
  assert_non_null (strstr (err->msg, "not an index"));
}

#define SCHEMA1_ERR "schema1 manifests are not supported"

static void
test_schema1_refused (void **state)
{
  assert_parse_fails ("{'schemaVersion':1,'name':'x','tag':'latest','fsLayers':[{'blobSum':'" DA
                      "'}]}",
                      NULL, SCHEMA1_ERR);
  assert_parse_fails ("{'schemaVersion':1,'mediaType':'" SV_MT_DOCKER_SCHEMA1_SIGNED "'}", NULL,
                      SCHEMA1_ERR);
  assert_parse_fails ("{'schemaVersion':1}", SV_MT_DOCKER_SCHEMA1, SCHEMA1_ERR);
  assert_parse_fails ("{'schemaVersion':1,'name':'x'}", SV_MT_DOCKER_SCHEMA1_SIGNED, SCHEMA1_ERR);
}

struct bad_doc
{
  const char *text;
  const char *error;
};

#define MANIFEST_WITH_LAYER(layer)                                                                 \
  "{'schemaVersion':2,'mediaType':'" SV_MT_OCI_MANIFEST "','config':" OCI_CONFIG                   \
  ",'layers':[" layer "]}"
#define GZ "application/vnd.oci.image.layer.v1.tar+gzip"

static const struct bad_doc bad_docs[] = {
  { "{'schemaVersion':2,", "manifest: invalid JSON at line 1" },
  { "[1]", "manifest: expected a JSON object" },
  { "{'mediaType':'" SV_MT_OCI_MANIFEST "'}", "schemaVersion: expected 2" },
  { "{'schemaVersion':3,'mediaType':'" SV_MT_OCI_MANIFEST "'}", "schemaVersion: expected 2" },
  { "{'schemaVersion':'2'}", "schemaVersion: expected an integer" },
  { "{'schemaVersion':2,'mediaType':'application/vnd.oci.artifact.manifest.v1+json'}",
    "unsupported manifest media type \"application/vnd.oci.artifact.manifest.v1+json\"" },
  { "{'schemaVersion':2,'mediaType':'" SV_MT_OCI_MANIFEST "','manifests':[]}",
    "mediaType " SV_MT_OCI_MANIFEST " names an image manifest but the document has the "
    "fields of an index" },
  { "{'schemaVersion':2,'mediaType':'" SV_MT_OCI_MANIFEST "','layers':[]}", "config: required" },
  { "{'schemaVersion':2,'mediaType':'" SV_MT_OCI_INDEX "'}", "manifests: required" },
  { "{'schemaVersion':2,'config':" OCI_CONFIG "}", "layers: required" },
  { MANIFEST_WITH_LAYER ("{'mediaType':'" GZ "','digest':'sha256:1234','size':1}"),
    "layers[0].digest: invalid digest \"sha256:1234\": expected 64 hex characters, got 4" },
  { MANIFEST_WITH_LAYER ("{'mediaType':'" GZ "','digest':'md5:" HEX ("a") "','size':1}"),
    "layers[0].digest: unsupported digest algorithm \"md5\"" },
  { MANIFEST_WITH_LAYER ("{'mediaType':'" GZ "','size':1}"), "layers[0].digest: required" },
  { MANIFEST_WITH_LAYER ("{'mediaType':'" GZ "','digest':'" DB "','size':-1}"),
    "layers[0].size: must not be negative" },
  { MANIFEST_WITH_LAYER ("{'mediaType':'" GZ "','digest':'" DB "','size':'1'}"),
    "layers[0].size: expected an integer" },
  { MANIFEST_WITH_LAYER ("{'mediaType':'" GZ "','digest':'" DB "'}"), "layers[0].size: required" },
  { MANIFEST_WITH_LAYER ("{'digest':'" DB "','size':1}"), "layers[0].mediaType: required" },
  { MANIFEST_WITH_LAYER ("{'mediaType':'" GZ "','digest':'" DB "','size':1},"
                         "{'mediaType':'application/vnd.cncf.helm.chart.content.v1.tar+gzip',"
                         "'digest':'" DC "','size':1}"),
    "layers[1].mediaType: unsupported layer media type "
    "\"application/vnd.cncf.helm.chart.content.v1.tar+gzip\"" },
  { MANIFEST_WITH_LAYER ("'x'"), "layers[0]: expected an object" },
  { MANIFEST_WITH_LAYER ("{'mediaType':'" GZ "','digest':'" DB "','size':1,'urls':[1]}"),
    "layers[0].urls[0]: expected a string" },
  { "{'schemaVersion':2,'config':{'mediaType':'application/vnd.cncf.helm.config.v1+json',"
    "'digest':'" DA "','size':1},'layers':[]}",
    "config.mediaType: \"application/vnd.cncf.helm.config.v1+json\" is not a container image "
    "config" },
  { "{'schemaVersion':2,'manifests':[{'mediaType':'" SV_MT_OCI_MANIFEST "','digest':'" DA
    "','size':1,'platform':{'os':'linux'}}]}",
    "manifests[0].platform.architecture: required" },
};

static void
test_bad_documents (void **state)
{
  for (size_t i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++)
    assert_parse_fails (bad_docs[i].text, NULL, bad_docs[i].error);
}

static const char docker_config[]
    = "{'architecture':'arm64','variant':'v8','os':'linux','created':'2024-05-01T10:00:00Z',"
      "'config':{'User':'1000:1000','Env':['PATH=/usr/bin','LANG=C.UTF-8'],"
      "'Entrypoint':['/docker-entrypoint.sh'],'Cmd':['nginx','-g','daemon off;'],"
      "'WorkingDir':'/srv','ExposedPorts':{'80/tcp':{},'443/tcp':{}},"
      "'Volumes':{'/data':{}},'Labels':{'maintainer':'me'},'StopSignal':'SIGQUIT'},"
      "'rootfs':{'type':'layers','diff_ids':['" D1 "','" D2 "']},"
      "'history':[{'created':'2024-05-01T10:00:00Z','created_by':'ADD rootfs.tar /'},"
      "{'created_by':'ENV LANG=C.UTF-8','empty_layer':true},{'created_by':'RUN make'}]}";

static int
parse_config (const char *text, struct sv_image_config **c, struct sv_err **err)
{
  _cleanup_free_ char *d = doc (text);
  return sv_image_config_parse (d, strlen (d), c, err);
}

static void
test_config (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_image_config_ struct sv_image_config *c = NULL;
  assert_int_equal (parse_config (docker_config, &c, &err), 0);
  assert_string_equal (c->architecture, "arm64");
  assert_string_equal (c->variant, "v8");
  assert_string_equal (c->os, "linux");
  assert_string_equal (c->created, "2024-05-01T10:00:00Z");
  assert_string_equal (c->user, "1000:1000");
  assert_int_equal (sv_strv_length (c->env), 2);
  assert_string_equal (sv_strv_env_get (c->env, "LANG"), "C.UTF-8");
  assert_string_equal (c->entrypoint[0], "/docker-entrypoint.sh");
  assert_int_equal (sv_strv_length (c->cmd), 3);
  assert_string_equal (c->cmd[2], "daemon off;");
  assert_string_equal (c->working_dir, "/srv");
  assert_int_equal (sv_strv_length (c->exposed_ports), 2);
  assert_string_equal (c->exposed_ports[0], "80/tcp");
  assert_string_equal (c->volumes[0], "/data");
  assert_string_equal (c->labels[0], "maintainer=me");
  assert_string_equal (c->stop_signal, "SIGQUIT");
  assert_int_equal (c->n_diff_ids, 2);
  assert_string_equal (c->diff_ids[1], D2);
  assert_int_equal (c->n_history, 3);
  assert_string_equal (c->history[0].created_by, "ADD rootfs.tar /");
  assert_true (c->history[1].empty_layer);
  assert_false (c->history[2].empty_layer);
  assert_null (c->history[2].created);
}

/* Cmd null and Cmd [] differ: the first means "unset", the second "empty". */
static void
test_config_minimal (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_image_config_ struct sv_image_config *c = NULL;
  assert_int_equal (parse_config ("{'architecture':'amd64','os':'linux','config':{'Cmd':null,"
                                  "'Entrypoint':[]},'rootfs':{'type':'layers','diff_ids':[]}}",
                                  &c, &err),
                    0);
  assert_null (c->cmd);
  assert_non_null (c->entrypoint);
  assert_null (c->entrypoint[0]);
  assert_null (c->env);
  assert_null (c->history);
  assert_int_equal (c->n_diff_ids, 0);
}

static const struct bad_doc bad_configs[] = {
  { "{'os':'linux','rootfs':{'type':'layers','diff_ids':[]}}",
    "image config: architecture: required" },
  { "{'architecture':'amd64','rootfs':{'type':'layers','diff_ids':[]}}",
    "image config: os: required" },
  { "{'architecture':'amd64','os':'linux'}", "image config: rootfs: required" },
  { "{'architecture':'amd64','os':'linux','rootfs':{'type':'fs','diff_ids':[]}}",
    "rootfs.type: expected \"layers\"" },
  { "{'architecture':'amd64','os':'linux','rootfs':{'type':'layers'}}",
    "rootfs.diff_ids: required" },
  { "{'architecture':'amd64','os':'linux','rootfs':{'type':'layers','diff_ids':['sha256:x']}}",
    "rootfs.diff_ids[0]: invalid digest" },
  { "{'architecture':'amd64','os':'linux','config':{'Env':'PATH=/bin'},"
    "'rootfs':{'type':'layers','diff_ids':[]}}",
    "config.Env: expected an array" },
  { "{'architecture':'amd64','os':'linux','config':{'Labels':{'a':1}},"
    "'rootfs':{'type':'layers','diff_ids':[]}}",
    "config.Labels.a: expected a string" },
  { "{'architecture':'amd64','os':'linux','rootfs':{'type':'layers','diff_ids':[]},"
    "'history':[{'empty_layer':'yes'}]}",
    "history[0].empty_layer: expected a boolean" },
  { "not json", "image config: invalid JSON" },
};

static void
test_bad_configs (void **state)
{
  for (size_t i = 0; i < sizeof bad_configs / sizeof bad_configs[0]; i++)
    {
      _cleanup_err_ struct sv_err *err = NULL;
      _cleanup_image_config_ struct sv_image_config *c = NULL;
      if (parse_config (bad_configs[i].text, &c, &err) == 0)
        fail_msg ("parsed, want \"%s\"", bad_configs[i].error);
      assert_null (c);
      if (strstr (err->msg, bad_configs[i].error) == NULL)
        fail_msg ("error \"%s\", want \"%s\"", err->msg, bad_configs[i].error);
    }
}

static void
test_check_config (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  _cleanup_image_config_ struct sv_image_config *two = NULL, *one = NULL;
  assert_int_equal (parse (oci_manifest, NULL, &m, &err), 0);
  assert_int_equal (parse_config (docker_config, &two, &err), 0);
  assert_int_equal (sv_manifest_check_config (m, two, &err), 0);
  assert_int_equal (parse_config ("{'architecture':'amd64','os':'linux',"
                                  "'rootfs':{'type':'layers','diff_ids':['" D1 "']}}",
                                  &one, &err),
                    0);
  assert_true (sv_manifest_check_config (m, one, &err) < 0);
  assert_string_equal (err->msg,
                       "image config has 1 rootfs.diff_ids but the manifest has 2 layers");
  sv_err_free (&err);

  _cleanup_manifest_ struct sv_manifest *index = NULL;
  assert_int_equal (parse (oci_index, NULL, &index, &err), 0);
  assert_true (sv_manifest_check_config (index, two, &err) < 0);
  assert_non_null (strstr (err->msg, "not an image manifest"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_oci_manifest),    cmocka_unit_test (test_missing_media_type),
    cmocka_unit_test (test_docker_manifest), cmocka_unit_test (test_oci_index),
    cmocka_unit_test (test_docker_list),     cmocka_unit_test (test_index_without_platforms),
    cmocka_unit_test (test_schema1_refused), cmocka_unit_test (test_bad_documents),
    cmocka_unit_test (test_config),          cmocka_unit_test (test_config_minimal),
    cmocka_unit_test (test_bad_configs),     cmocka_unit_test (test_check_config),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
